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

/**
 * Deletes an uninstalled portal and every warehouse row that carries its id, in one transaction;
 * nothing when it was installed again meanwhile. The tables written a row per record carry
 * `portal_id` without a key to `portals` (migration 0025): their rows are deleted first, from every
 * such table the catalog shows, so a table added later is not missed. The portal's own deletion
 * takes the rest by cascade.
 */
export async function purgePortal(db: Kysely<Database>, portalId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const portal = await trx
      .selectFrom('portals')
      .select('id')
      .where('id', '=', portalId)
      .where('status', '=', 'uninstalled')
      .forUpdate()
      .executeTakeFirst();
    if (!portal) return;
    for (const table of await tablesWithoutPortalKey(trx)) {
      await sql`delete from ${sql.table(table)} where portal_id = ${portalId}`.execute(trx);
    }
    await trx.deleteFrom('portals').where('id', '=', portalId).execute();
  });
}

/** The tables with a `portal_id` column and no foreign key from it to `portals`. */
async function tablesWithoutPortalKey(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ table: string }>`
    select c.relname as table
    from pg_class c
    join pg_attribute a on a.attrelid = c.oid and a.attname = 'portal_id' and not a.attisdropped
    where c.relkind = 'r' and c.relnamespace = current_schema()::regnamespace
      and not exists (
        select 1 from pg_constraint k
        where k.conrelid = c.oid and k.contype = 'f' and k.confrelid = 'portals'::regclass
      )
    order by c.relname`.execute(db);
  return rows.map((r) => r.table);
}
