/**
 * Account health: a company's risk of leaving from its active contacts' scores and its own
 * signals, tiered by rank among the run's companies, its reasons in words, and written back to the
 * company record in the CRM (over HTTP, by the worker's write-back jobs) only when it changed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { ASSOCIATION_TYPE_IDS, type PortalData } from '../../sandbox/store.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import type { WorkerPool } from '../../server/jobs/worker-pool.js';
import { WRITEBACK_CHUNK_JOB } from '../../server/jobs/writeback-chunk-job.js';
import { accountRisk, decisionMaker, type AccountContact } from '../../server/scoring/account-risk.js';
import { accountWriteChunkStarts, scoreAccounts } from '../../server/scoring/account-scores.js';
import { assignTiers, planRun, runAsOf } from '../../server/scoring/cycle-steps.js';
import { completeRun, latestRunProgress, openRun } from '../../server/scoring/runs.js';
import { storeScores } from '../../server/scoring/score-contacts.js';
import { scoreText } from '../../server/scoring/score-points.js';
import { updatePortalSettings } from '../../server/settings/portal-settings.js';
import { startCountingProxy, type CountingProxy } from '../support/counting-proxy.js';
import { waitUntil } from '../support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';

const HUB = 947;
const DAY_MS = 86_400_000;
/** The hour the test's own runs score the portal as of: the renewal is 21 days after it. */
const AS_OF = runAsOf(new Date());
const daysFromRun = (days: number) => new Date(AS_OF.getTime() + days * DAY_MS).toISOString();

/**
 * The portal: five companies, ten active customers and one who left. Each active contact's
 * probability in the test's runs, and who brings revenue (won deals in the last year).
 */
const CONTACTS = {
  nw1: { company: 'northwind', name: ['Nora', 'West'], p: 0.6, won: 20_000, since: -900 },
  nw2: { company: 'northwind', name: ['Ned', 'Ward'], p: 0.3, won: 3_000, since: -700 },
  nw3: { company: 'northwind', name: ['Nia', 'Wolf'], p: 0.2, won: null, since: -500 },
  gx1: { company: 'globex', name: ['Gus', 'Xu'], p: 0.9, won: 5_000, since: -400 },
  gx2: { company: 'globex', name: ['Gia', 'Xavier'], p: 0.5, won: null, since: -800 },
  it1: { company: 'initech', name: ['Ike', 'Tran'], p: 0.05, won: null, since: -300 },
  um1: { company: 'umbrella', name: ['Uma', 'Moss'], p: 0.4, won: 8_000, since: -200 },
  um2: { company: 'umbrella', name: ['Uli', 'Marr'], p: 0.7, won: null, since: -600 },
  ho1: { company: 'hooli', name: ['Hal', 'Ortiz'], p: 0.1, won: null, since: -100 },
  ho2: { company: 'hooli', name: ['Hana', 'Obi'], p: 0.15, won: null, since: -1000 },
} as const;
type Key = keyof typeof CONTACTS;
const COMPANIES = {
  northwind: 'Northwind Traders',
  globex: 'Globex',
  initech: 'Initech',
  umbrella: 'Umbrella Corp',
  hooli: 'Hooli',
} as const;
type CompanyKey = keyof typeof COMPANIES;

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let proxy: CountingProxy;
let product: TestProduct;
let worker: WorkerPool;
let portalId: number;
const ids = {} as Record<Key | CompanyKey | 'left', string>;

/** Customers, companies, a customer of Northwind who left 60 days ago, its ticket and renewal. */
function seedCrm(portal: PortalData) {
  const now = new Date();
  const ago = (days: number) => new Date(now.getTime() + days * DAY_MS).toISOString();
  for (const [key, name] of Object.entries(COMPANIES))
    ids[key as CompanyKey] = portal.createRecord('companies', { name, lifecyclestage: 'customer' }, now).id;
  const contact = (key: Key | 'left', props: Record<string, string>, company: CompanyKey) => {
    const record = portal.createRecord(
      'contacts',
      { ...props, associatedcompanyid: ids[company], email: `${key}@${company}.example.com` },
      now,
    );
    portal.associate(
      'contacts',
      record.id,
      'companies',
      ids[company],
      ASSOCIATION_TYPE_IDS['contacts:companies']!,
    );
    ids[key] = record.id;
  };
  const deal = (props: Record<string, string>, contactId: string | null, company: CompanyKey) => {
    const record = portal.createRecord('deals', { pipeline: 'default', ...props }, now);
    if (contactId)
      portal.associate('contacts', contactId, 'deals', record.id, ASSOCIATION_TYPE_IDS['contacts:deals']!);
    portal.associate('companies', ids[company], 'deals', record.id, ASSOCIATION_TYPE_IDS['companies:deals']!);
  };
  const won = (amount: number, contactId: string, company: CompanyKey) =>
    deal(
      {
        dealname: 'Subscription',
        amount: String(amount),
        dealstage: 'closedwon',
        hs_is_closed_won: 'true',
        dealtype: 'newbusiness',
        closedate: ago(-100),
      },
      contactId,
      company,
    );
  for (const [key, c] of Object.entries(CONTACTS) as [Key, (typeof CONTACTS)[Key]][]) {
    contact(
      key,
      {
        firstname: c.name[0],
        lastname: c.name[1],
        lifecyclestage: 'customer',
        hs_lifecyclestage_customer_date: ago(c.since),
      },
      c.company,
    );
    if (c.won) won(c.won, ids[key], c.company);
  }
  // Northwind: a customer who left 60 days ago (their revenue is gone: not in the account's value).
  contact(
    'left',
    {
      firstname: 'Lee',
      lastname: 'Gone',
      lifecyclestage: 'other',
      hs_lifecyclestage_customer_date: ago(-800),
      hs_lifecyclestage_other_date: ago(-60),
    },
    'northwind',
  );
  won(7_000, ids.left, 'northwind');
  // Its renewal of 12,000 comes up 21 days after the run, and one of its tickets is urgent and open.
  deal(
    {
      dealname: 'Northwind annual renewal',
      amount: '12000',
      dealstage: 'contractsent',
      hs_is_closed_won: 'false',
      dealtype: 'existingbusiness',
      closedate: daysFromRun(21),
    },
    ids.nw1,
    'northwind',
  );
  const ticket = portal.createRecord(
    'tickets',
    {
      subject: 'Export broken',
      hs_pipeline: '0',
      hs_pipeline_stage: '1',
      hs_ticket_priority: 'HIGH',
      createdate: ago(-5),
    },
    now,
  );
  portal.associate('contacts', ids.nw2, 'tickets', ticket.id, ASSOCIATION_TYPE_IDS['contacts:tickets']!);
}

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({
    portals: [HUB],
    rateLimits: { tenSecondlyMax: 1_000_000, searchPerSecond: 1_000_000 },
  });
  seedCrm(sandbox.store.portal(HUB)!);
  proxy = await startCountingProxy(sandbox.url);
  product = await startTestProduct({ crmUrl: proxy.url, redisUrl: redis.url });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
}, 300_000);

afterAll(async () => {
  await worker?.close(1000);
  await product?.close();
  await proxy?.close();
  await sandbox?.close();
  await redis?.stop();
});

const db = () => product.ctx.db.db;
const sandboxCompany = (key: CompanyKey) => sandbox.store.portal(HUB)!.recordsOf('companies').get(ids[key])!;
const companyWrites = () =>
  proxy.requests.filter(
    (r) => r.method === 'POST' && /\/objects\/([^/]+\/)?companies\/batch\/update$/.test(r.path),
  );

/** A run of the test's own, scoring each active contact with its probability above (or as changed). */
async function runWithScores(jobId: string, changed: Partial<Record<Key, number>> = {}): Promise<number> {
  const { run } = await openRun(db(), portalId, 'manual', jobId);
  const model = await db()
    .selectFrom('models')
    .select('id')
    .where('portal_id', '=', portalId)
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  await planRun(db(), run.id, portalId, { modelId: model.id, asOf: AS_OF });
  await storeScores(db(), {
    portalId,
    modelId: model.id,
    runId: run.id,
    trigger: 'cycle',
    scoredAt: AS_OF,
    scores: (Object.keys(CONTACTS) as Key[]).map((key) => ({
      contactId: ids[key],
      probability: changed[key] ?? CONTACTS[key].p,
      reasons: [],
      tier: 'low' as const,
    })),
  });
  const settings = { tiers: { kind: 'share' as const, highShare: 0.2, mediumShare: 0.4 } };
  await assignTiers(db(), run.id, settings);
  expect(await scoreAccounts(db(), run.id, settings)).toBe(5);
  return run.id;
}

interface ChunkResult {
  sent: number;
  written: number;
  unchanged: number;
  failed: number;
}

/** One company write-back job, as the cycle queues it (or as an earlier release did, without `from`). */
async function writeAccountChunk(runId: number, chunk: number, size: number, from?: string) {
  const job = await product.ctx.queues.get('writeback').add(WRITEBACK_CHUNK_JOB, {
    records: 'companies',
    runId,
    chunk,
    portalId,
    size,
    ...(from === undefined ? {} : { from }),
  });
  return (await job.waitUntilFinished(await product.ctx.queues.eventsOf('writeback'))) as ChunkResult;
}

/** The run's company write-back in one job, then the run closed. */
async function writeAccountsBack(runId: number) {
  const result = await writeAccountChunk(runId, 0, 1000);
  await completeRun(db(), runId, { drift: null, summary: {} });
  return result;
}

async function accountRow(runId: number, key: CompanyKey) {
  return db()
    .selectFrom('account_scores')
    .selectAll()
    .where('run_id', '=', runId)
    .where('company_id', '=', ids[key])
    .executeTakeFirstOrThrow();
}

describe('the risk that an account leaves', () => {
  it('weighs the decision-maker as half, the team as the other half, and lets each signal take a share of the chance to stay', () => {
    const asOf = new Date('2026-03-01T00:00:00Z');
    const person = (id: string, p: number, tier: AccountContact['tier'], value: number | null) => ({
      contactId: id,
      name: `Person ${id}`,
      probability: p,
      tier,
      value,
      customerSince: new Date('2024-01-01T00:00:00Z'),
    });
    const team = [
      person('a', 0.6, 'medium', 20_000),
      person('b', 0.3, 'medium', 3_000),
      person('c', 0.2, 'low', null),
    ];
    const risk = accountRisk(
      team,
      {
        openHighPriorityTickets: 1,
        renewal: { at: new Date(asOf.getTime() + 21 * DAY_MS), value: 12_000 },
        churnedContacts: 1,
      },
      asOf,
    );
    // Base: ½ × 0.6 + ½ × mean(0.6, 0.3, 0.2) = 0.48333; then 1 − 0.51667 × 0.9 × 0.9 × (1 − ½ × ¼).
    expect(risk.probability).toBeCloseTo(1 - (1 - 0.483333) * 0.9 * 0.9 * 0.875, 5);
    expect(risk.decisionMakerId).toBe('a');
    expect(risk.reasons.map((r) => r.text)).toEqual([
      'Decision-maker Person a at medium risk (60 %)',
      '1 of 4 customers left in the last year',
      '2 of 3 contacts medium risk',
      '1 open high-priority ticket',
      'Renewal in 21 days worth 12,000',
    ]);
    // The points add up to the account's risk.
    const explained = risk.reasons.reduce((s, r) => s + r.points, 0);
    // The decision-maker's and the medium contact's shares, plus the uplift; the low contact's share is no reason.
    expect(explained).toBeCloseTo(risk.probability * 100 - (0.5 / 3) * 20, 0);

    // Alone, a contact is the account; with no signal nothing is added.
    expect(accountRisk([person('solo', 0.05, 'low', null)], NO_SIGNALS, asOf)).toEqual({
      probability: 0.05,
      decisionMakerId: 'solo',
      reasons: [],
    });
    // A renewal further out than 90 days is no reason yet.
    const later = accountRisk(
      [person('x', 0.2, 'low', null)],
      { ...NO_SIGNALS, renewal: { at: new Date(asOf.getTime() + 120 * DAY_MS), value: 5_000 } },
      asOf,
    );
    expect(later.probability).toBeCloseTo(0.2, 10);
  });

  it('names as decision-maker the one bringing the most revenue, then the longest-standing customer', () => {
    const at = (day: string) => new Date(`${day}T00:00:00Z`);
    const c = (contactId: string, value: number | null, since: string) => ({
      contactId,
      name: contactId,
      probability: 0.1,
      tier: 'low' as const,
      value,
      customerSince: at(since),
    });
    expect(decisionMaker([c('a', 1_000, '2025-01-01'), c('b', 9_000, '2025-06-01')]).contactId).toBe('b');
    expect(decisionMaker([c('a', null, '2025-01-01'), c('b', null, '2023-06-01')]).contactId).toBe('b');
    expect(decisionMaker([c('b', 500, '2024-01-01'), c('a', 500, '2024-01-01')]).contactId).toBe('a');
  });
});

const NO_SIGNALS = { openHighPriorityTickets: 0, renewal: null, churnedContacts: 0 };

describe('account health in a scoring run, written back to the CRM', () => {
  let first: number;

  it('scores and writes the companies in the cycle after the install, with the company properties created', async () => {
    expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
    portalId = (await findPortalByExternalId(db(), 'hubspot', String(HUB)))!.id;
    worker = await product.startWorker();
    await waitUntil(async () => (await latestRunProgress(db(), portalId))?.status === 'succeeded', 360_000);
    const portal = sandbox.store.portal(HUB)!;
    expect(portal.propertyGroups.get('companies')!.has('churn_risk')).toBe(true);
    const created = [...portal.properties.get('companies')!.keys()];
    expect(created).toEqual(
      expect.arrayContaining(['churn_risk_score', 'churn_risk_tier', 'churn_risk_reasons']),
    );
    await waitUntil(
      () => Object.keys(COMPANIES).every((k) => sandboxCompany(k as CompanyKey).properties.churn_risk_tier),
      120_000,
    );
    for (const key of Object.keys(COMPANIES) as CompanyKey[]) {
      const props = sandboxCompany(key).properties;
      expect(Number(props.churn_risk_score)).toBeGreaterThanOrEqual(0);
      expect(['low', 'medium', 'high']).toContain(props.churn_risk_tier);
      expect(props.churn_risk_reasons).toBeTruthy();
    }
  }, 300_000);

  it('gives each company its risk from known contact scores and its signals, tiered by rank', async () => {
    await updatePortalSettings(
      db(),
      portalId,
      { tiers: { kind: 'share', highShare: 0.2, mediumShare: 0.4 } },
      'test',
    );
    first = await runWithScores('accounts-1');
    const northwind = await accountRow(first, 'northwind');
    expect(northwind.probability).toBeCloseTo(1 - (1 - 0.483333) * 0.9 * 0.9 * 0.875, 5);
    expect(northwind.active_contacts).toBe(3);
    expect(northwind.decision_maker_id).toBe(ids.nw1);
    // Revenue of the last year from those still customers: 20,000 + 3,000, not the 7,000 of the one who left.
    expect(northwind.value).toBe(23_000);
    expect(northwind.renewal_at?.toISOString()).toBe(daysFromRun(21));
    expect(northwind.renewal_value).toBe(12_000);
    // Contacts by rank over ten (20 % high, 40 % medium): 0.9 and 0.7 high; 0.6, 0.5, 0.4 and 0.3 medium.
    expect(northwind.reasons.map((r) => r.text)).toEqual([
      'Decision-maker Nora West at medium risk (60 %)',
      '1 of 4 customers left in the last year',
      '2 of 3 contacts medium risk',
      '1 open high-priority ticket',
      'Renewal in 21 days worth 12,000',
    ]);

    // Globex: ½ × 0.9 + ½ × 0.7; Umbrella's decision-maker brings the revenue though the other is riskier.
    expect((await accountRow(first, 'globex')).probability).toBeCloseTo(0.8, 10);
    const umbrella = await accountRow(first, 'umbrella');
    expect(umbrella.probability).toBeCloseTo(0.5 * 0.4 + 0.5 * 0.55, 10);
    expect(umbrella.reasons.map((r) => r.text)).toEqual([
      'Decision-maker Uma Moss at medium risk (40 %)',
      '1 of 2 contacts high risk',
    ]);
    // Hooli: nobody brings revenue, so the longest-standing customer decides.
    const hooli = await accountRow(first, 'hooli');
    expect(hooli.decision_maker_id).toBe(ids.ho2);
    expect(hooli.probability).toBeCloseTo(0.5 * 0.15 + 0.5 * 0.125, 10);
    expect(hooli.reasons).toEqual([]);

    // Five companies by rank (20 % high, 40 % medium): Globex high, Northwind and Umbrella medium.
    const tiers = await db()
      .selectFrom('account_scores')
      .select(['company_id', 'tier'])
      .where('run_id', '=', first)
      .orderBy('probability', 'desc')
      .execute();
    expect(tiers.map((t) => [t.company_id, t.tier])).toEqual([
      [ids.globex, 'high'],
      [ids.northwind, 'medium'],
      [ids.umbrella, 'medium'],
      [ids.hooli, 'low'],
      [ids.initech, 'low'],
    ]);
  });

  it('writes the score, tier and reasons to the company record, then nothing while they stay the same', async () => {
    const before = companyWrites().length;
    const result = await writeAccountsBack(first);
    expect(result.failed).toBe(0);
    expect(result.written + result.unchanged).toBe(5);
    expect(companyWrites().length - before).toBe(result.written > 0 ? 1 : 0);
    const northwind = sandboxCompany('northwind').properties;
    // 0.633813…: the score keeps its tenth.
    expect(northwind.churn_risk_score).toBe('63.4');
    expect(northwind.churn_risk_tier).toBe('medium');
    expect(northwind.churn_risk_reasons).toBe(
      'Decision-maker Nora West at medium risk (60 %); 1 of 4 customers left in the last year; 2 of 3 contacts medium risk',
    );
    expect(sandboxCompany('initech').properties.churn_risk_reasons).toBe('No strong risk signals');
    expect(sandboxCompany('globex').properties).toMatchObject({
      churn_risk_score: '80',
      churn_risk_tier: 'high',
    });

    // The next run with the same scores sends nothing.
    const same = await runWithScores('accounts-2');
    const callsBefore = companyWrites().length;
    expect(await writeAccountsBack(same)).toMatchObject({ sent: 0, written: 0, unchanged: 5 });
    expect(companyWrites().length).toBe(callsBefore);

    // One contact's risk rising moves one company: only it is sent.
    const moved = await runWithScores('accounts-3', { ho1: 0.19 });
    expect(await writeAccountsBack(moved)).toMatchObject({ sent: 1, written: 1, unchanged: 4 });
    const sent = companyWrites().slice(callsBefore);
    expect(sent).toHaveLength(1);
    const { inputs } = JSON.parse(sent[0]!.body) as {
      inputs: { id: string; properties: Record<string, string> }[];
    };
    expect(inputs.map((i) => i.id)).toEqual([ids.hooli]);
    expect(sandboxCompany('hooli').properties.churn_risk_score).toBe('16');
  });

  it('splits a run’s companies into chunks that each start at their first company, every company in one', async () => {
    const runId = await runWithScores('accounts-chunks', { ho1: 0.25, gx1: 0.5 });
    const starts = await accountWriteChunkStarts(db(), runId, 2);
    expect(starts).toHaveLength(3);
    const results = [];
    for (const [chunk, from] of starts.entries())
      results.push(await writeAccountChunk(runId, chunk, 2, from));
    await completeRun(db(), runId, { drift: null, summary: {} });
    expect(results.map((r) => r.written + r.unchanged)).toEqual([2, 2, 1]);
    expect(results.reduce((n, r) => n + r.failed, 0)).toBe(0);
    expect(results.reduce((n, r) => n + r.written, 0)).toBeGreaterThanOrEqual(2);
    for (const key of Object.keys(COMPANIES) as CompanyKey[])
      expect(sandboxCompany(key).properties.churn_risk_score).toBe(
        scoreText((await accountRow(runId, key)).probability),
      );
  });
});
