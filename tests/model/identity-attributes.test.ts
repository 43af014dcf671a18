import { describe, expect, it } from '@jest/globals';
import { featureSpecs } from '../../server/features/index.js';
import { IDENTITY_GAIN, IDENTITY_MAX_BINS } from '../../server/model/candidates.js';
import { datasetFromRecords, type Dataset, type FeatureSpec } from '../../server/model/dataset.js';
import { encode, encodedFeatures, fitEncoder, type Matrix } from '../../server/model/encoder.js';
import { GbdtScorer } from '../../server/model/gbdt-scorer.js';
import { fitGbdt, type GbdtParams, type GbdtState } from '../../server/model/gbdt.js';
import { logLoss } from '../../server/model/metrics.js';
import { SeededRandom } from '../../server/model/random.js';
import { TreeExplainer } from '../../server/model/tree-shap.js';

const TREES: GbdtParams = {
  maxDepth: 4,
  learningRate: 0.1,
  rounds: 150,
  minChildWeight: 1,
  lambda: 1,
  subsample: 0.8,
  colsample: 0.8,
  maxBins: 255,
};

const FEATURES: FeatureSpec[] = [
  { name: 'usage', kind: 'numeric', label: 'Usage' },
  { name: 'tickets', kind: 'numeric', label: 'Tickets' },
  { name: 'company_size', kind: 'numeric', label: 'Company size', identity: true },
];

/**
 * Contacts of companies, six rows each (a contact at six cutoffs, say). Churn follows usage and
 * tickets plus a shock shared by the company's rows, which nothing observed explains. Every company
 * has a size of its own, so a tree can tell companies apart by size and learn their shocks by
 * heart; companies never seen in training gain nothing from that.
 */
function companies(count: number, seed: number): Dataset {
  const random = new SeededRandom(seed);
  const records = Array.from({ length: count }).flatMap((_, c) => {
    const shock = 1.5 * random.normal();
    const size = 5 + c * 7 + random.int(7);
    return Array.from({ length: 6 }, () => {
      const usage = random.normal();
      const tickets = random.int(4);
      const z = -1 - 1.2 * usage + 0.3 * tickets + shock;
      return { usage, tickets, company_size: size, churned: random.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0 };
    });
  });
  return datasetFromRecords(records, { features: FEATURES, label: 'churned' });
}

/** Each input feature's share of the mean absolute TreeSHAP value over the rows. */
function importanceShares(state: GbdtState, x: Matrix, sources: number[]): number[] {
  const explainer = new TreeExplainer(state);
  const phi = new Float64Array(x.cols);
  const totals = new Array<number>(Math.max(...sources) + 1).fill(0);
  for (let i = 0; i < x.rows; i++) {
    phi.fill(0);
    explainer.explain(x.data, i * x.cols, phi);
    phi.forEach((v, j) => (totals[sources[j]!]! += Math.abs(v)));
  }
  const sum = totals.reduce((s, v) => s + v, 0);
  return totals.map((v) => v / sum);
}

describe('identity-like attributes in the trees', () => {
  it('weighs a company size that lets it learn each company by heart down, and predicts new companies no worse', async () => {
    const size = FEATURES.findIndex((f) => f.name === 'company_size');
    /** On three tables, the size's share of importance and the log-loss on new companies. */
    const fit = async (identityGain: number) => {
      let share = 0;
      let heldOutLoss = 0;
      for (const seed of [1, 11, 21]) {
        const train = companies(400, seed);
        const unseen = companies(400, seed + 1);
        const { state: encoder, matrix } = fitEncoder(train, train.labels!, new SeededRandom(3));
        const sources = encodedFeatures(encoder).map((f) => f.source);
        const params = { ...TREES, identityGain };
        const { state } = await fitGbdt(matrix, train.labels!, params, new SeededRandom(4));
        const logits = new GbdtScorer(state).logits(encode(encoder, unseen));
        share += importanceShares(state, matrix, sources)[size]! / 3;
        heldOutLoss +=
          logLoss(
            Array.from(logits, (z) => 1 / (1 + Math.exp(-z))),
            unseen.labels!,
          ) / 3;
      }
      return { share, heldOutLoss };
    };
    const full = await fit(1);
    const penalised = await fit(IDENTITY_GAIN);

    expect(full.share).toBeGreaterThan(0.25);
    expect(penalised.share).toBeLessThan(0.9 * full.share);
    expect(penalised.heldOutLoss).toBeLessThanOrEqual(full.heldOutLoss);
  });

  it('cuts a company size into a few bands, so new companies are predicted better than with fine cuts', async () => {
    const size = FEATURES.findIndex((f) => f.name === 'company_size');
    const fit = async (identityMaxBins: number | undefined) => {
      let heldOutLoss = 0;
      const sizeCuts = new Set<number>();
      for (const seed of [1, 11, 21]) {
        const train = companies(400, seed);
        const unseen = companies(400, seed + 1);
        const { state: encoder, matrix } = fitEncoder(train, train.labels!, new SeededRandom(3));
        const column = encodedFeatures(encoder).findIndex(
          (f) => f.source === size && f.name === 'company_size',
        );
        const params = { ...TREES, identityGain: IDENTITY_GAIN, identityMaxBins };
        const { state } = await fitGbdt(matrix, train.labels!, params, new SeededRandom(4));
        state.feature.forEach((f, k) => f === column && sizeCuts.add(state.threshold[k]!));
        const logits = new GbdtScorer(state).logits(encode(encoder, unseen));
        heldOutLoss +=
          logLoss(
            Array.from(logits, (z) => 1 / (1 + Math.exp(-z))),
            unseen.labels!,
          ) / 3;
      }
      return { heldOutLoss, sizeCuts: sizeCuts.size };
    };
    const fine = await fit(undefined);
    const banded = await fit(IDENTITY_MAX_BINS);
    // Three tables of 400 companies: fine cuts reach dozens of sizes, the bands a few per table.
    expect(fine.sizeCuts).toBeGreaterThan(3 * IDENTITY_MAX_BINS);
    expect(banded.sizeCuts).toBeLessThanOrEqual(3 * (IDENTITY_MAX_BINS - 1));
    expect(banded.heldOutLoss).toBeLessThan(fine.heldOutLoss);
  });

  it('fits a table without identity-like columns exactly as without the penalty (a CSV)', async () => {
    const plain = companies(60, 5);
    plain.columns = plain.columns.map(({ identity: _identity, ...column }) => column);
    const { matrix } = fitEncoder(plain, plain.labels!, new SeededRandom(1));
    expect(matrix.identityColumns).toBeUndefined();
    const params = { ...TREES, rounds: 30 };
    const without = await fitGbdt(matrix, plain.labels!, params, new SeededRandom(2));
    const penalised = await fitGbdt(
      matrix,
      plain.labels!,
      { ...params, identityGain: IDENTITY_GAIN },
      new SeededRandom(2),
    );
    expect(penalised.state).toEqual(without.state);
  });

  it('penalises by a share of the gain between 0 and 1', async () => {
    const data = companies(20, 6);
    const { matrix } = fitEncoder(data, data.labels!, new SeededRandom(1));
    await expect(
      fitGbdt(matrix, data.labels!, { ...TREES, rounds: 2, identityGain: 0 }, new SeededRandom(2)),
    ).rejects.toThrow('identityGain must be in (0, 1]');
  });
});

describe('identity-like attributes in the encoder', () => {
  const SPECS: FeatureSpec[] = [
    { name: 'size', kind: 'numeric', label: 'Size', identity: true },
    { name: 'country', kind: 'categorical', label: 'Country', identity: true },
    { name: 'company', kind: 'categorical', label: 'Company', identity: true },
    { name: 'plan', kind: 'categorical', label: 'Plan' },
    { name: 'usage', kind: 'numeric', label: 'Usage' },
  ];
  /** 600 rows: the size sometimes unknown; countries of 400, 160 and 40 rows; 60 companies; plans as the countries. */
  const rows = Array.from({ length: 600 }, (_, i) => {
    const common = i < 400 ? 'A' : i < 560 ? 'B' : 'C';
    return {
      size: i % 9 === 0 ? null : 10 + (i % 50),
      country: common,
      company: `company-${i % 60}`,
      plan: common,
      usage: i % 7,
      churned: i % 3 === 0 ? 1 : 0,
    };
  });
  const dataset = datasetFromRecords(rows, { features: SPECS, label: 'churned' });

  it('flags every column encoded from an identity-like feature: value, missing flag, levels, churn rate', () => {
    const { state, matrix } = fitEncoder(dataset, dataset.labels!, new SeededRandom(1));
    const columns = encodedFeatures(state);
    expect(columns.map((c) => [c.name, c.identity])).toEqual([
      ['size', true],
      ['size (missing)', true],
      ['country=A', true],
      ['country=B', true],
      ['company (churn rate of category)', true],
      ['plan=A', false],
      ['plan=B', false],
      ['plan=C', false],
      ['usage', false],
    ]);
    expect(Array.from(matrix.identityColumns!)).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0]);
    expect(Array.from(encode(state, dataset, 0, 10).identityColumns!)).toEqual(
      Array.from(matrix.identityColumns!),
    );
  });

  it('gives a country seen on a few dozen rows no column of its own, where a plan would get one', () => {
    const { state } = fitEncoder(dataset, dataset.labels!, new SeededRandom(1));
    const names = encodedFeatures(state).map((c) => c.name);
    expect(names).not.toContain('country=C');
    expect(names).toContain('plan=C');
  });
});

describe('identity-like attributes in the catalogue', () => {
  it('are who the customer is: country, industry, company size and segment', () => {
    expect(
      featureSpecs()
        .filter((f) => f.identity)
        .map((f) => f.name)
        .sort(),
    ).toEqual(['company_industry', 'company_size', 'country', 'customer_segment']);
  });
});
