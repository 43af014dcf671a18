/**
 * The package inside a Salesforce org, end to end over HTTP: the app installed in a sandbox org,
 * the generated package installed there, the org's secret set by the server, and then calls made
 * from the org as its Apex makes them (through the Named Credential, with the headers the generated
 * `ChurnRadarApi` class adds): each Flow action, the card's read and play, and calls that must be
 * refused.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateOrg } from '../../sandbox/salesforce/from-generator.js';
import type { SalesforceOrg } from '../../sandbox/salesforce/store.js';
import type { WorkerPool } from '../../server/jobs/worker-pool.js';
import { generateSalesforcePackage, loadManifest } from '../../server/manifest/index.js';
import { latestRunProgress } from '../../server/scoring/runs.js';
import { assignGroup } from '../../server/workflows/holdout.js';
import { startSalesforceHarness } from '../contract/salesforce-driver.js';
import { dashboardCall, signInToSalesforceDashboard } from '../support/dashboard-session.js';
import { tempDir, waitUntil } from '../support/processes.js';

let harness: Awaited<ReturnType<typeof startSalesforceHarness>>;
let worker: WorkerPool;
let projectDir: string;
let apex: Record<string, string>;
let org: SalesforceOrg;
let portalId: number;
let contactIds: string[];
/** Added to the product's clock: the card users' cache expires when the test moves it. */
let clockShift = 0;
/** How long the product trusts what the org said of a user (CARD_USER_CACHE_SECONDS, 60 s). */
const USER_CACHE_MS = 60_000;

type Callout =
  | { statusCode: number; status: string; headers: Record<string, string>; body: string }
  | { exception: { type: string; message: string } };

/** The constants the generated ChurnRadarApi class sends with: what the org's Apex really does. */
function apexConstants(dir: string): Record<string, string> {
  const source = readFileSync(join(dir, 'force-app/main/default/classes/ChurnRadarApi.cls'), 'utf8');
  return Object.fromEntries(
    [...source.matchAll(/static final String (\w+) = '([^']*)';/g)].map((m) => [m[1]!, m[2]!]),
  );
}

const admin = (path: string) => `${harness.sandbox.instanceUrl}/_sandbox/salesforce/orgs/${org.orgId}${path}`;

async function installPackage(target: SalesforceOrg): Promise<void> {
  const response = await fetch(
    `${harness.sandbox.instanceUrl}/_sandbox/salesforce/orgs/${target.orgId}/packages`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ projectDir }),
    },
  );
  if (response.status !== 201)
    throw new Error(`package install answered ${response.status}: ${await response.text()}`);
}

/** A callout from `from` as ChurnRadarApi.send makes it; `orgHeader` overrides the org id it names. */
async function apexCall(
  method: string,
  path: string,
  body?: unknown,
  options: { from?: SalesforceOrg; orgHeader?: string; user?: string } = {},
): Promise<Callout> {
  const from = options.from ?? org;
  const headers: Record<string, string> = {
    Accept: 'application/json',
    [apex.ORG_HEADER!]: options.orgHeader ?? from.orgId,
    [apex.USER_HEADER!]: options.user ?? from.adminUser.Id,
  };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(
    `${harness.sandbox.instanceUrl}/_sandbox/salesforce/orgs/${from.orgId}/callouts`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        endpoint: `callout:${apex.NAMED_CREDENTIAL}${apex.BASE_PATH}${path}`,
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        timeoutMs: 60_000,
      }),
    },
  );
  expect(response.status).toBe(200);
  return (await response.json()) as Callout;
}

function answered(callout: Callout): { statusCode: number; json: unknown } {
  if ('exception' in callout) throw new Error(`the callout failed: ${callout.exception.message}`);
  return { statusCode: callout.statusCode, json: JSON.parse(callout.body) as unknown };
}

interface ActionResult {
  contactId: string | null;
  ok: boolean;
  group?: 'treatment' | 'control';
  status?: 'completed' | 'pending';
  replayed?: boolean;
  outputs?: Record<string, string | number>;
  error?: string;
}

async function runAction(action: string, requests: Record<string, unknown>[]): Promise<ActionResult[]> {
  const { statusCode, json } = answered(await apexCall('POST', `/actions/${action}`, { requests }));
  expect(statusCode).toBe(200);
  return (json as { results: ActionResult[] }).results;
}

const db = () => harness.db;
/** The cases Churn Radar opened for check-ins (the org has its own support cases too). */
const checkInCases = () =>
  [...org.records('Case')].filter((c) => String(c.fields.Subject).startsWith('Proactive check-in'));
async function counts() {
  const count = async (
    table: 'retention_actions' | 'retention_offers' | 'survey_requests' | 'loyalty_ledger',
  ) =>
    Number(
      (
        await db()
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('portal_id', '=', portalId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    actions: await count('retention_actions'),
    offers: await count('retention_offers'),
    surveys: await count('survey_requests'),
    points: await count('loyalty_ledger'),
    cases: checkInCases().length,
  };
}

beforeAll(async () => {
  harness = await startSalesforceHarness({ clock: () => Date.now() + clockShift });
  projectDir = generateSalesforcePackage(loadManifest(), {
    publicUrl: harness.product.url,
    outDir: join(tempDir('churn-sfpkg-'), 'salesforce-package'),
    allowLoopback: true,
  }).outDir;
  apex = apexConstants(projectDir);
  const installed = await harness.installOrg(0);
  org = installed.org;
  portalId = installed.portalId;
  generateOrg(org, { contacts: 150, seed: 19 });
  contactIds = [...org.records('Contact')]
    .filter((r) => r.fields.Customer_Status__c === 'Customer')
    .map((r) => r.Id)
    .sort();
}, 300_000);

afterAll(async () => {
  await worker?.close(1000);
  await harness?.stop();
});

/** What the operator's own calls to the admin routes carry (they have no dashboard session). */
const ADMIN_HEADERS = { 'X-Churn-Radar-Admin': '1' };

describe('the Churn Radar package in a Salesforce org', () => {
  it('gets its secret once the package is installed, and calls in only with it', async () => {
    const early = await fetch(`${harness.product.url}/api/v1/portals/${portalId}/org-credential`, {
      method: 'POST',
      headers: ADMIN_HEADERS,
    });
    expect(early.status).toBe(409);
    expect(((await early.json()) as { status: string }).status).toBe('awaiting_package');
    const beforePackage = await apexCall('GET', `/contacts/${contactIds[0]}/risk`);
    expect('exception' in beforePackage).toBe(true);

    await installPackage(org);
    worker = await harness.product.startWorker();
    await waitUntil(
      async () => (await latestRunProgress(harness.db, portalId))?.status === 'succeeded',
      180_000,
    );
    // The install's first cycle set the secret, since the package is there now.
    const status = await fetch(`${harness.product.url}/api/v1/portals/${portalId}/org-credential`, {
      headers: ADMIN_HEADERS,
    });
    expect(await status.json()).toMatchObject({ status: 'set', needed: true });
    const principals = (await (await fetch(admin('/credentials'))).json()) as unknown;
    expect(JSON.stringify(principals)).toContain('Configured');
    expect(JSON.stringify(principals)).not.toMatch(/"value":"[^"]/);

    const risk = answered(await apexCall('GET', `/contacts/${contactIds[0]}/risk`));
    expect(risk.statusCode).toBe(200);
    expect(risk.json).toMatchObject({
      contactId: contactIds[0],
      status: 'scored',
      score: { value: expect.any(Number) },
    });
  }, 300_000);

  it('runs each Flow action once per key, with the holdout, and reports it', async () => {
    const campaignOf = (action: string) => `sf-${action}`;
    const inputs: Record<string, Record<string, unknown>> = {
      'send-retention-offer': { offer_type: 'discount', discount_percent: 15, validity_days: 30 },
      'request-feedback': {},
      'proactive-support': {},
      'loyalty-reward': { points: 100, period_days: 30, cap_per_period: 250 },
    };
    const enrolled = contactIds.slice(0, 40);
    const requestsOf = (action: string) =>
      enrolled.map((contactId) => ({
        contactId,
        requestKey: `${action}-${contactId}`,
        ...inputs[action],
        holdout_percent: 50,
        campaign: campaignOf(action),
      }));

    for (const action of Object.keys(inputs)) {
      const results = await runAction(action, requestsOf(action));
      expect(results).toHaveLength(enrolled.length);
      results.forEach((result, i) => {
        expect(result).toMatchObject({ contactId: enrolled[i], ok: true, replayed: false });
        expect(result.group).toBe(assignGroup(portalId, campaignOf(action), enrolled[i]!, 50));
        expect(result.outputs!.group).toBe(result.group);
      });
      const treated = results.filter((r) => r.group === 'treatment');
      const control = results.filter((r) => r.group === 'control');
      expect(treated.length).toBeGreaterThan(5);
      expect(control.length).toBeGreaterThan(5);
      for (const result of control) expect(Object.keys(result.outputs!)).toEqual(['group']);
      if (action === 'send-retention-offer') {
        for (const result of treated) expect(String(result.outputs!.offer_code)).toMatch(/^[A-Z0-9-]{8,}$/);
      }
      if (action === 'request-feedback') {
        for (const result of treated) {
          const page = await fetch(String(result.outputs!.survey_url));
          expect(page.status).toBe(200);
        }
      }
      if (action === 'loyalty-reward') {
        for (const result of treated)
          expect(result.outputs).toMatchObject({ points_awarded: 100, loyalty_balance: 100 });
      }
    }

    // The CRM work of the treated: a case for each check-in, the offer code on the contact.
    const checkIns = (await runAction('proactive-support', requestsOf('proactive-support'))).filter(
      (r) => r.group === 'treatment',
    );
    await waitUntil(async () => checkInCases().length >= checkIns.length, 60_000);
    const cases = checkInCases();
    expect(cases.map((c) => c.fields.ContactId).sort()).toEqual(checkIns.map((r) => r.contactId).sort());
    expect(String(cases[0]!.fields.Subject)).toContain('Proactive check-in');
    const offered = (await runAction('send-retention-offer', requestsOf('send-retention-offer'))).find(
      (r) => r.group === 'treatment',
    )!;
    await waitUntil(
      async () =>
        [...org.records('Contact')].find((c) => c.Id === offered.contactId)?.fields
          .Retention_Offer_Code__c === offered.outputs!.offer_code,
      60_000,
    );

    // Every key again: the first answers, and nothing new anywhere.
    const before = await counts();
    for (const action of Object.keys(inputs)) {
      const again = await runAction(action, requestsOf(action));
      expect(again.every((r) => r.ok && r.replayed)).toBe(true);
    }
    expect(await counts()).toEqual(before);

    // Without a key: once per contact and campaign.
    const unkeyed = enrolled
      .slice(0, 3)
      .map((contactId) => ({ contactId, campaign: 'sf-unkeyed', holdout_percent: 0 }));
    expect((await runAction('request-feedback', unkeyed)).map((r) => r.replayed)).toEqual([
      false,
      false,
      false,
    ]);
    expect((await runAction('request-feedback', unkeyed)).map((r) => r.replayed)).toEqual([true, true, true]);

    const session = await signInToSalesforceDashboard(harness.product.url, org.orgId);
    const report = await dashboardCall<{
      campaigns: { campaignId: string; action: string; enrolled: Record<string, number> }[];
    }>(harness.product.url, session, `/api/v1/portals/${portalId}/retention/effect`);
    expect(report.status).toBe(200);
    for (const action of Object.keys(inputs)) {
      const campaign = report.body.campaigns.find((c) => c.campaignId === campaignOf(action))!;
      expect(campaign.action).toBe(action);
      expect((campaign.enrolled.treatment ?? 0) + (campaign.enrolled.control ?? 0)).toBe(enrolled.length);
    }
  }, 300_000);

  it('answers a record it cannot act on with its reason, and acts on the others', async () => {
    const results = await runAction('send-retention-offer', [
      {
        contactId: contactIds[50],
        requestKey: 'bad-1',
        offer_type: 'discount',
        validity_days: 30,
        campaign: 'sf-mixed',
        holdout_percent: 0,
      },
      {
        contactId: contactIds[51],
        requestKey: 'good-1',
        offer_type: 'free_month',
        validity_days: 30,
        campaign: 'sf-mixed',
        holdout_percent: 0,
      },
      {
        contactId: 'not-an-id',
        requestKey: 'bad-2',
        offer_type: 'free_month',
        validity_days: 30,
        campaign: 'sf-mixed',
      },
    ]);
    expect(results[0]).toMatchObject({ ok: false, error: expect.stringContaining('discount_percent') });
    expect(results[1]).toMatchObject({ ok: true, group: 'treatment' });
    expect(results[2]).toMatchObject({ ok: false, contactId: null });
  });

  it("starts the card's play once per click and records who asked", async () => {
    const body = { play: 'survey', requestKey: 'click-000000000001' };
    const first = answered(await apexCall('POST', `/contacts/${contactIds[55]}/plays`, body));
    expect(first.statusCode).toBe(201);
    expect(first.json).toMatchObject({ play: 'survey', status: 'completed', replayed: false });
    const again = answered(await apexCall('POST', `/contacts/${contactIds[55]}/plays`, body));
    expect(again).toMatchObject({ statusCode: 200, json: { replayed: true } });
    const row = await db()
      .selectFrom('retention_actions')
      .select('inputs')
      .where('portal_id', '=', portalId)
      .where('callback_id', '=', `card:${body.requestKey}`)
      .executeTakeFirstOrThrow();
    expect(row.inputs).toMatchObject({ requestedBy: org.adminUser.Id, play: 'survey' });
  });

  it('refuses a wrong secret or another org, and changes nothing', async () => {
    const before = await counts();
    const request = {
      requests: [
        { contactId: contactIds[0], requestKey: 'intruder-1', campaign: 'sf-intrude', holdout_percent: 0 },
      ],
    };
    const post = (headers: Record<string, string>) =>
      fetch(`${harness.product.url}${apex.BASE_PATH}/actions/request-feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(request),
      });
    for (const headers of [
      {},
      { [apex.ORG_HEADER!]: org.orgId },
      { [apex.ORG_HEADER!]: org.orgId, 'X-Churn-Radar-Secret': 'guessed-secret-guessed-secret-guessed' },
    ]) {
      const refused = await post(headers);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }

    // Another installed org with the package: its own secret, naming this org.
    const other = await harness.installOrg(3);
    await installPackage(other.org);
    const connected = await fetch(`${harness.product.url}/api/v1/portals/${other.portalId}/org-credential`, {
      method: 'POST',
      headers: ADMIN_HEADERS,
    });
    expect(connected.status).toBe(200);
    const crossed = answered(
      await apexCall('POST', '/actions/request-feedback', request, { from: other.org, orgHeader: org.orgId }),
    );
    expect(crossed.statusCode).toBe(401);
    // The same org through its own credential is let in, to its own portal only.
    const own = answered(
      await apexCall('GET', `/contacts/${contactIds[0]}/risk`, undefined, { from: other.org }),
    );
    expect(own.statusCode).toBe(200);
    expect(own.json).toMatchObject({ contact: null, score: null });
    expect(await counts()).toEqual(before);
  }, 300_000);

  it('asks the org who the user is before a play or a flag, and keeps the answer only briefly', async () => {
    const errorCode = (callout: Callout) =>
      (answered(callout).json as { error?: { code?: string } }).error?.code;
    const rows = async (table: 'retention_actions' | 'score_feedback', key: string) =>
      (
        await db()
          .selectFrom(table)
          .select('id')
          .where('portal_id', '=', portalId)
          .where(
            table === 'retention_actions' ? 'callback_id' : 'request_key',
            '=',
            table === 'retention_actions' ? `card:${key}` : key,
          )
          .execute()
      ).length;
    const contact = contactIds[60]!;

    // No user of this org: nothing is read, started or stored for them.
    const stranger = '005Zz0000000001';
    const strangerPlay = await apexCall(
      'POST',
      `/contacts/${contact}/plays`,
      { play: 'offer', requestKey: 'stranger-click-0001' },
      { user: stranger },
    );
    expect(answered(strangerPlay).statusCode).toBe(403);
    expect(errorCode(strangerPlay)).toBe('not_a_portal_user');
    const strangerFlag = await apexCall(
      'POST',
      `/contacts/${contact}/score-feedback`,
      { scoreId: null, requestKey: 'stranger-flag-0001' },
      { user: stranger },
    );
    expect(answered(strangerFlag).statusCode).toBe(403);
    expect(
      answered(await apexCall('GET', `/contacts/${contact}/risk`, undefined, { user: stranger })).statusCode,
    ).toBe(403);
    expect(await rows('retention_actions', 'stranger-click-0001')).toBe(0);
    expect(await rows('score_feedback', 'stranger-flag-0001')).toBe(0);

    // An active user without the package's plays permission set: reads and flags, starts nothing.
    const advisor = org.addUser({ firstName: 'Ada', lastName: 'Advisor', email: 'ada.advisor@org.example' });
    const risk = answered(
      await apexCall('GET', `/contacts/${contact}/risk`, undefined, { user: advisor.Id }),
    );
    expect(risk.statusCode).toBe(200);
    expect(risk.json).toMatchObject({
      viewer: { userId: advisor.Id, canRunPlays: false, canGiveFeedback: true },
    });
    const refused = await apexCall(
      'POST',
      `/contacts/${contact}/plays`,
      { play: 'check_in', requestKey: 'advisor-click-0001' },
      { user: advisor.Id },
    );
    expect(answered(refused).statusCode).toBe(403);
    expect(errorCode(refused)).toBe('plays_not_allowed');
    expect(await rows('retention_actions', 'advisor-click-0001')).toBe(0);
    // As the package's card offers it: "This looks wrong" needs no plays permission, only the card.
    const flag = await apexCall(
      'POST',
      `/contacts/${contact}/score-feedback`,
      { scoreId: null, requestKey: 'advisor-flag-0001' },
      { user: advisor.Id },
    );
    expect(answered(flag).statusCode).toBe(201);
    expect(await rows('score_feedback', 'advisor-flag-0001')).toBe(1);

    // The org's own permission set enabling the custom permission grants the plays, once the
    // product's answer about the advisor has expired.
    const permission = [...org.records('CustomPermission')].find(
      (record) => record.fields.DeveloperName === 'Churn_Radar_Run_Plays',
    )!;
    const managers = org.create('PermissionSet', { Name: 'Regional_Managers', Label: 'Regional managers' });
    org.create('SetupEntityAccess', {
      ParentId: managers.Id,
      SetupEntityId: permission.Id,
      SetupEntityType: 'CustomPermission',
    });
    org.create('PermissionSetAssignment', { AssigneeId: advisor.Id, PermissionSetId: managers.Id });
    clockShift += USER_CACHE_MS + 1;
    const granted = answered(
      await apexCall(
        'POST',
        `/contacts/${contact}/plays`,
        { play: 'check_in', requestKey: 'advisor-click-0002' },
        { user: advisor.Id },
      ),
    );
    expect(granted.statusCode).toBe(201);

    // Deactivated in the org: still trusted within the cache's time, refused after it.
    org.update('User', advisor.Id, { IsActive: false });
    const play = (requestKey: string) =>
      apexCall('POST', `/contacts/${contact}/plays`, { play: 'survey', requestKey }, { user: advisor.Id });
    expect(answered(await play('advisor-click-0003')).statusCode).toBe(201);
    clockShift += USER_CACHE_MS + 1;
    const gone = await play('advisor-click-0004');
    expect(answered(gone).statusCode).toBe(403);
    expect(errorCode(gone)).toBe('not_a_portal_user');
    expect(await rows('retention_actions', 'advisor-click-0004')).toBe(0);
  });
});
