/**
 * The sync follows what a real portal does to its contacts: merges (the merged contact's data
 * moves to the survivor, once, however often the merge is seen) and GDPR deletions (the contact
 * and its texts leave the warehouse), against the sandbox over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunningSandbox } from '../../sandbox/main.js';
import type { PortalData } from '../../sandbox/store.js';
import { json } from '../../server/db/json.js';
import { refetchObjects } from '../../server/sync/refetch.js';
import { syncPortal } from '../../server/sync/sync-portal.js';
import { installedPortal, type InstalledPortal } from '../support/installed-portal.js';
import type { TestProduct } from '../support/product-server.js';

const HUB = 611;

let portal: InstalledPortal;
let sandbox: RunningSandbox;
let product: TestProduct;
let crm: PortalData;
let portalId: number;

beforeAll(async () => {
  portal = await installedPortal({
    hub: HUB,
    contacts: 160,
    seed: 23,
    now: new Date('2026-11-01T00:00:00Z'),
  });
  ({ sandbox, product, crm, portalId } = portal);
}, 300_000);

afterAll(async () => {
  await portal?.close();
});

const db = () => product.ctx.db.db;
const deps = () => ({ db: db(), connector: product.ctx.services.crms.connectorFor('hubspot') });

/** Customers of the CRM with emails and tickets, not yet used by a test. */
const used = new Set<string>();
function customerWithHistory(): string {
  for (const id of crm.truth.keys()) {
    if (used.has(id) || !crm.recordsOf('contacts').has(id)) continue;
    if (crm.associationsOf('contacts', id, 'emails').length === 0) continue;
    if (crm.associationsOf('contacts', id, 'tickets').length === 0) continue;
    used.add(id);
    return id;
  }
  throw new Error('no customer left with emails and tickets');
}

const linked = (contactId: string, toType: string) =>
  db()
    .selectFrom('associations')
    .select('to_id')
    .where('portal_id', '=', portalId)
    .where('from_type', '=', 'contacts')
    .where('from_id', '=', contactId)
    .where('to_type', '=', toType)
    .execute()
    .then((rows) => rows.map((r) => r.to_id).sort());

const contactRow = (id: string) =>
  db()
    .selectFrom('contacts')
    .selectAll()
    .where('portal_id', '=', portalId)
    .where('id', '=', id)
    .executeTakeFirst();

async function seedScoresAndAction(contactId: string, modelId: number, probabilities: number[]) {
  const week = 7 * 24 * 3600_000;
  const start = Date.parse('2026-10-01T00:00:00Z');
  for (const [index, probability] of probabilities.entries()) {
    await db()
      .insertInto('scores')
      .values({
        portal_id: portalId,
        contact_id: contactId,
        model_id: modelId,
        probability,
        tier: probability > 0.6 ? 'high' : 'low',
        reasons: json([]),
        scored_at: new Date(start + index * week),
      })
      .execute();
  }
  await db()
    .insertInto('retention_actions')
    .values({
      portal_id: portalId,
      contact_id: contactId,
      action: 'offer',
      campaign_id: 'winback',
      callback_id: `cb-${contactId}`,
      group: 'control',
      inputs: json({}),
      outputs: json({}),
      outcome: null,
    })
    .execute();
  await db()
    .insertInto('usage_events')
    .values({
      portal_id: portalId,
      event_id: `usage-${contactId}`,
      contact_id: contactId,
      contact_email: null,
      type: 'session',
      feature: null,
      properties: json({}),
      occurred_at: new Date(start),
    })
    .execute();
}

describe('the sync follows merges and GDPR deletions', () => {
  let modelId: number;

  it('a merge in the history leaves one contact holding both histories', async () => {
    const survivor = customerWithHistory();
    const merged = customerWithHistory();
    const emails = [survivor, merged].flatMap((id) =>
      crm.associationsOf('contacts', id, 'emails').map((a) => a.toId),
    );
    const tickets = [survivor, merged].flatMap((id) =>
      crm.associationsOf('contacts', id, 'tickets').map((a) => a.toId),
    );
    crm.mergeRecords('contacts', survivor, merged, new Date('2026-06-01T00:00:00Z'));

    await syncPortal(deps(), portalId, 'full');
    expect(await contactRow(merged)).toBeUndefined();
    expect(await linked(survivor, 'emails')).toEqual([...new Set(emails)].sort());
    expect(await linked(survivor, 'tickets')).toEqual([...new Set(tickets)].sort());
    const row = (await contactRow(survivor))!;
    expect(row.properties.hs_merged_object_ids).toBe(merged);
    // The survivor's stage history is both contacts' pasts.
    const stage = Object.values(row.property_history ?? {}).flat();
    expect(stage.length).toBeGreaterThan(1);

    modelId = (
      await db()
        .insertInto('models')
        .values({ portal_id: portalId, version: 1, family: 'gbdt', status: 'active', feature_spec: json([]) })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  }, 300_000);

  it('a merge between two syncs moves scores, actions and data to the survivor, once', async () => {
    const survivor = customerWithHistory();
    const merged = customerWithHistory();
    await seedScoresAndAction(survivor, modelId, [0.2, 0.3]);
    await seedScoresAndAction(merged, modelId, [0.5, 0.7, 0.8]);
    const mergedEmails = await linked(merged, 'emails');
    const survivorEmails = await linked(survivor, 'emails');

    crm.mergeRecords('contacts', survivor, merged, sandbox.store.now());
    await syncPortal(deps(), portalId, 'incremental');

    expect(await contactRow(merged)).toBeUndefined();
    const scores = await db()
      .selectFrom('scores')
      .select(['contact_id', 'probability'])
      .where('portal_id', '=', portalId)
      .where('contact_id', 'in', [survivor, merged])
      .orderBy('probability')
      .execute();
    expect(scores).toEqual(
      [0.2, 0.3, 0.5, 0.7, 0.8].map((probability) => ({ contact_id: survivor, probability })),
    );
    const current = await db()
      .selectFrom('current_scores')
      .select(['contact_id', 'probability'])
      .where('portal_id', '=', portalId)
      .where('contact_id', 'in', [survivor, merged])
      .execute();
    expect(current).toEqual([{ contact_id: survivor, probability: 0.8 }]);
    const actions = await db()
      .selectFrom('retention_actions')
      .select(['contact_id', 'group', 'callback_id'])
      .where('portal_id', '=', portalId)
      .where('callback_id', 'in', [`cb-${survivor}`, `cb-${merged}`])
      .orderBy('callback_id')
      .execute();
    expect(actions.every((a) => a.contact_id === survivor && a.group === 'control')).toBe(true);
    expect(actions).toHaveLength(2);
    const usage = await db()
      .selectFrom('usage_events')
      .select('contact_id')
      .where('portal_id', '=', portalId)
      .where('event_id', '=', `usage-${merged}`)
      .executeTakeFirstOrThrow();
    expect(usage.contact_id).toBe(survivor);
    expect(await linked(survivor, 'emails')).toEqual(
      [...new Set([...survivorEmails, ...mergedEmails])].sort(),
    );

    // Seen again, by a sync and by the merge webhook's refetch: nothing changes twice.
    const merges = () =>
      db()
        .selectFrom('audit_log')
        .select('details')
        .where('portal_id', '=', portalId)
        .where('action', '=', 'contact.merged')
        .execute();
    const before = (await merges()).length;
    await syncPortal(deps(), portalId, 'full');
    await refetchObjects(deps(), portalId, 'contacts', [survivor], [merged]);
    expect((await merges()).length).toBe(before);
    expect(await contactRow(merged)).toBeUndefined();
    const again = await db()
      .selectFrom('scores')
      .select('contact_id')
      .where('portal_id', '=', portalId)
      .where('contact_id', 'in', [survivor, merged])
      .execute();
    expect(again).toHaveLength(5);
  }, 300_000);

  it('a GDPR deletion between two syncs removes the contact and its texts from the warehouse', async () => {
    const forgotten = customerWithHistory();
    await seedScoresAndAction(forgotten, modelId, [0.4]);
    const emails = await linked(forgotten, 'emails');
    const tickets = await linked(forgotten, 'tickets');
    expect(emails.length).toBeGreaterThan(0);

    crm.purgeRecord('contacts', forgotten, sandbox.store.now());
    const results = await syncPortal(deps(), portalId, 'full');
    expect(results.find((r) => r.type === 'contacts')?.erased).toBe(1);

    expect(await contactRow(forgotten)).toBeUndefined();
    expect(await linked(forgotten, 'emails')).toEqual([]);
    const texts = await db()
      .selectFrom('emails')
      .select('id')
      .where('portal_id', '=', portalId)
      .where('id', 'in', emails)
      .execute();
    expect(texts).toEqual([]);
    const ticketRows = await db()
      .selectFrom('tickets')
      .select('id')
      .where('portal_id', '=', portalId)
      .where('id', 'in', tickets)
      .execute();
    expect(ticketRows).toEqual([]);
    for (const table of ['scores', 'current_scores', 'retention_actions', 'usage_events'] as const) {
      const left = await db()
        .selectFrom(table)
        .select('contact_id')
        .where('portal_id', '=', portalId)
        .where('contact_id', '=', forgotten)
        .execute();
      expect(left).toEqual([]);
    }
    // The other contacts are all still there, and a further sync erases nothing more.
    const again = await syncPortal(deps(), portalId, 'full');
    expect(again.find((r) => r.type === 'contacts')?.erased).toBeUndefined();
  }, 300_000);
});
