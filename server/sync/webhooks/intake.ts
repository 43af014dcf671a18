import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { json } from '../../db/json.js';
import type { Logger } from '../../logger.js';
import type { WorkQueue } from '../../work-queue.js';
import type { ReceivedEvent, WebhookEvent } from './events.js';
import { eraseContact } from './privacy-deletion.js';
import { planRefetches } from './refetch-plan.js';

export interface WebhookIntakeDeps {
  db: Kysely<Database>;
  work: Pick<WorkQueue, 'refetchRecords'>;
  logger: Logger;
}

export interface WebhookIntakeResult {
  /** Events seen for the first time. */
  recorded: number;
  /** Events recorded before (a retry or a replay). */
  duplicates: number;
  /** Events for portals we do not serve (never installed, or uninstalled): acknowledged and dropped. */
  ignored: number;
  /** Refetch jobs added to the sync queue. */
  refetchJobs: number;
}

/**
 * Records a verified batch and hands its work to the sync queue. Each event is recorded once
 * (by portal and eventId) and stays "unprocessed" until its jobs are queued, so a delivery that
 * failed half-way is finished by HubSpot's retry instead of being skipped as a duplicate.
 */
export async function acceptWebhookEvents(
  deps: WebhookIntakeDeps,
  received: ReceivedEvent[],
): Promise<WebhookIntakeResult> {
  const portals = await servedPortals(
    deps.db,
    received.map((r) => r.event.portalId),
  );
  const ours = received.flatMap((r) => {
    const portalId = portals.get(r.event.portalId);
    return portalId === undefined ? [] : [{ ...r, portalId }];
  });
  const ignored = received.length - ours.length;
  if (ignored > 0) {
    const hubIds = [...new Set(received.map((r) => r.event.portalId).filter((id) => !portals.has(id)))];
    deps.logger.info({ hubIds, events: ignored }, 'webhook events for portals we do not serve were dropped');
  }
  if (ours.length === 0) return { recorded: 0, duplicates: 0, ignored, refetchJobs: 0 };

  const inserted = await deps.db
    .insertInto('webhook_events')
    .values(
      ours.map(({ portalId, event, raw }) => ({
        portal_id: portalId,
        event_id: event.eventId,
        subscription_type: event.subscriptionType,
        object_id: event.objectId ?? null,
        occurred_at: new Date(event.occurredAt),
        payload: json(raw),
      })),
    )
    .onConflict((oc) => oc.columns(['portal_id', 'event_id']).doNothing())
    .returning(['portal_id', 'event_id'])
    .execute();

  const pending = await unprocessed(deps.db, ours);
  const plan = planRefetches(pending);
  for (const erasure of plan.erasures) {
    const report = await eraseContact(deps.db, erasure);
    deps.logger.info(
      { portalId: erasure.portalId, deleted: report },
      'contact erased for a privacy deletion',
    );
  }
  await deps.work.refetchRecords(plan.refetches);
  await markProcessed(deps.db, pending);

  const recorded = new Set(inserted.map((row) => `${row.portal_id}-${row.event_id}`)).size;
  return { recorded, duplicates: ours.length - recorded, ignored, refetchJobs: plan.refetches.length };
}

/** HubSpot hub id → our portal id, for the installed portals among `hubIds`. */
async function servedPortals(db: Kysely<Database>, hubIds: string[]): Promise<Map<string, number>> {
  const unique = [...new Set(hubIds)];
  if (unique.length === 0) return new Map();
  const rows = await db
    .selectFrom('portals')
    .select(['id', 'external_id'])
    .where('crm', '=', 'hubspot')
    .where('status', '=', 'active')
    .where('external_id', 'in', unique)
    .execute();
  return new Map(rows.map((row) => [row.external_id, row.id]));
}

type Keyed = { portalId: number; event: WebhookEvent };

/** The batch's events whose work has not been queued yet (new ones, or ones a failed delivery left). */
async function unprocessed(db: Kysely<Database>, events: Keyed[]): Promise<Keyed[]> {
  const rows = await db
    .selectFrom('webhook_events')
    .select(['portal_id', 'event_id'])
    .where('portal_id', 'in', [...new Set(events.map((e) => e.portalId))])
    .where(
      'event_id',
      'in',
      events.map((e) => e.event.eventId),
    )
    .where('processed_at', 'is', null)
    .execute();
  const open = new Set(rows.map((row) => `${row.portal_id}-${row.event_id}`));
  const seen = new Set<string>();
  return events.filter((e) => {
    const key = `${e.portalId}-${e.event.eventId}`;
    if (!open.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function markProcessed(db: Kysely<Database>, events: Keyed[]): Promise<void> {
  const byPortal = new Map<number, string[]>();
  for (const { portalId, event } of events) {
    byPortal.set(portalId, [...(byPortal.get(portalId) ?? []), event.eventId]);
  }
  for (const [portalId, eventIds] of byPortal) {
    await db
      .updateTable('webhook_events')
      .set({ processed_at: sql`now()` })
      .where('portal_id', '=', portalId)
      .where('event_id', 'in', eventIds)
      .where('processed_at', 'is', null)
      .execute();
  }
}
