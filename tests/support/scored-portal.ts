import { sql, type Kysely } from 'kysely';
import { json } from '../../server/db/json.js';
import type { Database } from '../../server/db/schema.js';

/**
 * A portal as the weekly cycle leaves it, written straight into the warehouse with SQL (fast
 * enough for 100,000 contacts): contacts with owners, billing periods and customer dates, won deals
 * for some, an active model, and `weeks` weekly scores per contact whose risk drifts upwards.
 */
export interface ScoredPortalOptions {
  contacts: number;
  weeks: number;
  /** Prefix of the contact ids, so that two portals never share one. */
  idPrefix: string;
  /** Prefix of the last names, so that a page shows whose data it is. */
  namePrefix?: string;
  /** Emails, tickets and survey answers for the engagement page. */
  engagement?: boolean;
}

const FIRST = ['Ada', 'Bo', 'Chen', 'Dana', 'Eli', 'Farah', 'Gus', 'Hana', 'Ivo', 'Jun', 'Kim', 'Lea'];
const LAST = ['Moreau', 'Nakamura', 'Okafor', 'Petrov', 'Quinn', 'Rossi', 'Silva', 'Tanaka', 'Umar', 'Vega'];

export const SEEDED_REASONS = [
  { feature: 'tickets_open_now', label: 'Open tickets now', value: 3, contribution: 0.8 },
  { feature: 'sessions_per_week_4w', label: 'Sessions per week (4 weeks)', value: 0.5, contribution: 0.6 },
  { feature: 'nps_last', label: 'Last NPS answer', value: 4, contribution: 0.5 },
  { feature: 'days_since_last_reply', label: 'Days since their last reply', value: 64, contribution: 0.4 },
  { feature: 'tenure_days', label: 'Days as a customer', value: 900, contribution: -0.3 },
];

export const SEEDED_METRICS = {
  rows: 4000,
  positives: 640,
  roc_auc: 0.842,
  pr_auc: 0.561,
  brier: 0.108,
  ece: 0.021,
  accuracy: 0.87,
  lift_top_decile: 3.4,
  capture_top_decile: 0.34,
  calibration: Array.from({ length: 10 }, (_, i) => ({
    from: i / 10,
    to: (i + 1) / 10,
    count: 400 - i * 30,
    meanPredicted: i / 10 + 0.05,
    observedRate: Math.min(1, i / 10 + 0.04 + (i % 3) * 0.01),
  })),
};

export async function seedScoredPortal(
  db: Kysely<Database>,
  portalId: number,
  options: ScoredPortalOptions,
): Promise<{ modelId: number }> {
  const { contacts: n, weeks, idPrefix } = options;
  const namePrefix = options.namePrefix ?? '';
  await sql`
    insert into contacts (portal_id, id, email, lifecycle_stage, stage_kind, customer_since, first_name,
      last_name, owner_id, properties, created_at, billing_period)
    select ${portalId}, ${idPrefix} || i, 'c' || i || '@example.com', 'customer', 'customer',
      now() - make_interval(days => 30 + (i * 7) % 700),
      (${json(FIRST)}::jsonb) ->> (i % ${FIRST.length}),
      ${namePrefix} || ((${json(LAST)}::jsonb) ->> (i % ${LAST.length})),
      (100 + i % 5)::text,
      jsonb_build_object('billing_period', case when i % 3 = 0 then 'monthly' else 'annual' end),
      now() - interval '800 days',
      case when i % 3 = 0 then 'monthly' else 'annual' end
    from generate_series(1, ${n}) i`.execute(db);
  await sql`
    insert into deals (portal_id, id, name, amount, stage, is_closed_won, is_closed_lost, close_date)
    select ${portalId}, ${idPrefix} || 'd' || i, 'Renewal', 500 + (i * 37) % 5000, 'closedwon', true, false,
      now() - make_interval(days => i % 300)
    from generate_series(2, ${n}, 2) i`.execute(db);
  await sql`
    insert into associations (portal_id, from_type, from_id, to_type, to_id)
    select ${portalId}, 'contacts', ${idPrefix} || i, 'deals', ${idPrefix} || 'd' || i
    from generate_series(2, ${n}, 2) i`.execute(db);
  const model = await db
    .insertInto('models')
    .values({
      portal_id: portalId,
      version: 1,
      family: 'gbdt',
      status: 'active',
      feature_spec: json([]),
      metrics: json(SEEDED_METRICS),
      activated_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // Week w = 0 is the current one; a contact's risk rises a little every week.
  await sql`
    insert into scores (portal_id, contact_id, model_id, probability, tier, reasons, scored_at)
    select ${portalId}, ${idPrefix} || i, ${model.id}, p,
      case when p >= 0.6 then 'high' when p >= 0.3 then 'medium' else 'low' end,
      (${json(SEEDED_REASONS)}::jsonb) - (i % 4),
      now() - make_interval(days => 7 * w, secs => i % 3600)
    from generate_series(1, ${n}) i, generate_series(0, ${weeks - 1}) w,
      lateral (select least(0.99, power(((i * 7919) % 1000) / 1000.0, 2) + 0.03 * (${weeks} - 1 - w))::float8 as p) x`.execute(
    db,
  );
  if (options.engagement) await seedEngagement(db, portalId, idPrefix, n);
  return { modelId: model.id };
}

async function seedEngagement(db: Kysely<Database>, portalId: number, idPrefix: string, n: number) {
  await sql`
    insert into emails (portal_id, id, direction, subject, sent_at, opened_at, replied_at)
    select ${portalId}, ${idPrefix} || 'e' || k, 'EMAIL', 'Check-in',
      now() - make_interval(days => k % 150),
      case when k % 3 <> 0 then now() - make_interval(days => k % 150) end,
      case when k % 7 = 0 then now() - make_interval(days => k % 150) end
    from generate_series(1, ${n * 3}) k`.execute(db);
  await sql`
    insert into tickets (portal_id, id, subject, priority, stage, created_at, sentiment)
    select ${portalId}, ${idPrefix} || 't' || k, 'Help', case when k % 4 = 0 then 'HIGH' else 'LOW' end, '1',
      now() - make_interval(days => k % 150), ((k % 11) - 6) / 10.0
    from generate_series(1, ${n}) k`.execute(db);
  await sql`
    insert into feedback (portal_id, id, survey_type, score, submitted_at)
    select ${portalId}, ${idPrefix} || 'f' || k, 'NPS', k % 11, now() - make_interval(days => (k * 5) % 330)
    from generate_series(1, ${Math.max(1, Math.floor(n / 2))}) k`.execute(db);
}
