import { sql, type Kysely } from 'kysely';
import { json } from './json.js';
import type { CrmKind, Database, Portal } from './schema.js';

/** The portal rows: one per installed CRM account (HubSpot portal / Salesforce org). */

export async function upsertInstalledPortal(
  db: Kysely<Database>,
  input: { crm: CrmKind; externalId: string; name: string; domain: string | null },
): Promise<Portal> {
  return db
    .insertInto('portals')
    .values({ crm: input.crm, external_id: input.externalId, name: input.name, domain: input.domain })
    .onConflict((oc) =>
      oc.columns(['crm', 'external_id']).doUpdateSet({
        name: input.name,
        domain: input.domain,
        status: 'active',
        installed_at: sql`now()`,
        uninstalled_at: null,
        updated_at: sql`now()`,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findPortal(db: Kysely<Database>, portalId: number): Promise<Portal | undefined> {
  return db.selectFrom('portals').selectAll().where('id', '=', portalId).executeTakeFirst();
}

export function findPortalByExternalId(
  db: Kysely<Database>,
  crm: CrmKind,
  externalId: string,
): Promise<Portal | undefined> {
  return db
    .selectFrom('portals')
    .selectAll()
    .where('crm', '=', crm)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
}

/** Marks the portal uninstalled and deletes its tokens, in one transaction. */
export async function markPortalUninstalled(
  db: Kysely<Database>,
  portalId: number,
  reason: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('oauth_tokens').where('portal_id', '=', portalId).execute();
    await trx
      .updateTable('portals')
      .set({ status: 'uninstalled', uninstalled_at: sql`now()`, updated_at: sql`now()` })
      .where('id', '=', portalId)
      .where('status', '!=', 'uninstalled')
      .execute();
    await trx
      .insertInto('audit_log')
      .values({
        portal_id: portalId,
        actor: 'system',
        action: 'portal.uninstalled',
        details: json({ reason }),
      })
      .execute();
  });
}

/** Portals uninstalled before `cutoff`, whose warehouse rows are due for deletion. */
export async function portalsUninstalledBefore(db: Kysely<Database>, cutoff: Date): Promise<number[]> {
  const rows = await db
    .selectFrom('portals')
    .select('id')
    .where('status', '=', 'uninstalled')
    .where('uninstalled_at', '<', cutoff)
    .execute();
  return rows.map((r) => r.id);
}

/** Deletes a portal and, by cascade, every warehouse row that carries its id. */
export async function purgePortal(db: Kysely<Database>, portalId: number): Promise<void> {
  await db.deleteFrom('portals').where('id', '=', portalId).where('status', '=', 'uninstalled').execute();
}
