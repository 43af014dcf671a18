/**
 * The CRM saying things twice, out of order and late: webhook batches whose answers HubSpot lost
 * (so it sends them again), the same events replayed, an old change arriving after a newer one,
 * and workflow action calls made again with the same callbackId, while the CRM answers a fifth of
 * its calls with 503 (and, for the actions, loses a fifth of its answers after acting) and a
 * worker is killed. After each: nothing recorded or done twice, the warehouse and the CRM agree,
 * no job stuck, and the CRM never saw more calls than its limit.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { createWebhooksRouter } from '../../sandbox/webhooks/router.js';
import { webhookSignatureHeaders } from '../../sandbox/webhooks/signing.js';
import { createWorkflowsRouter } from '../../sandbox/workflows/router.js';
import type { ClosableRouter } from '../../sandbox/webhooks/router.js';
import { fillPublicUrl } from '../../server/manifest/public-url.js';
import { PRODUCT_APP } from '../support/product-server.js';
import { waitUntil } from '../support/processes.js';
import { FULL, n, seeded, startRig, type Rig } from './rig.js';

const HUB = 7401;
/** Contacts whose owner changes twice, announced by webhook. */
const CHANGED = FULL ? 120 : 24;
/** Contacts enrolled in the retention workflow. */
const ENROLLED = FULL ? 60 : 12;
const WEBHOOK_PATH = '/webhooks/hubspot';

let rig: Rig;
const closables: ClosableRouter[] = [];

beforeAll(async () => {
  rig = await startRig({
    hub: HUB,
    contacts: FULL ? 600 : 120,
    seed: 74,
    chunkSize: FULL ? 100 : 40,
    extraRouters: (store) => {
      const webhooks = createWebhooksRouter(store, {
        delivery: {
          batchWindowMs: 100,
          retryDelayMs: 200,
          maxRetryDelayMs: 2000,
          lostAnswerRate: 0.3,
          seed: 74,
        },
      });
      const workflows = createWorkflowsRouter(store, {
        retry: { maxAttempts: 10, retryDelayMs: 200, maxRetryDelayMs: 2000 },
        lostAnswerRate: 0.3,
        seed: 75,
      });
      closables.push(webhooks, workflows);
      return [webhooks, workflows];
    },
    beforeInstall: async (rig) => {
      await sandboxApi(rig, 'PUT', `/_sandbox/apps/${PRODUCT_APP.appId}/webhooks`, {
        targetUrl: `${rig.product.url}${WEBHOOK_PATH}`,
        maxConcurrentRequests: 5,
        subscriptions: [
          { eventType: 'contact.propertyChange', propertyName: 'hubspot_owner_id', active: true },
          { eventType: 'ticket.creation', active: true },
        ],
      });
    },
  });
}, 600_000);

afterAll(async () => {
  for (const router of closables) router.close();
  await rig?.close();
}, 300_000);

async function sandboxApi<T>(on: Rig, method: string, path: string, body?: unknown): Promise<T> {
  const answer = await fetch(`${on.sandbox.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`${method} ${path} answered ${answer.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Posts events to the product as HubSpot delivers them: signed (v3) at the moment of sending. */
async function deliver(events: readonly Record<string, unknown>[]) {
  const uri = `${rig.product.url}${WEBHOOK_PATH}`;
  const body = JSON.stringify(events);
  const answer = await fetch(uri, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...webhookSignatureHeaders(PRODUCT_APP.clientSecret, uri, body, Date.now()),
    },
    body,
  });
  expect(answer.status).toBe(200);
  return (await answer.json()) as { recorded: number; duplicates: number; refetchJobs: number };
}

/** Active customers by the sandbox's hidden truth, in id order. */
function activeCustomers(): string[] {
  const portal = rig.store.portal(HUB)!;
  return [...portal.recordsOf('contacts').values()]
    .filter((c) => portal.truth.get(c.id)?.churnVisibleAt === null)
    .map((c) => c.id)
    .sort((a, b) => Number(a) - Number(b));
}

async function warehouseOwners(ids: readonly string[]): Promise<Map<string, string | null>> {
  const rows = await rig.db
    .selectFrom('contacts')
    .select(['id', 'owner_id'])
    .where('portal_id', '=', rig.portalId)
    .where('id', 'in', [...ids])
    .execute();
  return new Map(rows.map((r) => [r.id, r.owner_id]));
}

async function webhookEvents(): Promise<{ rows: number; open: number }> {
  const row = await rig.db
    .selectFrom('webhook_events')
    .select([
      sql<number>`count(*)::int`.as('rows'),
      sql<number>`(count(*) filter (where processed_at is null))::int`.as('open'),
    ])
    .where('portal_id', '=', rig.portalId)
    .executeTakeFirstOrThrow();
  return row;
}

const crmReads = (from: number) =>
  rig.proxy.requests
    .slice(from)
    .filter((r) => r.method === 'POST' && /\/contacts\/batch\/read$/.test(r.path) && (r.status ?? 0) < 300)
    .length;

describe('the CRM repeating itself', () => {
  it('webhooks twice, out of order and late, with 503s and a worker killed', async () => {
    const portal = rig.store.portal(HUB)!;
    const owners = [...portal.owners.values()].filter((o) => !o.archived).map((o) => o.id);
    expect(owners.length).toBeGreaterThanOrEqual(3);
    const contacts = activeCustomers().slice(0, CHANGED);
    const ownerOf = (id: string) => portal.recordsOf('contacts').get(id)!.properties.hubspot_owner_id ?? '';
    const firstOwner = new Map(
      contacts.map((id, i) => [id, owners.filter((o) => o !== ownerOf(id))[i % 2]!]),
    );
    const from = rig.proxy.requests.length;
    const eventsBefore = (await webhookEvents()).rows;
    await rig.faults({ errorRate: 0.2, errorStatus: 503, seed: 74 });
    const worker = [...rig.workers][0] ?? (await rig.startWorker());

    // The first change, delivered by the sandbox (a third of its answers lost, so sent again).
    const firstAt = rig.store.now();
    for (const id of contacts)
      portal.updateRecord('contacts', id, { hubspot_owner_id: firstOwner.get(id)! }, firstAt);
    // The worker dies while the re-reads the events asked for are queued or running.
    await waitUntil(async () => (await webhookEvents()).rows >= eventsBefore + CHANGED / 2, 60_000);
    await rig.kill(worker);
    await rig.startWorker();
    await waitUntil(async () => {
      const held = await warehouseOwners(contacts);
      return contacts.every((id) => held.get(id) === firstOwner.get(id));
    }, 300_000);
    await rig.expectNoStuckJobs();
    expect((await webhookEvents()).rows).toBe(eventsBefore + CHANGED);
    const deliveries = await sandboxApi<{ results: { status?: number; outcome: string; error?: string }[] }>(
      rig,
      'GET',
      `/_sandbox/apps/${PRODUCT_APP.appId}/deliveries`,
    );
    const sentAgain = deliveries.results.filter((d) => d.status === 200 && d.outcome === 'WILL_RETRY').length;

    // The same events again, newest first, each batch twice: all known, nothing re-read or rescored.
    const recorded = await rig.db
      .selectFrom('webhook_events')
      .select(['payload', 'occurred_at'])
      .where('portal_id', '=', rig.portalId)
      .orderBy('occurred_at', 'desc')
      .execute();
    const payloads = recorded.map((r) => r.payload as Record<string, unknown>);
    const scoresBefore = await scoreCount(contacts);
    const replayFrom = rig.proxy.requests.length;
    let duplicates = 0;
    for (let i = 0; i < payloads.length; i += 10) {
      const batch = payloads.slice(i, i + 10);
      for (const _ of [1, 2]) {
        const answer = await deliver(batch);
        expect(answer).toMatchObject({ recorded: 0, duplicates: batch.length, refetchJobs: 0 });
        duplicates += answer.duplicates;
      }
    }
    await rig.expectNoStuckJobs();
    expect(crmReads(replayFrom)).toBe(0);
    expect(await scoreCount(contacts)).toBe(scoresBefore);

    // A second change, then the first one's events arriving late (as HubSpot delivers an event it
    // failed to deliver earlier), shuffled: the warehouse keeps what the CRM holds now.
    const secondOwner = new Map(
      contacts.map((id, i) => [id, owners.filter((o) => o !== firstOwner.get(id))[i % 2]!]),
    );
    for (const id of contacts)
      portal.updateRecord('contacts', id, { hubspot_owner_id: secondOwner.get(id)! }, rig.store.now());
    await waitUntil(async () => {
      const held = await warehouseOwners(contacts);
      return contacts.every((id) => held.get(id) === secondOwner.get(id));
    }, 300_000);
    const random = seeded(74);
    const late = contacts
      .map((id, i) => ({
        // Ids of their own, far from the sandbox's (microseconds since 1970), never seen before.
        eventId: 8_000_000_000_000_000 + i,
        subscriptionId: 1,
        portalId: HUB,
        appId: PRODUCT_APP.appId,
        occurredAt: firstAt.getTime(),
        subscriptionType: 'contact.propertyChange',
        attemptNumber: 3,
        objectId: Number(id),
        propertyName: 'hubspot_owner_id',
        propertyValue: firstOwner.get(id)!,
        changeSource: 'CRM_UI',
        sourceId: 'userId:1',
      }))
      .sort(() => random() - 0.5);
    const lateFrom = rig.proxy.requests.length;
    const lateAnswer = await deliver(late);
    expect(lateAnswer.recorded).toBe(CHANGED);
    await rig.expectNoStuckJobs();
    expect(crmReads(lateFrom)).toBeGreaterThan(0);
    const held = await warehouseOwners(contacts);
    const wrong = contacts.filter((id) => held.get(id) !== secondOwner.get(id)).length;
    expect(wrong).toBe(0);

    await rig.faults(null);
    const { stale } = await rig.writeBacks();
    expect(stale).toBe(0);
    const maxPerWindow = rig.maxPerWindow(rig.proxy.requests.slice(from));
    expect(maxPerWindow).toBeLessThanOrEqual(rig.limit);
    expect((await webhookEvents()).open).toBe(0);
    console.log(
      `Webhooks twice, out of order and late: ${n(CHANGED)} contacts changed twice, ` +
        `${sentAgain} batch(es) sent again after a lost answer, ${n(duplicates)} events replayed ` +
        `(0 recorded twice, 0 re-reads, 0 rescores), ${n(CHANGED)} late events (0 contacts left on ` +
        `the old value), ${rig.proxy.requests.slice(from).filter((r) => r.status === 503).length} CRM ` +
        `calls got 503, 1 worker killed, 0 stale in the CRM, 0 jobs stuck, ` +
        `CRM calls ≤ limit (max ${maxPerWindow} per 10 s vs ${rig.limit})`,
    );
  }, 900_000);

  it('workflow action calls made again, with 503s and a worker killed: no offer, ticket or reward doubled', async () => {
    const portal = rig.store.portal(HUB)!;
    const manifest = rig.product.ctx.manifest;
    const definition = async (key: string) => {
      const action = manifest.workflowActions.find((a) => a.key === key)!;
      const created = await sandboxApi<{ id: string }>(
        rig,
        'POST',
        `/automation/actions/2026-03/${PRODUCT_APP.appId}?hapikey=${PRODUCT_APP.clientSecret}`,
        {
          actionUrl: fillPublicUrl(action.actionUrl, rig.product.url),
          published: action.isPublished,
          objectTypes: action.objectTypes,
          inputFields: action.inputFields,
          outputFields: action.outputFields,
          labels: action.labels,
        },
      );
      return created.id;
    };
    const campaign = 'faults-replayed-calls';
    const workflow = await sandboxApi<{ id: number }>(rig, 'POST', `/_sandbox/portals/${HUB}/workflows`, {
      name: 'Retention under faults',
      steps: [
        {
          id: 'offer',
          type: 'action',
          actionDefinitionId: await definition('send-retention-offer'),
          inputFields: {
            offer_type: 'discount',
            discount_percent: 15,
            validity_days: 30,
            holdout_percent: 0,
            campaign,
          },
        },
        {
          id: 'support',
          type: 'action',
          actionDefinitionId: await definition('proactive-support'),
          inputFields: { holdout_percent: 0, campaign },
        },
        {
          id: 'loyalty',
          type: 'action',
          actionDefinitionId: await definition('loyalty-reward'),
          inputFields: { points: 100, period_days: 30, cap_per_period: 1000, holdout_percent: 0, campaign },
        },
      ],
    });
    const contacts = activeCustomers().slice(-ENROLLED);
    const ticketsBefore = portal.recordsOf('tickets').size;
    const from = rig.proxy.requests.length;
    // A fifth of the CRM's answers lost after it acted (a ticket created, a callback completed).
    await rig.faults({ errorRate: 0.2, errorStatus: 503, lostAnswerRate: 0.2, seed: 75 });
    const worker = [...rig.workers][0] ?? (await rig.startWorker());
    await sandboxApi(rig, 'POST', `/_sandbox/portals/${HUB}/workflows/${workflow.id}/enrollments`, {
      objectIds: contacts,
    });
    // Killed while it carries out the actions' CRM work.
    await waitUntil(async () => (await rig.activeJobs(['workflows'])).length > 0, 120_000);
    await rig.kill(worker);
    await rig.startWorker();

    type Execution = { stepId: string; state: string; attempts: { status?: number; error?: string }[] };
    const enrollments = async () =>
      (
        await sandboxApi<{ results: { objectId: string; status: string; history: Execution[] }[] }>(
          rig,
          'GET',
          `/_sandbox/portals/${HUB}/workflows/${workflow.id}/enrollments`,
        )
      ).results;
    await waitUntil(async () => {
      const all = await enrollments();
      return all.length === ENROLLED && all.every((e) => e.status === 'COMPLETED' || e.status === 'FAILED');
    }, 300_000);
    const finished = await enrollments();
    expect(finished.filter((e) => e.status !== 'COMPLETED').map((e) => e.history)).toEqual([]);
    const callsMadeAgain = finished
      .flatMap((e) => e.history)
      .flatMap((h) => h.attempts)
      .filter((a) => /lost on the way back/.test(a.error ?? '')).length;
    expect(callsMadeAgain).toBeGreaterThan(0);
    await rig.expectNoStuckJobs();
    await rig.faults(null);

    const actions = await rig.db
      .selectFrom('retention_actions')
      .select(['id', 'contact_id', 'action', 'status', 'group', 'outputs', 'callback_id'])
      .where('portal_id', '=', rig.portalId)
      .where('campaign_id', '=', campaign)
      .execute();
    // One action per step and contact, each done.
    expect(actions.length).toBe(3 * ENROLLED);
    expect(new Set(actions.map((a) => a.callback_id)).size).toBe(3 * ENROLLED);
    expect(actions.filter((a) => a.status !== 'completed')).toEqual([]);
    const treated = (action: string) => actions.filter((a) => a.action === action && a.group === 'treatment');

    // Offers: one code per treated contact, and the CRM shows that code.
    const offers = await rig.db
      .selectFrom('retention_offers')
      .select(['contact_id', 'code', 'retention_action_id'])
      .where('portal_id', '=', rig.portalId)
      .where('campaign_id', '=', campaign)
      .execute();
    expect(offers.length).toBe(treated('send-retention-offer').length);
    expect(new Set(offers.map((o) => o.contact_id)).size).toBe(offers.length);
    const wrongCode = offers.filter(
      (o) => portal.recordsOf('contacts').get(o.contact_id)?.properties.retention_offer_code !== o.code,
    ).length;
    expect(wrongCode).toBe(0);

    // Tickets: the CRM got exactly one per treated contact, the one the action remembers.
    const supportActions = treated('proactive-support');
    const ticketIds = supportActions.map((a) => String((a.outputs as { ticket_id?: unknown }).ticket_id));
    expect(new Set(ticketIds).size).toBe(supportActions.length);
    expect(portal.recordsOf('tickets').size - ticketsBefore).toBe(supportActions.length);
    expect(ticketIds.filter((id) => !portal.recordsOf('tickets').has(id))).toEqual([]);

    // Rewards: one ledger entry per action, and the CRM's balance is the ledger's.
    const ledger = await rig.db
      .selectFrom('loyalty_ledger')
      .select(['contact_id', 'retention_action_id', 'points'])
      .where('portal_id', '=', rig.portalId)
      .where(
        'retention_action_id',
        'in',
        treated('loyalty-reward').map((a) => a.id),
      )
      .execute();
    expect(ledger.length).toBe(treated('loyalty-reward').length);
    expect(new Set(ledger.map((l) => String(l.retention_action_id))).size).toBe(ledger.length);
    const balances = await rig.db
      .selectFrom('loyalty_ledger')
      .select(['contact_id', (eb) => eb.fn.sum<number>('points').as('points')])
      .where('portal_id', '=', rig.portalId)
      .where('contact_id', 'in', contacts)
      .groupBy('contact_id')
      .execute();
    const wrongBalance = balances.filter(
      (b) =>
        portal.recordsOf('contacts').get(b.contact_id)?.properties.loyalty_points !==
        String(Number(b.points)),
    ).length;
    expect(wrongBalance).toBe(0);

    const calls = rig.proxy.requests.slice(from);
    const maxPerWindow = rig.maxPerWindow(calls);
    expect(maxPerWindow).toBeLessThanOrEqual(rig.limit);
    console.log(
      `Workflow calls made again: ${n(ENROLLED)} contacts × 3 actions, ${callsMadeAgain} calls made again ` +
        `after a lost answer, ${calls.filter((c) => c.status === 503).length} CRM calls got 503 and ` +
        `${calls.filter((c) => c.status === 504).length} lost their answer (504) after the CRM acted, ` +
        `1 worker killed: ${offers.length} offers, ${supportActions.length} tickets, ` +
        `${ledger.length} rewards (0 doubled), 0 wrong in the CRM, 0 jobs stuck, ` +
        `CRM calls ≤ limit (max ${maxPerWindow} per 10 s vs ${rig.limit})`,
    );
  }, 900_000);
});

async function scoreCount(contacts: readonly string[]): Promise<number> {
  const row = await rig.db
    .selectFrom('scores')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('portal_id', '=', rig.portalId)
    .where('contact_id', 'in', [...contacts])
    .executeTakeFirstOrThrow();
  return row.n;
}
