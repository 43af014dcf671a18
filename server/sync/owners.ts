import type { Insertable, Kysely } from 'kysely';
import type { CrmConnector, CrmOwner } from '../crm/connector.js';
import type { Database, OwnersTable } from '../db/schema.js';

export interface OwnersSyncResult {
  fetched: number;
  /** Owners the CRM no longer lists at all, taken out of the table. */
  removed: number;
}

/** An owner as the warehouse keeps it. */
export function mapOwner(owner: CrmOwner, portalId: number): Insertable<OwnersTable> {
  return {
    portal_id: portalId,
    id: owner.id,
    name: owner.name,
    email: owner.email,
    user_id: owner.userId,
    active: owner.active,
  };
}

/**
 * Reads the portal's owners whole (a portal has dozens, not thousands) and makes the `owners`
 * table hold exactly them, in one transaction. Owners who left stay, marked inactive: contacts
 * keep naming them until someone reassigns them, and the product shows their name as someone who
 * left.
 */
export async function syncOwners(
  deps: { db: Kysely<Database>; connector: CrmConnector },
  portalId: number,
): Promise<OwnersSyncResult> {
  const owners = await deps.connector.owners(portalId);
  const rows = [...new Map(owners.map((owner) => [owner.id, mapOwner(owner, portalId)])).values()];
  const removed = await deps.db.transaction().execute(async (trx) => {
    let gone = trx.deleteFrom('owners').where('portal_id', '=', portalId);
    if (rows.length > 0)
      gone = gone.where(
        'id',
        'not in',
        rows.map((row) => row.id),
      );
    const deleted = await gone.executeTakeFirst();
    if (rows.length > 0) {
      await trx
        .insertInto('owners')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['portal_id', 'id']).doUpdateSet((eb) => ({
            name: eb.ref('excluded.name'),
            email: eb.ref('excluded.email'),
            user_id: eb.ref('excluded.user_id'),
            active: eb.ref('excluded.active'),
            synced_at: new Date(),
          })),
        )
        .execute();
    }
    return Number(deleted.numDeletedRows);
  });
  return { fetched: owners.length, removed };
}
