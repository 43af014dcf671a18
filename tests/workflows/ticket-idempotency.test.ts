/**
 * A proactive-support action opens one ticket, however its CRM work is interrupted: the CRM
 * commits the create and its answer is lost (the sandbox's `lostAnswerRate`: a 504 in its place,
 * so the requester sends the create again, and again), the job fails with the ticket's id never
 * stored, and the job runs again. Each CRM is driven by the product's own connector and job
 * processor, over HTTP, against its sandbox, on real Redis and PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Job } from 'bullmq';
import { join } from 'node:path';
import { seedDefaultProperties } from '../../sandbox/default-properties.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import type { PortalData } from '../../sandbox/store.js';
import { CrmUnavailableError } from '../../server/crm/errors.js';
import { TICKET_KEY_PROPERTY } from '../../server/crm/hubspot/automation.js';
import { CASE_KEY_FIELD } from '../../server/crm/salesforce/case-key.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { processRetentionAction, RETENTION_ACTION_JOB } from '../../server/jobs/retention-action-job.js';
import { generateSalesforcePackage, loadManifest } from '../../server/manifest/index.js';
import { performRetentionAction } from '../../server/workflows/perform-action.js';
import { startSalesforceHarness } from '../contract/salesforce-driver.js';
import { tempDir } from '../support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { NO_LIMITS } from '../support/sandbox-server.js';

/** Calls that go one by one through requester retries that wait a few seconds between tries. */
const LOST_ANSWERS_MS = 120_000;

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
      requestKey: `check-in-${portalId}-${contactId}`,
      inputs: { holdout_percent: 0, campaign: 'check-in' },
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

async function actionRow(product: Product, actionId: number) {
  const row = await product.ctx.db.db
    .selectFrom('retention_actions')
    .select(['status', 'outputs'])
    .where('id', '=', actionId)
    .executeTakeFirstOrThrow();
  return { status: row.status, outputs: row.outputs as Record<string, unknown> };
}

async function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

describe('HubSpot: a check-in ticket whose create answer is lost', () => {
  const HUB = 9_301;
  const KEY = TICKET_KEY_PROPERTY.name;
  let redis: EmbeddedRedis;
  let sandbox: RunningSandbox;
  let product: TestProduct;
  let crm: PortalData;
  let portalId: number;
  let contacts: string[];

  const faults = (body: Record<string, unknown>) =>
    postJson(`${sandbox.url}/_sandbox/portals/${HUB}/faults`, body);
  const ticketsOf = (contactId: string) =>
    crm.associationsOf('contacts', contactId, 'tickets').map((a) => crm.recordsOf('tickets').get(a.toId)!);
  const allTickets = () => [...crm.recordsOf('tickets').values()].filter((t) => !t.archived);

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
    contacts = ['nora', 'omar'].map(
      (name) =>
        crm.createRecord(
          'contacts',
          { email: `${name}@globex.example`, firstname: name, lifecyclestage: 'customer' },
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

  it('creates the ticket key property before the portal’s first ticket, as the manifest declares it', async () => {
    // Installed before tickets were keyed: the portal has no such property yet.
    expect(crm.properties.get('tickets')!.has(KEY)).toBe(false);
    const actionId = await startCheckIn(product, portalId, contacts[0]!);
    expect(await runJob(product, actionId)).toEqual({ actionId, result: 'completed' });

    expect(crm.properties.get('tickets')!.get(KEY)).toMatchObject({
      hasUniqueValue: true,
      type: 'string',
      groupName: 'churn_risk',
    });
    const declared = loadManifest().crmProperties.tickets!.properties.find((p) => p.name === KEY);
    expect(declared).toMatchObject({
      label: TICKET_KEY_PROPERTY.label,
      description: TICKET_KEY_PROPERTY.description,
      type: TICKET_KEY_PROPERTY.type,
      fieldType: TICKET_KEY_PROPERTY.fieldType,
      groupName: TICKET_KEY_PROPERTY.groupName,
      hasUniqueValue: true,
    });
    const [ticket] = ticketsOf(contacts[0]!);
    expect(ticketsOf(contacts[0]!)).toHaveLength(1);
    expect(ticket!.properties).toMatchObject({ hs_pipeline: '0', hs_pipeline_stage: '1' });
    expect(ticket!.properties[KEY]).toEqual(expect.any(String));
    expect(await actionRow(product, actionId)).toMatchObject({
      status: 'completed',
      outputs: { ticket_id: ticket!.id },
    });
  });

  it(
    'ends with one ticket, on the contact, whose id the action keeps, after the answers were lost and the job ran again',
    async () => {
      const before = allTickets().length;
      const actionId = await startCheckIn(product, portalId, contacts[1]!);

      await faults({ lostAnswerRate: 1 });
      await expect(runJob(product, actionId)).rejects.toBeInstanceOf(CrmUnavailableError);
      const state = await postJson(`${sandbox.url}/_sandbox/portals/${HUB}/faults`, {});
      // Every try of the create was carried out, and each found the ticket the first one opened.
      expect(Number(state.answersLost)).toBeGreaterThan(1);
      const opened = allTickets().slice(before);
      expect(opened).toHaveLength(1);
      expect(opened[0]!.properties.subject).toMatch(/^Proactive check-in: /);
      const unfinished = await actionRow(product, actionId);
      expect(unfinished.status).toBe('pending');
      expect(unfinished.outputs.ticket_id).toBeUndefined();

      await faults({ lostAnswerRate: 0 });
      expect(await runJob(product, actionId)).toEqual({ actionId, result: 'completed' });
      expect(allTickets()).toHaveLength(before + 1);
      expect(ticketsOf(contacts[1]!).map((t) => t.id)).toEqual([opened[0]!.id]);
      expect(crm.associationsOf('tickets', opened[0]!.id, 'contacts').map((a) => a.toId)).toEqual([
        contacts[1],
      ]);
      expect(await actionRow(product, actionId)).toMatchObject({
        status: 'completed',
        outputs: { ticket_id: opened[0]!.id },
      });

      // A job that runs once more after it completed opens nothing either.
      expect(await runJob(product, actionId)).toEqual({ actionId, result: 'already_completed' });
      expect(allTickets()).toHaveLength(before + 1);
    },
    LOST_ANSWERS_MS,
  );
});

describe('Salesforce: a check-in case whose create answer is lost', () => {
  let harness: Awaited<ReturnType<typeof startSalesforceHarness>>;
  let installed: Awaited<ReturnType<typeof harness.installOrg>>;
  let contacts: string[];

  const faults = (body: Record<string, unknown>) =>
    postJson(`${harness.sandbox.instanceUrl}/_sandbox/salesforce/orgs/${installed.org.orgId}/faults`, body);
  const casesOf = (contactId: string) =>
    [...installed.org.records('Case')].filter(
      (c) => c.fields.ContactId === contactId && c.fields.IsDeleted !== true,
    );
  const allCases = () => [...installed.org.records('Case')].filter((c) => c.fields.IsDeleted !== true);

  beforeAll(async () => {
    harness = await startSalesforceHarness();
    installed = await harness.installOrg(2);
    contacts = await installed.sandbox.recordIds('contacts');
    const projectDir = generateSalesforcePackage(loadManifest(), {
      publicUrl: harness.product.url,
      outDir: join(tempDir('churn-sfpkg-'), 'salesforce-package'),
      allowLoopback: true,
    }).outDir;
    await postJson(
      `${harness.sandbox.instanceUrl}/_sandbox/salesforce/orgs/${installed.org.orgId}/packages`,
      {
        projectDir,
      },
    );
  }, 300_000);

  afterAll(async () => {
    await harness?.stop();
  });

  it('knows the key field once the package is installed, and opens the first case by it', async () => {
    const field = installed.org.fullSchema('Case')!.fields.find((f) => f.name === CASE_KEY_FIELD);
    expect(field).toMatchObject({ externalId: true, unique: true, type: 'string' });

    const actionId = await startCheckIn(harness.product, installed.portalId, contacts[0]!);
    expect(await runJob(harness.product, actionId)).toEqual({ actionId, result: 'completed' });
    const [opened] = casesOf(contacts[0]!);
    expect(casesOf(contacts[0]!)).toHaveLength(1);
    expect(opened!.fields).toMatchObject({ Priority: expect.any(String), Origin: 'Web' });
    expect(opened!.fields[CASE_KEY_FIELD]).toEqual(expect.any(String));
    expect(await actionRow(harness.product, actionId)).toMatchObject({
      status: 'completed',
      outputs: { ticket_id: opened!.Id },
    });
  }, 300_000);

  it('creates the key field through the Tooling API in an org whose package predates it', async () => {
    const older = await harness.installOrg(1);
    expect(older.org.fullSchema('Case')!.fields.some((f) => f.name === CASE_KEY_FIELD)).toBe(false);
    const [contactId] = await older.sandbox.recordIds('contacts');
    const actionId = await startCheckIn(harness.product, older.portalId, contactId!);
    expect(await runJob(harness.product, actionId)).toEqual({ actionId, result: 'completed' });
    expect(older.org.fullSchema('Case')!.fields.find((f) => f.name === CASE_KEY_FIELD)).toMatchObject({
      externalId: true,
      unique: true,
    });
    const opened = [...older.org.records('Case')].filter((c) => c.fields.ContactId === contactId);
    expect(opened).toHaveLength(1);
    expect(await actionRow(harness.product, actionId)).toMatchObject({
      outputs: { ticket_id: opened[0]!.Id },
    });
  }, 300_000);

  it(
    'ends with one case, on the contact, whose id the action keeps, after the answers were lost and the job ran again',
    async () => {
      const before = allCases().length;
      const actionId = await startCheckIn(harness.product, installed.portalId, contacts[1]!);

      await faults({ lostAnswerRate: 1 });
      await expect(runJob(harness.product, actionId)).rejects.toBeInstanceOf(CrmUnavailableError);
      const state = await faults({});
      expect(Number(state.answersLost)).toBeGreaterThan(1);
      expect(casesOf(contacts[1]!)).toHaveLength(1);
      expect(allCases()).toHaveLength(before + 1);
      const unfinished = await actionRow(harness.product, actionId);
      expect(unfinished.status).toBe('pending');
      expect(unfinished.outputs.ticket_id).toBeUndefined();

      await faults({ lostAnswerRate: 0 });
      expect(await runJob(harness.product, actionId)).toEqual({ actionId, result: 'completed' });
      const cases = casesOf(contacts[1]!);
      expect(cases).toHaveLength(1);
      expect(allCases()).toHaveLength(before + 1);
      expect(await actionRow(harness.product, actionId)).toMatchObject({
        status: 'completed',
        outputs: { ticket_id: cases[0]!.Id },
      });
    },
    LOST_ANSWERS_MS,
  );
});
