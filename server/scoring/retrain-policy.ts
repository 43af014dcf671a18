/**
 * When a portal's model is retrained before a run: when it has none, when only the starter model
 * scores it (its history may have grown enough), when the model is older than the portal's
 * retraining period, or when the last run found its population drifting away from the training
 * window (and the model is at least a day old, see DRIFT_RETRAIN_MIN_AGE_MS).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { PortalSettings } from '../settings/portal-settings.js';

export type RetrainReason = 'no_model' | 'starter' | 'age' | 'drift';

const DAY_MS = 86_400_000;

/**
 * Drift retrains a model only once it is this old. A younger model learned from the customers
 * the run just scored: its drift is shown on the Model page, and retraining again would learn the
 * same thing and then, scoring them once more, find the same drift, again and again.
 */
export const DRIFT_RETRAIN_MIN_AGE_MS = DAY_MS;

/** Whether drift found by a run scored by a model trained at `trainedAt` retrains it. */
function driftRetrains(trainedAt: Date, now = new Date()): boolean {
  return now.getTime() - trainedAt.getTime() >= DRIFT_RETRAIN_MIN_AGE_MS;
}

/** Whether the run's drift, just found, asks for the model that scored it to be retrained now. */
export async function retrainForDrift(
  db: Kysely<Database>,
  runId: number,
  drift: { flagged: boolean },
  now = new Date(),
): Promise<boolean> {
  if (!drift.flagged) return false;
  const model = await db
    .selectFrom('scoring_runs')
    .innerJoin('models', 'models.id', 'scoring_runs.model_id')
    .select('models.trained_at')
    .where('scoring_runs.id', '=', runId)
    .executeTakeFirst();
  return model !== undefined && driftRetrains(model.trained_at, now);
}

export async function retrainDue(
  db: Kysely<Database>,
  portalId: number,
  settings: Pick<PortalSettings, 'retrainAfterDays'>,
  now = new Date(),
): Promise<RetrainReason | null> {
  const active = await db
    .selectFrom('models')
    .select(['id', 'is_starter', 'trained_at'])
    .where('portal_id', '=', portalId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (!active) return 'no_model';
  if (active.is_starter) return 'starter';
  if (now.getTime() - active.trained_at.getTime() > settings.retrainAfterDays * DAY_MS) return 'age';
  const last = await db
    .selectFrom('scoring_runs')
    .select(['model_id', 'drift'])
    .where('portal_id', '=', portalId)
    .where('status', '=', 'succeeded')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const drift = last?.drift as { flagged?: boolean } | null | undefined;
  return last?.model_id === active.id && drift?.flagged && driftRetrains(active.trained_at, now)
    ? 'drift'
    : null;
}
