import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { featureDefinition, isIdentityFeature } from '../../features/index.js';
import { listModels, type StoredModel } from '../../model/registry.js';
import type {
  CalibrationBin,
  ModelDrift,
  ModelMetrics,
  ModelReport,
  ModelVersion,
} from '../contracts/model-report.js';
import { latestScores } from './latest-scores.js';

/** A stored model as the page reads it: dates as ISO text, its figures as the trainer stored them. */
function modelVersion(model: StoredModel): ModelVersion {
  return {
    id: model.id,
    version: model.version,
    family: model.family,
    status: model.status,
    isStarter: model.isStarter,
    trainedAt: model.trainedAt.toISOString(),
    activatedAt: model.activatedAt?.toISOString() ?? null,
    metrics: model.metrics as ModelMetrics,
  };
}

/** An identifier rather than words: `days_since_last_purchase`, `nps_last`. */
const IDENTIFIER = /^[a-z0-9]+(_[a-z0-9]+)+$/i;

/**
 * A feature as a person reads it: the catalogue's label, else the label it was stored with (a CSV
 * model's column may have one), else its name in words ("tickets_open_now": "Tickets open now",
 * "emails_sent_30d": "Emails sent, last 30 days").
 */
export function featureLabel(name: string, stored?: string | null): string {
  const known = featureDefinition(name)?.label;
  if (known) return known;
  if (stored && stored !== name && !IDENTIFIER.test(stored)) return stored;
  const words = name
    .replace(/_(\d+)d$/, ', last $1 days')
    .replace(/_(\d+)w$/, ', last $1 weeks')
    .replace(/_+/g, ' ')
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The cumulative gains curve from the calibration table: contacts taken riskiest first (x) against
 * the share of all churners found among them (y). A model no better than chance is the diagonal.
 */
export function gainsCurve(bins: CalibrationBin[]): { contacts: number; churners: number }[] {
  const sorted = [...bins].filter((b) => b.count > 0).sort((a, b) => b.meanPredicted - a.meanPredicted);
  const total = sorted.reduce((n, b) => n + b.count, 0);
  const churners = sorted.reduce((n, b) => n + b.count * b.observedRate, 0);
  if (total === 0 || churners === 0) return [];
  const points = [{ contacts: 0, churners: 0 }];
  let seen = 0;
  let found = 0;
  for (const bin of sorted) {
    seen += bin.count;
    found += bin.count * bin.observedRate;
    points.push({ contacts: seen / total, churners: found / churners });
  }
  return points;
}

export async function loadModelReport(db: Kysely<Database>, portalId: number): Promise<ModelReport> {
  const history = await listModels(db, portalId);
  const active = history.find((m) => m.status === 'active') ?? null;
  const { rows } = await sql<Record<string, unknown>>`
    select r->>'feature' as feature, max(r->>'label') as label, count(*) as contacts,
      avg((r->>'contribution')::float8) as mean_contribution
    from ${latestScores(portalId)} l, jsonb_array_elements(l.reasons) r
    where (r->>'contribution')::float8 > 0
    group by r->>'feature'
    order by count(*) desc, avg((r->>'contribution')::float8) desc
    limit 10`.execute(db);
  const scored = await db
    .selectFrom('current_scores')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('portal_id', '=', portalId)
    .executeTakeFirst();
  const calibration = (active?.metrics.calibration ?? []) as CalibrationBin[];
  const lastRun = await db
    .selectFrom('scoring_runs')
    .select(['drift', 'finished_at'])
    .where('portal_id', '=', portalId)
    .where('status', '=', 'succeeded')
    .where('drift', 'is not', null)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const drift = lastRun?.drift as
    | (Omit<ModelDrift, 'measuredAt' | 'features'> & {
        features: { name: string; psi: number }[];
      })
    | undefined;
  return {
    active: active ? { ...modelVersion(active), gains: gainsCurve(calibration) } : null,
    history: history.map(modelVersion),
    drivers: rows.map((r) => ({
      feature: String(r.feature),
      label: featureLabel(String(r.feature), r.label === null ? null : String(r.label)),
      contacts: Number(r.contacts),
      meanContribution: Number(r.mean_contribution),
      identity: isIdentityFeature(String(r.feature)),
    })),
    scoredContacts: Number(scored?.n ?? 0),
    drift:
      drift && lastRun?.finished_at
        ? {
            ...drift,
            features: drift.features.map((f) => ({ ...f, label: featureLabel(f.name) })),
            measuredAt: lastRun.finished_at.toISOString(),
          }
        : null,
  };
}
