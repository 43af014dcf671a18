/**
 * Rescoring between runs, when something about a contact changed (a webhook, product usage, a
 * survey answer): the same features, model, tiers and write-back as the weekly run, for a few
 * contacts, as of now.
 */
import type { Kysely } from 'kysely';
import type { CrmConnector } from '../crm/connector.js';
import type { Database } from '../db/schema.js';
import { featuresOfContacts } from '../features/build/build-features.js';
import { loadContacts } from '../features/build/contact-chunks.js';
import { statusesOf, storeStatuses } from './customer-statuses.js';
import { readCursor } from '../sync/cursors.js';
import { activePortalModel } from './portal-model.js';
import { scoreContacts, storeScores, type ContactsStored } from './score-contacts.js';
import { contactValues, tierOfScore, type TierCut } from './tiers.js';
import { writeBackScores, type WriteBackResult } from './writeback.js';

/**
 * The cut of the portal's last run that tiered its contacts (one that failed afterwards too: the
 * contacts carry its tiers); before any, the model's own cut points.
 */
export async function currentTierCut(
  db: Kysely<Database>,
  portalId: number,
  fallback: { medium: number; high: number },
): Promise<TierCut> {
  const run = await db
    .selectFrom('scoring_runs')
    .select('thresholds')
    .where('portal_id', '=', portalId)
    .where('status', '<>', 'running')
    .where('thresholds', 'is not', null)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return (run?.thresholds as TierCut | undefined) ?? { kind: 'share', ...fallback };
}

async function statusInputsIncomplete(db: Kysely<Database>, portalId: number): Promise<boolean> {
  for (const type of ['contacts', 'companies', 'deals'] as const) {
    const cursor = await readCursor(db, portalId, type);
    if (!cursor.fullCompletedAt || cursor.full) return true;
  }
  return false;
}

export interface RescoreResult {
  scored: number;
  writeBack: WriteBackResult;
}

export async function rescoreContacts(
  /** `stored` hears of the contacts after their statuses, and again after their scores. */
  deps: { db: Kysely<Database>; connector: CrmConnector; stored?: ContactsStored },
  portalId: number,
  contactIds: readonly string[],
  options: { trigger: string; now?: Date },
): Promise<RescoreResult> {
  const { db } = deps;
  const now = options.now ?? new Date();
  // While the records a status rests on are still arriving (a first sync, or a full one after an
  // upgrade), a status could call a customer a prospect: the run after that sync decides.
  if (await statusInputsIncomplete(db, portalId)) {
    return { scored: 0, writeBack: { sent: 0, written: 0, failed: [], unchanged: 0, calls: 0 } };
  }
  const contacts = await loadContacts(db, portalId, { ids: contactIds });
  // A contact who just left (or never bought) is written as such, and not scored.
  const { episodes, statuses } = await statusesOf(db, portalId, contacts, now);
  const stored = await storeStatuses(db, portalId, statuses, { asOf: now, runId: null });
  await deps.stored?.(
    portalId,
    contacts.map((c) => c.id),
  );
  const active = contacts.filter((c) => stored.has(c.id));
  const loaded = await activePortalModel(db, portalId);
  const cut = await currentTierCut(db, portalId, loaded.model.thresholds);
  const scores = await scoreContacts(
    loaded.model,
    await featuresOfContacts(db, portalId, now, active, episodes),
  );
  const values = await contactValues(
    db,
    portalId,
    scores.map((s) => s.contactId),
    cut,
  );
  await storeScores(db, {
    portalId,
    modelId: loaded.id,
    runId: null,
    trigger: options.trigger,
    scoredAt: now,
    scores: scores.map((s) => ({
      ...s,
      tier: tierOfScore(s.probability, values.get(s.contactId) ?? null, cut),
    })),
  });
  await deps.stored?.(
    portalId,
    scores.map((s) => s.contactId),
  );
  const writeBack = await writeBackScores(
    deps,
    portalId,
    contacts.map((c) => c.id),
  );
  return { scored: scores.length, writeBack };
}
