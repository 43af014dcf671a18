/**
 * Contact merges in the CRM, followed in the warehouse: when a contact the sync writes names
 * contacts merged into it (HubSpot's `hs_merged_object_ids`), everything the warehouse holds under
 * a merged id moves to the survivor (its property history, associations, usage, scores and their
 * history, retention actions with their holdout group, offers, surveys, loyalty points, advisors'
 * marks and feedback), and the merged contact's own row goes: it is no longer a customer of its
 * own, so it is never scored or written back again. A merge seen again finds no merged row and
 * changes nothing.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { CrmRecord } from '../crm/connector.js';
import type { PropertyHistory } from '../crm/warehouse-records.js';
import type { Database } from '../db/schema.js';
import { json } from '../db/json.js';
import type { ObjectSpec } from './object-specs.js';

type Db = Transaction<Database> | Kysely<Database>;

export interface ContactMerge {
  survivorId: string;
  mergedId: string;
}

/** The merges the written records report, survivors as the CRM names them. */
export function mergesReported(spec: ObjectSpec, records: CrmRecord[]): ContactMerge[] {
  if (spec.table !== 'contacts' || !spec.mergedIds) return [];
  return records.flatMap((record) =>
    record.archived ? [] : spec.mergedIds!(record).map((mergedId) => ({ survivorId: record.id, mergedId })),
  );
}

/**
 * Folds each merged contact the warehouse still holds into its survivor, in the caller's
 * transaction; returns how many were folded.
 */
export async function foldMergedContacts(trx: Db, portalId: number, merges: ContactMerge[]): Promise<number> {
  if (merges.length === 0) return 0;
  const held = await trx
    .selectFrom('contacts')
    .select('id')
    .where('portal_id', '=', portalId)
    .where(
      'id',
      'in',
      merges.map((m) => m.mergedId),
    )
    .execute();
  const present = new Set(held.map((row) => row.id));
  let folded = 0;
  for (const merge of merges) {
    if (!present.has(merge.mergedId)) continue;
    await foldContact(trx, portalId, merge);
    present.delete(merge.mergedId);
    folded += 1;
  }
  return folded;
}

async function foldContact(trx: Db, portalId: number, { survivorId, mergedId }: ContactMerge): Promise<void> {
  await joinPropertyHistories(trx, portalId, survivorId, mergedId);
  await moveAssociations(trx, portalId, survivorId, mergedId);
  await moveScores(trx, portalId, survivorId, mergedId);
  const moved = [
    'usage_events',
    'retention_actions',
    'retention_offers',
    'survey_requests',
    'loyalty_ledger',
  ];
  for (const table of [...moved, 'score_feedback', 'contact_outcomes'] as const) {
    await sql`update ${sql.table(table)} set contact_id = ${survivorId}
      where portal_id = ${portalId} and contact_id = ${mergedId}`.execute(trx);
  }
  await trx
    .updateTable('account_scores')
    .set({ decision_maker_id: survivorId })
    .where('portal_id', '=', portalId)
    .where('decision_maker_id', '=', mergedId)
    .execute();
  // Worked out again for the survivor by the next run; the merged contact has none of its own.
  await trx
    .deleteFrom('customer_status')
    .where('portal_id', '=', portalId)
    .where('contact_id', '=', mergedId)
    .execute();
  await trx
    .deleteFrom('crm_writebacks')
    .where('portal_id', '=', portalId)
    .where('object_type', '=', 'contacts')
    .where('record_id', '=', mergedId)
    .execute();
  await trx.deleteFrom('contacts').where('portal_id', '=', portalId).where('id', '=', mergedId).execute();
  await trx
    .insertInto('audit_log')
    .values({
      portal_id: portalId,
      actor: 'crm',
      action: 'contact.merged',
      details: json({ survivorId, mergedId }),
    })
    .execute();
}

/** The survivor's stored history becomes both pasts, oldest first, each value once per instant. */
async function joinPropertyHistories(trx: Db, portalId: number, survivorId: string, mergedId: string) {
  const rows = await trx
    .selectFrom('contacts')
    .select(['id', 'property_history'])
    .where('portal_id', '=', portalId)
    .where('id', 'in', [survivorId, mergedId])
    .execute();
  const survivor = rows.find((r) => r.id === survivorId)?.property_history ?? null;
  const merged = rows.find((r) => r.id === mergedId)?.property_history ?? null;
  if (!merged) return;
  const joined: PropertyHistory = {};
  for (const name of new Set([...Object.keys(survivor ?? {}), ...Object.keys(merged)])) {
    const entries = [...(merged[name] ?? []), ...(survivor?.[name] ?? [])];
    const unique = new Map(entries.map((entry) => [`${entry.at}\u0000${entry.value ?? ''}`, entry]));
    joined[name] = [...unique.values()].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  }
  await trx
    .updateTable('contacts')
    .set({ property_history: json(joined) })
    .where('portal_id', '=', portalId)
    .where('id', '=', survivorId)
    .execute();
}

/** Each link of the merged contact, on either side, now names the survivor (once). */
async function moveAssociations(trx: Db, portalId: number, survivorId: string, mergedId: string) {
  for (const side of ['from', 'to'] as const) {
    const type = sql.ref(`${side}_type`);
    const id = sql.ref(`${side}_id`);
    const moved = side === 'from' ? sql`${survivorId}, to_type, to_id` : sql`from_id, to_type, ${survivorId}`;
    await sql`
      with gone as (
        delete from associations
        where portal_id = ${portalId} and ${type} = 'contacts' and ${id} = ${mergedId}
        returning from_type, from_id, to_type, to_id, type_id, type_ids, is_primary
      )
      insert into associations (portal_id, from_type, from_id, to_type, to_id, type_id, type_ids, is_primary)
      select ${portalId}, from_type, ${moved}, type_id, type_ids, is_primary from gone
      where not (from_type = 'contacts' and to_type = 'contacts' and from_id = to_id)
      on conflict do nothing`.execute(trx);
  }
}

/**
 * The merged contact's scores become the survivor's history. A run that scored both keeps the
 * survivor's score as its own; the other stays in the history, outside any run. The current score
 * of both is then worked out again (the triggers on `scores` see inserts and deletes only).
 */
async function moveScores(trx: Db, portalId: number, survivorId: string, mergedId: string) {
  await sql`
    update scores s set contact_id = ${survivorId},
      run_id = case when exists (
        select 1 from scores o where o.run_id = s.run_id and o.contact_id = ${survivorId}
      ) then null else s.run_id end
    where s.portal_id = ${portalId} and s.contact_id = ${mergedId}`.execute(trx);
  await trx
    .deleteFrom('current_scores')
    .where('portal_id', '=', portalId)
    .where('contact_id', 'in', [survivorId, mergedId])
    .execute();
  await sql`
    insert into current_scores
    select l.portal_id, l.contact_id, l.model_id, l.probability, l.tier, l.reasons, l.scored_at,
      p.probability, p.tier, p.scored_at
    from (
      select * from scores where portal_id = ${portalId} and contact_id = ${survivorId}
      order by scored_at desc limit 1
    ) l
    left join lateral (
      select probability, tier, scored_at from scores s
      where s.portal_id = l.portal_id and s.contact_id = l.contact_id
        and score_week(s.scored_at) < score_week(l.scored_at)
      order by scored_at desc limit 1
    ) p on true`.execute(trx);
}
