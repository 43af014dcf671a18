import { sql, type Kysely } from 'kysely';
import type { Database } from '../../server/db/schema.js';
import { loadContacts } from '../../server/features/build/contact-chunks.js';
import { scoreAccounts } from '../../server/scoring/account-scores.js';
import { statusesOf, storeStatuses } from '../../server/scoring/customer-statuses.js';
import { assignTiers, planRun, runAsOf } from '../../server/scoring/cycle-steps.js';
import { completeRun, openRun } from '../../server/scoring/runs.js';

const NAMES = [
  'Northwind Traders',
  'Globex',
  'Initech',
  'Umbrella Corp',
  'Hooli',
  'Stark Industries',
  'Wayne Enterprises',
  'Acme Analytics',
  'Soylent Foods',
  'Vandelay Imports',
  'Cyberdyne Systems',
  'Tyrell Corp',
];

export interface AccountPortal {
  runId: number;
  /** Company ids in the order they were made; company k holds the contacts k·size+1 … (k+1)·size. */
  companies: string[];
}

/**
 * Companies over a portal that `seedScoredPortal` filled: every `perCompany` contacts (by their
 * number) share a company, every third company has an open renewal in 10 + k days and every fourth
 * an open high-priority ticket; then a scoring run of the contacts' current scores sets the
 * contacts' tiers and the companies' account scores, as a cycle does.
 */
export async function seedAccounts(
  db: Kysely<Database>,
  portalId: number,
  options: { idPrefix: string; contacts: number; perCompany: number; modelId: number },
): Promise<AccountPortal> {
  const { idPrefix, contacts, perCompany } = options;
  const count = Math.ceil(contacts / perCompany);
  const companies = Array.from({ length: count }, (_, k) => `${idPrefix}co${k}`);
  await db
    .insertInto('companies')
    .values(
      companies.map((id, k) => ({
        portal_id: portalId,
        id,
        name: `${NAMES[k % NAMES.length]}${k >= NAMES.length ? ` ${Math.floor(k / NAMES.length) + 1}` : ''}`,
        domain: `${id}.example.com`,
        // As HubSpot gives its industries: option codes.
        industry: k % 2 === 0 ? 'COMPUTER_SOFTWARE' : 'RETAIL',
        employees: 20 + k * 15,
        country: 'DE',
        stage_kind: 'customer',
      })),
    )
    .execute();
  await sql`update contacts set company_id = ${idPrefix} || 'co' || ((substr(id, ${idPrefix.length + 1})::int - 1) / ${perCompany})
    where portal_id = ${portalId} and id ~ ${`^${idPrefix}[0-9]+$`}`.execute(db);
  const day = 86_400_000;
  for (let k = 0; k < count; k += 3) {
    const dealId = `${idPrefix}renewal${k}`;
    await db
      .insertInto('deals')
      .values({
        portal_id: portalId,
        id: dealId,
        name: 'Annual renewal',
        amount: 4_000 + k * 500,
        stage: 'contractsent',
        deal_type: 'existingbusiness',
        is_renewal: true,
        is_closed_won: false,
        is_closed_lost: false,
        close_date: new Date(Date.now() + (10 + k) * day),
      })
      .execute();
    await db
      .insertInto('associations')
      .values({
        portal_id: portalId,
        from_type: 'deals',
        from_id: dealId,
        to_type: 'companies',
        to_id: companies[k]!,
      })
      .execute();
  }
  for (let k = 0; k < count; k += 4) {
    const ticketId = `${idPrefix}urgent${k}`;
    await db
      .insertInto('tickets')
      .values({
        portal_id: portalId,
        id: ticketId,
        subject: 'Exports fail',
        priority: 'HIGH',
        stage: '1',
        created_at: new Date(Date.now() - 3 * day),
      })
      .execute();
    await db
      .insertInto('associations')
      .values({
        portal_id: portalId,
        from_type: 'contacts',
        from_id: `${idPrefix}${k * perCompany + 1}`,
        to_type: 'tickets',
        to_id: ticketId,
      })
      .execute();
  }

  const all = await loadContacts(db, portalId, { from: idPrefix, upTo: `${idPrefix}~` });
  const now = new Date();
  const { statuses } = await statusesOf(db, portalId, all, now);
  await storeStatuses(db, portalId, statuses, { asOf: now, runId: null });

  // A run of the contacts' current scores, as the cycle's tiers step sees them.
  const { run } = await openRun(db, portalId, 'manual', `accounts-${idPrefix}`);
  await planRun(db, run.id, portalId, { modelId: options.modelId, asOf: runAsOf(now) });
  await sql`insert into scores (portal_id, contact_id, model_id, probability, tier, reasons, scored_at, run_id, trigger)
    select portal_id, contact_id, model_id, probability, tier, reasons, now(), ${run.id}, 'cycle'
    from current_scores where portal_id = ${portalId}`.execute(db);
  const settings = { tiers: { kind: 'share' as const, highShare: 0.1, mediumShare: 0.2 } };
  await assignTiers(db, run.id, settings);
  await scoreAccounts(db, run.id, settings);
  await completeRun(db, run.id, { drift: null, summary: {} });
  return { runId: run.id, companies };
}
