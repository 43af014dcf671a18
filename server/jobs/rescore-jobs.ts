/**
 * Rescoring contacts between runs, when something about them changed. Requests are debounced per
 * portal: changed contacts gather in a Redis set, and one job per portal takes them in batches
 * (one feature query set and one CRM write per batch), so a burst of events costs a few calls, not
 * one per event. A request arriving while the job runs queues exactly one more job.
 */
import type { Job } from 'bullmq';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { CrmConnectors } from '../crm/registry.js';
import type { Database } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { rescoreContacts } from '../scoring/rescore.js';
import { ContactStamps } from './contact-stamps.js';
import { connectorForInstalledPortal, untilRevoked } from './portal-guard.js';
import type { Queues } from './queues.js';

export const RESCORE_JOB = 'rescore';

/** How long a rescoring waits for more changes before it starts. */
export const RESCORE_DEBOUNCE_MS = 2000;
/** Contacts rescored per batch: one CRM update call. */
const BATCH = 100;

/** Deletes each field whose value is still the one served (ARGV: field, value, field, value…). */
const REMOVE_SERVED = `
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then redis.call('HDEL', KEYS[1], ARGV[i]) end
end
return 1`;

const dataSchema = z.object({ portalId: z.number().int().positive() });
const contactId = z.string().min(1).max(64);

function pendingKey(prefix: string, portalId: number): string {
  return `${prefix}:rescore-pending:${portalId}`;
}

/** Asks for these contacts to be rescored soon (after a short debounce). */
export async function enqueueContactRescore(
  queues: Queues,
  portalId: number,
  contactIds: readonly string[],
  reason: string,
): Promise<void> {
  const ids = [...new Set(contactIds)].filter((id) => contactId.safeParse(id).success);
  if (ids.length === 0) return;
  const key = pendingKey(queues.prefix, portalId);
  // Each request is stamped, so a batch removes only the requests it served, not newer ones.
  const stamp = `${reason}|${Date.now()}|${Math.random().toString(36).slice(2, 8)}`;
  await queues.connection
    .multi()
    .hset(key, Object.fromEntries(ids.map((id) => [id, stamp])))
    .expire(key, 7 * 24 * 3600)
    .exec();
  await queues.get('score').add(
    RESCORE_JOB,
    { portalId },
    {
      delay: RESCORE_DEBOUNCE_MS,
      deduplication: { id: `rescore:${portalId}`, keepLastIfActive: true },
      attempts: 3,
    },
  );
}

export async function processRescore(
  job: Job,
  deps: { db: Kysely<Database>; queues: Queues; crms: CrmConnectors; logger: Logger },
) {
  const { portalId } = dataSchema.parse(job.data);
  const connector = await connectorForInstalledPortal(deps.db, portalId, deps.crms);
  const key = pendingKey(deps.queues.prefix, portalId);
  // A portal waits for its first run: until then there is no model cut to tier by.
  const scored = await deps.db
    .selectFrom('scores')
    .select('id')
    .where('portal_id', '=', portalId)
    .limit(1)
    .executeTakeFirst();
  if (!scored) {
    await deps.queues.connection.del(key);
    return { skipped: 'the portal has no scores yet' };
  }
  const stamps = new ContactStamps(deps.queues.connection, deps.queues.prefix);
  const stored = (id: number, contactIds: readonly string[]) => stamps.contactsChanged(id, contactIds);
  let rescored = 0;
  let written = 0;
  for (;;) {
    // Read a batch, score it, then remove exactly those entries that were not asked for again meanwhile.
    const batch = await deps.queues.connection.hscan(key, 0, 'COUNT', BATCH);
    const entries = batch[1];
    if (entries.length === 0) break;
    const pending = new Map<string, string>();
    for (let i = 0; i + 1 < entries.length && pending.size < BATCH; i += 2)
      pending.set(entries[i]!, entries[i + 1]!);
    const reasons = [...new Set([...pending.values()].map((stamp) => stamp.split('|')[0]!))];
    const result = await untilRevoked(() =>
      rescoreContacts({ db: deps.db, connector, stored }, portalId, [...pending.keys()], {
        trigger: reasons.length === 1 ? reasons[0]! : 'event',
      }),
    );
    await deps.queues.connection.eval(REMOVE_SERVED, 1, key, ...[...pending].flat());
    rescored += result.scored;
    written += result.writeBack.written;
    await job.updateProgress({ rescored });
  }
  return { rescored, written };
}
