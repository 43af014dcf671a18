/**
 * A proactive-support action run again after its ticket was worked on (a workflow callback replayed
 * days later, a job retried before the ticket's id was stored) finds the ticket it opened and
 * leaves it where the agent put it: a closed ticket stays closed, in HubSpot as in Salesforce.
 * Each CRM is driven by the product's own connector and job processor, over HTTP, against its
 * sandbox, on real Redis and PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Job } from 'bullmq';
import { seedDefaultProperties } from '../../sandbox/default-properties.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import type { PortalData } from '../../sandbox/store.js';
import { TICKET_KEY_PROPERTY } from '../../server/crm/hubspot/automation.js';
import { CASE_KEY_FIELD } from '../../server/crm/salesforce/case-key.js';
import { json } from '../../server/db/json.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { processRetentionAction, RETENTION_ACTION_JOB } from '../../server/jobs/retention-action-job.js';
import { performRetentionAction } from '../../server/workflows/perform-action.js';
import { startSalesforceHarness } from '../contract/salesforce-driver.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { NO_LIMITS } from '../support/sandbox-server.js';

type Product = Pick<TestProduct, 'ctx'>;

/** A treated check-in play on a contact, as the card starts it; its CRM work is left to the test. */
async function startCheckIn(product: Product, portalId: number, contactId: string): Promise<number> {
  const result = await performRetentionAction(
    {
      db: product.ctx.db.db,
      work: { finishRetentionAction: async () => {} },
      publicUrl: 'https://churn.example.com/',
      surveyKey: Buffer.alloc(32, 7),
    },
    {
      portalId,
      contactId,
      action: 'proactive-support',
      requestKey: `replayed-check-in-${portalId}-${contactId}`,
      inputs: { holdout_percent: 0, campaign: 'replayed-check-in' },
      source: 'manual',
    },
  );
  expect(result).toMatchObject({ group: 'treatment', state: 'BLOCK' });
  return result.id;
}

/** The retention-action job, run by the worker's own processor. */
function runJob(product: Product, actionId: number) {
  const job = new Job(product.ctx.queues.get('workflows'), RETENTION_ACTION_JOB, { actionId });
  return processRetentionAction(job, { db: product.ctx.db.db, crms: product.ctx.services.crms });
}

async function ticketIdOf(product: Product, actionId: number): Promise<unknown> {
  const row = await product.ctx.db.db
    .selectFrom('retention_actions')
    .select('outputs')
    .where('id', '=', actionId)
    .executeTakeFirstOrThrow();
  return (row.outputs as Record<string, unknown>).ticket_id;
}

/** The action as it stands when its CRM work is asked for again with the ticket's id not kept. */
async function replayable(product: Product, actionId: number): Promise<void> {
  const row = await product.ctx.db.db
    .selectFrom('retention_actions')
    .select('outputs')
    .where('id', '=', actionId)
    .executeTakeFirstOrThrow();
  const { ticket_id: _forgotten, ...outputs } = row.outputs as Record<string, unknown>;
  await product.ctx.db.db
    .updateTable('retention_actions')
    .set({ status: 'pending', completed_at: null, outputs: json(outputs) })
    .where('id', '=', actionId)
    .execute();
}

describe('HubSpot: a replayed check-in finds its ticket closed and leaves it closed', () => {
  const HUB = 9_311;
  let redis: EmbeddedRedis;
  let sandbox: RunningSandbox;
  let product: TestProduct;
  let crm: PortalData;
  let portalId: number;
  let contacts: string[];

  const liveTickets = () => [...crm.recordsOf('tickets').values()].filter((t) => !t.archived);
  const ticketsOf = (contactId: string) =>
    crm.associationsOf('contacts', contactId, 'tickets').map((a) => crm.recordsOf('tickets').get(a.toId)!);

  beforeAll(async () => {
    redis = await startEmbeddedRedis();
    sandbox = await startSandbox({ rateLimits: NO_LIMITS });
    product = await startTestProduct({
      crmUrl: sandbox.url,
      redisUrl: redis.url,
      rateLimits: { generalPerSecond: 100_000, searchPerSecond: 100_000 },
    });
    sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
    crm = sandbox.store.createPortal(HUB);
    seedDefaultProperties(crm);
    const at = sandbox.store.now();
    contacts = ['ines', 'jonas'].map(
      (name) =>
        crm.createRecord(
          'contacts',
          { email: `${name}@initech.example`, firstname: name, lifecyclestage: 'customer' },
          at,
        ).id,
    );
    expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
    portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(HUB)))!.id;
  }, 300_000);

  afterAll(async () => {
    await product?.close();
    await sandbox?.close();
    await redis?.stop();
  });

  it('keeps the ticket in the closed stage, owner and priority the agent gave it', async () => {
    const actionId = await startCheckIn(product, portalId, contacts[0]!);
    expect(await runJob(product, actionId)).toEqual({ actionId, result: 'completed' });
    const [opened] = ticketsOf(contacts[0]!);
    expect(opened!.properties).toMatchObject({ hs_pipeline: '0', hs_pipeline_stage: '1' });

    // An agent works the ticket and closes it; days later the action's CRM work is asked for again.
    sandbox.store.advanceClock(3 * 86_400_000);
    crm.updateRecord(
      'tickets',
      opened!.id,
      { hs_pipeline_stage: '4', hs_ticket_priority: 'LOW' },
      sandbox.store.now(),
    );
    await replayable(product, actionId);
    expect(await runJob(product, actionId)).toEqual({ actionId, result: 'completed' });

    expect(await ticketIdOf(product, actionId)).toBe(opened!.id);
    expect(ticketsOf(contacts[0]!).map((t) => t.id)).toEqual([opened!.id]);
    expect(crm.recordsOf('tickets').get(opened!.id)!.properties).toMatchObject({
      hs_pipeline: '0',
      hs_pipeline_stage: '4',
      hs_ticket_priority: 'LOW',
    });
  });

  it('opens one ticket when two tries of the same action race, each answered with its id', async () => {
    const before = liveTickets().length;
    const actionId = await startCheckIn(product, portalId, contacts[1]!);
    const [first, second] = await Promise.all([runJob(product, actionId), runJob(product, actionId)]);
    expect([first.result, second.result]).toEqual(['completed', 'completed']);
    expect(liveTickets()).toHaveLength(before + 1);
    const [opened] = ticketsOf(contacts[1]!);
    expect(ticketsOf(contacts[1]!)).toHaveLength(1);
    expect(opened!.properties[TICKET_KEY_PROPERTY.name]).toEqual(expect.any(String));
    expect(await ticketIdOf(product, actionId)).toBe(opened!.id);
  });
});

describe('Salesforce: a replayed check-in finds its case closed and leaves it as the agent left it', () => {
  let harness: Awaited<ReturnType<typeof startSalesforceHarness>>;
  let installed: Awaited<ReturnType<typeof harness.installOrg>>;
  let contactId: string;

  const casesOf = (id: string) =>
    [...installed.org.records('Case')].filter(
      (c) => c.fields.ContactId === id && c.fields.IsDeleted !== true,
    );

  beforeAll(async () => {
    harness = await startSalesforceHarness();
    installed = await harness.installOrg(1);
    [contactId] = (await installed.sandbox.recordIds('contacts')) as [string];
  }, 300_000);

  afterAll(async () => {
    await harness?.stop();
  });

  it('keeps the case closed, with the owner, priority and subject the agent gave it', async () => {
    const actionId = await startCheckIn(harness.product, installed.portalId, contactId);
    expect(await runJob(harness.product, actionId)).toEqual({ actionId, result: 'completed' });
    const [opened] = casesOf(contactId);
    expect(opened!.fields).toMatchObject({ Status: 'New', IsClosed: false });
    expect(opened!.fields[CASE_KEY_FIELD]).toEqual(expect.any(String));

    // The agent who took the case reassigned it, reworded it, lowered its priority and closed it.
    const agent = installed.org.addUser({
      firstName: 'Ines',
      lastName: 'Agent',
      email: 'ines@support.example.com',
    });
    const worked = { Status: 'Closed', OwnerId: agent.Id, Priority: 'Low', Subject: 'Sorted on the phone' };
    installed.org.update('Case', opened!.Id, worked);
    await replayable(harness.product, actionId);
    expect(await runJob(harness.product, actionId)).toEqual({ actionId, result: 'completed' });

    expect(await ticketIdOf(harness.product, actionId)).toBe(opened!.Id);
    expect(casesOf(contactId)).toHaveLength(1);
    expect(casesOf(contactId)[0]!.fields).toMatchObject({ ...worked, IsClosed: true });
  }, 300_000);
});
