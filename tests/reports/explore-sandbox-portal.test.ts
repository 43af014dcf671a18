import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generatePortal } from '../../sandbox/generator/index.js';
import { SandboxStore } from '../../sandbox/store.js';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import { buildTrainingSet, featureSpecs, type TrainingRow } from '../../server/features/index.js';
import { datasetFromRecords, subsetDataset, type Dataset } from '../../server/model/dataset.js';
import { SeededRandom } from '../../server/model/random.js';
import { predictProbabilities } from '../../server/model/score.js';
import { trainModel } from '../../server/model/train.js';
import { liveContactCount } from '../../server/features/build/contact-chunks.js';
import { portalExploreReport, type ExploreReport } from '../../server/reports/index.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { rocAuc } from '../support/roc-auc.js';
import { DAY } from '../features/features-warehouse.js';
import { loadSandboxPortal } from '../features/features-sandbox-load.js';

const NOW = new Date('2026-11-01T00:00:00Z');

/**
 * The features through which each hidden driver of the generator's churn process
 * (sandbox/generator/churn-process.ts) shows in the CRM.
 */
const TRACES: Record<string, readonly string[]> = {
  usage: [
    'usage_minutes_per_week_4w',
    'sessions_per_week_4w',
    'days_since_last_use',
    'usage_trend',
    'usage_vs_own_baseline',
    'sessions_trend',
    'features_used_4w',
  ],
  dissatisfaction: [
    'support_sentiment_mean_90d',
    'support_sentiment_worst_90d',
    'support_sentiment_trend',
    'nps_last',
    'nps_mean',
    'nps_detractor_count',
    'feedback_sentiment_mean',
  ],
  tickets: [
    'tickets_30d',
    'tickets_90d',
    'tickets_open',
    'tickets_open_over_7d',
    'tickets_high_priority_share_90d',
  ],
  ignoredEmails: [
    'email_open_rate_90d',
    'emails_opened_30d',
    'emails_opened_90d',
    'days_since_last_open',
    'email_response_rate_90d',
    'emails_unopened_in_a_row',
  ],
  tenureAndRenewal: ['tenure_days', 'days_to_next_renewal', 'purchases_total', 'purchases_365d'],
  // A shock to the whole company shows in its other contacts: their usage, their leaving, their tickets.
  companyShock: [
    'account_usage_trend',
    'account_contacts_left_180d',
    'account_contacts_active',
    'account_tickets_90d',
  ],
};
const ALL_TRACES = new Set(Object.values(TRACES).flat());

let database: TestDatabase;
let portalId: number;
let report: ExploreReport;

beforeAll(async () => {
  database = await openTestDatabase();
  const crm = new SandboxStore().createPortal(42);
  generatePortal(crm, { contacts: 1000, seed: 5, now: NOW });
  const portal = await upsertInstalledPortal(database.db, {
    crm: 'hubspot',
    externalId: '42',
    name: 'Generated',
    domain: null,
  });
  portalId = portal.id;
  await loadSandboxPortal(database.db, portalId, crm);
  report = await portalExploreReport(database.db, portalId, { asOf: NOW, chunkSize: 500 });
}, 300_000);
afterAll(async () => {
  await database.dispose();
});

const rankOf = (name: string) => report.ranking.findIndex((v) => v.variable === name);
const bestRank = (group: readonly string[]) => Math.min(...group.map(rankOf).filter((r) => r >= 0));

describe('exploration of a generated portal', () => {
  it('ranks the behaviours that drive the hidden churn process at the top', () => {
    const top = report.ranking.slice(0, 8).map((v) => v.variable);
    // Every one of the strongest variables is a trace of a hidden driver, none a bystander.
    expect(top.filter((name) => !ALL_TRACES.has(name))).toEqual([]);
    // Falling and habitually low usage, the strongest drivers, lead; dissatisfaction and ignored
    // emails follow closely.
    expect(bestRank(TRACES.usage!)).toBe(0);
    expect(bestRank(TRACES.dissatisfaction!)).toBeLessThan(8);
    expect(bestRank(TRACES.ignoredEmails!)).toBeLessThan(8);
    for (const bystander of ['country', 'customer_segment'])
      expect(rankOf(bystander) === -1 || rankOf(bystander) >= 15).toBe(true);
    // An industry is shared by the contacts of a few companies, so it picks up their companies'
    // shocks by chance: a bystander still, never among the strongest.
    expect(rankOf('company_industry') === -1 || rankOf('company_industry') >= 8).toBe(true);
  });

  it('says which way each variable points, with its information value', () => {
    const byName = new Map(report.ranking.map((v) => [v.variable, v]));
    expect(byName.get('usage_minutes_per_week_4w')).toMatchObject({ direction: 'lower values, more churn' });
    expect(byName.get('days_since_last_use')).toMatchObject({ direction: 'higher values, more churn' });
    expect(byName.get('usage_minutes_per_week_4w')!.informationValue).toBeGreaterThan(0.3);
    expect(byName.get('country')?.informationValue ?? 0).toBeLessThan(0.1);
  });

  it('gives the churn rate overall and by segment; new customers churn more', () => {
    expect(report.churned).toBeGreaterThan(80);
    expect(report.churnRate).toBeCloseTo(report.churned / report.rows, 10);
    const tenure = report.segments.find((s) => s.variable.startsWith('tenure band'))!;
    const rate = (value: string) => tenure.bands.find((b) => b.value === value)!.rate;
    expect(rate('< 90')).toBeGreaterThan(1.5 * rate('≥ 730'));
    const plan = report.segments.find((s) => s.variable === 'plan')!;
    expect(plan.bands.reduce((s, b) => s + b.rows, 0)).toBe(report.rows);
    expect(report.segments.map((s) => s.variable)).toEqual(
      expect.arrayContaining(['lifecycle stage', 'plan', 'country', 'ticket band (tickets in 90 days)']),
    );
  });

  it('shows usage falling and days without use growing in the 90 days before churn, not for retained customers', () => {
    const pattern = (name: string) => report.earlyWarning!.find((w) => w.feature === name)!;
    const idle = pattern('days_since_last_use');
    expect(idle.offsets).toEqual([-90, -60, -30, 0]);
    expect(idle.churned[3]! - idle.churned[0]!).toBeGreaterThan(5);
    expect(Math.abs(idle.retained[3]! - idle.retained[0]!)).toBeLessThan(3);
    const minutes = pattern('usage_minutes_per_week_4w');
    expect(minutes.churned[3]!).toBeLessThan(0.8 * minutes.churned[0]!);
    expect(minutes.churned[3]!).toBeLessThan(minutes.retained[3]!);
    const strongest = report.earlyWarning!.slice(0, 5).map((w) => w.feature);
    expect(strongest.filter((name) => !ALL_TRACES.has(name))).toEqual([]);
  });
});

describe('exploration of a large portal', () => {
  it('keeps a uniform sample of the rows, which ranks the same drivers first', async () => {
    const sampled = await portalExploreReport(database.db, portalId, {
      asOf: NOW,
      maxRows: 2000,
      chunkSize: 500,
    });
    expect(sampled.sampledFrom).toBe(report.rows);
    expect(sampled.rows).toBe(2000);
    expect(sampled.churnRate).toBeCloseTo(report.churnRate, 1);
    expect(TRACES.usage).toContain(sampled.ranking[0]!.variable);
    // Early warning reads every row, not the sample.
    expect(sampled.earlyWarning).toEqual(report.earlyWarning);
  }, 300_000);

  it('reads a fixed sample of a bigger portal’s contacts, says so, and ranks the same drivers first', async () => {
    const sampled = await portalExploreReport(database.db, portalId, {
      asOf: NOW,
      maxContacts: 400,
      chunkSize: 500,
    });
    const live = await liveContactCount(database.db, portalId);
    // About 400 of the live contacts' rows: a share of the full report's.
    const share = 400 / Number(live);
    expect(sampled.rows).toBeGreaterThan(report.rows * share * 0.8);
    expect(sampled.rows).toBeLessThan(report.rows * share * 1.2);
    expect(sampled.population).toMatch(
      new RegExp(`^A uniform sample of about 400 of the portal's ${live} contacts`),
    );
    expect(Math.abs(sampled.churnRate - report.churnRate)).toBeLessThan(0.03);
    expect(TRACES.usage).toContain(sampled.ranking[0]!.variable);
    // The same sample each time.
    const again = await portalExploreReport(database.db, portalId, {
      asOf: NOW,
      maxContacts: 400,
      chunkSize: 500,
    });
    expect(again.rows).toBe(sampled.rows);
  }, 300_000);
});

describe('leakage', () => {
  /** Training rows over monthly cutoffs; held-out rows are other customers, never seen in training. */
  async function splitByContact(): Promise<{ train: Dataset; test: Dataset }> {
    const cutoffs = Array.from({ length: 12 }, (_, k) => new Date(NOW.getTime() - (450 - 30 * k) * DAY));
    const rows: TrainingRow[] = [];
    for await (const chunk of buildTrainingSet(database.db, portalId, {
      cutoffs,
      horizonDays: 90,
      observedUntil: NOW,
    }))
      rows.push(...chunk);
    const dataset = datasetFromRecords(
      rows.map((r) => ({ ...r.values, label: r.label })),
      { features: featureSpecs(), label: 'label' },
    );
    const contacts = [...new Set(rows.map((r) => r.contactId))];
    const heldOut = new Set(new SeededRandom(3).shuffle(contacts).slice(0, Math.floor(contacts.length / 2)));
    const index = rows.map((r, i) => [i, heldOut.has(r.contactId)] as const);
    return {
      train: subsetDataset(
        dataset,
        index.filter(([, h]) => !h).map(([i]) => i),
      ),
      test: subsetDataset(
        dataset,
        index.filter(([, h]) => h).map(([i]) => i),
      ),
    };
  }

  async function heldOutAuc(train: Dataset, test: Dataset): Promise<number> {
    const model = await trainModel(train, {
      seed: 42,
      candidates: [{ family: 'logistic', params: { C: 1 } }],
      innerFolds: 3,
    });
    const p = await predictProbabilities(model, test);
    return rocAuc(
      Array.from(p),
      Array.from(test.labels!, (y) => y === 1),
    );
  }

  it('a model trained on shuffled labels ranks held-out customers no better than chance', async () => {
    const { train, test } = await splitByContact();
    expect(test.labels!.reduce((s, y) => s + y, 0)).toBeGreaterThan(150);
    // The same rows with their true labels are learnable: the check below could fail.
    expect(await heldOutAuc(train, test)).toBeGreaterThan(0.7);
    // Five shuffles: rows of one customer at several cutoffs move together, so one shuffle varies a lot.
    const random = new SeededRandom(9);
    const aucs: number[] = [];
    for (let k = 0; k < 5; k++) {
      const shuffled = { ...train, labels: random.shuffle(Uint8Array.from(train.labels!)) };
      aucs.push(await heldOutAuc(shuffled, test));
    }
    expect(Math.abs(aucs.reduce((a, b) => a + b) / aucs.length - 0.5)).toBeLessThan(0.06);
  }, 300_000);
});
