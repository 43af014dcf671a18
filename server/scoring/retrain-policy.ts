/**
 * When a portal's model is retrained before a run: when it has none, when only the starter model
 * scores it (its history may have grown enough), when the model is older than the portal's
 * retraining period, or when the last run found its population drifting away from the training
 * window.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { PortalSettings } from '../settings/portal-settings.js';

export type RetrainReason = 'no_model' | 'starter' | 'age' | 'drift';

const DAY_MS = 86_400_000;

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
  return last?.model_id === active.id && drift?.flagged ? 'drift' : null;
}
