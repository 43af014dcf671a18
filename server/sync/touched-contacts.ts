import type { Kysely } from 'kysely';
import type { CrmObjectType } from '../crm/connector.js';
import type { Database } from '../db/schema.js';

/**
 * The contacts whose features a change to these records can move: the contacts themselves, or the
 * contacts associated with a changed ticket, email, deal or feedback submission.
 */
export async function contactsTouchedBy(
  db: Kysely<Database>,
  portalId: number,
  type: CrmObjectType,
  ids: readonly string[],
): Promise<string[]> {
  if (ids.length === 0) return [];
  if (type === 'contacts') return [...ids];
  if (type === 'companies') {
    const rows = await db
      .selectFrom('contacts')
      .select('id')
      .where('portal_id', '=', portalId)
      .where('company_id', 'in', [...ids])
      .execute();
    return rows.map((r) => r.id);
  }
  const rows = await db
    .selectFrom('associations')
    .select('from_id')
    .distinct()
    .where('portal_id', '=', portalId)
    .where('from_type', '=', 'contacts')
    .where('to_type', '=', type)
    .where('to_id', 'in', [...ids])
    .execute();
  return rows.map((r) => r.from_id);
}
