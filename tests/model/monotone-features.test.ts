import { describe, expect, it } from '@jest/globals';
import { FEATURE_CATALOGUE, featureSpecs } from '../../server/features/index.js';
import { datasetFromRecords, type Dataset, type FeatureSpec } from '../../server/model/dataset.js';
import { encode, encodedFeatures, fitEncoder, type EncoderState } from '../../server/model/encoder.js';
import { GbdtScorer } from '../../server/model/gbdt-scorer.js';
import { fitGbdt, type GbdtParams } from '../../server/model/gbdt.js';
import { fitLogistic } from '../../server/model/logistic.js';
import { SeededRandom } from '../../server/model/random.js';
import { trainModel } from '../../server/model/train.js';

const TREES: GbdtParams = {
  maxDepth: 4,
  learningRate: 0.1,
  rounds: 120,
  minChildWeight: 1,
  lambda: 1,
  subsample: 0.8,
  colsample: 0.8,
  maxBins: 255,
};

type Customer = { usage: number; tickets: number; tone: number | null; churned: number };

/**
 * Customers whose tickets cut both ways in the data: a heavy user who files tickets is engaged and
 * stays more, a light one leaves more; and a happier tone goes with leaving (a sample's accident).
 * Held to "tickets never lower the risk" and "a worse tone never lowers it", a model must not learn
 * either backwards effect.
 */
function customers(count: number, seed: number): Customer[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => {
    const usage = random.normal();
    const tickets = random.int(7);
    const tone = random.next() < 0.2 ? null : 2 * random.next() - 1;
    const z = -1.2 - usage + tickets * (usage > 0.3 ? -0.45 : 0.35) + 0.8 * (tone ?? 0);
    return { usage, tickets, tone, churned: random.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0 };
  });
}

function features(held: boolean): FeatureSpec[] {
  return [
    { name: 'usage', kind: 'numeric', label: 'Usage' },
    { name: 'tickets', kind: 'numeric', label: 'Tickets', ...(held ? { monotone: 1 as const } : {}) },
    { name: 'tone', kind: 'numeric', label: 'Tone', ...(held ? { monotone: -1 as const } : {}) },
  ];
}

function dataset(rows: Customer[], held: boolean): Dataset {
  return datasetFromRecords(rows, { features: features(held), label: 'churned' });
}

/**
 * How often the model's risk moves against a feature's direction when only that feature moves:
 * each of the rows is scored at every value in `values` (in rising order), the rest of it kept.
 */
function movesAgainst(
  logits: (data: Dataset) => Float64Array,
  rows: Customer[],
  feature: 'tickets' | 'tone',
  values: number[],
  direction: 1 | -1,
): number {
  let against = 0;
  for (const row of rows) {
    const variants = values.map((v) => ({ ...row, [feature]: v }));
    const z = logits(dataset(variants, false));
    for (let k = 1; k < z.length; k++) if (direction * (z[k]! - z[k - 1]!) < -1e-12) against++;
  }
  return against;
}

async function treesOn(rows: Customer[], held: boolean) {
  const data = dataset(rows, held);
  const { state, matrix } = fitEncoder(data, data.labels!, new SeededRandom(1));
  const fit = await fitGbdt(matrix, data.labels!, TREES, new SeededRandom(2));
  const scorer = new GbdtScorer(fit.state);
  return { encoder: state, logits: (d: Dataset) => scorer.logits(encode(state, d)) };
}

const TICKETS = [0, 1, 2, 3, 4, 5, 6];
const TONES = [-1, -0.6, -0.2, 0.2, 0.6, 1];

describe('features the model is held to (monotone)', () => {
  const training = customers(4000, 7);
  const probes = customers(150, 8);

  it('trees never lower the risk as tickets rise or the tone worsens, where free trees do', async () => {
    const free = await treesOn(training, false);
    const held = await treesOn(training, true);
    // Free trees learn the data's backwards effects: the check below can fail.
    expect(movesAgainst(free.logits, probes, 'tickets', TICKETS, 1)).toBeGreaterThan(50);
    expect(movesAgainst(free.logits, probes, 'tone', TONES, -1)).toBeGreaterThan(50);
    expect(movesAgainst(held.logits, probes, 'tickets', TICKETS, 1)).toBe(0);
    expect(movesAgainst(held.logits, probes, 'tone', TONES, -1)).toBe(0);
    // A missing tone reads as its median, with no flag of its own to move the risk either way.
    expect(encodedFeatures(held.encoder).map((f) => f.name)).toEqual(['usage', 'tickets', 'tone']);
    expect(encodedFeatures(free.encoder).map((f) => f.name)).toContain('tone (missing)');
  });

  it('a logistic regression keeps a held weight on its side of zero, and fits the rest as before', async () => {
    const weights = async (held: boolean) => {
      const data = dataset(training, held);
      const { state, matrix } = fitEncoder(data, data.labels!, new SeededRandom(1));
      const fit = await fitLogistic(matrix, data.labels!, { C: 1 });
      return nameWeights(state, fit.weights);
    };
    const free = await weights(false);
    const held = await weights(true);
    // In the data a happier tone goes with leaving: free, the weight says so; held, it stays at 0.
    expect(free.tone!).toBeGreaterThan(0.1);
    expect(held.tone).toBe(0);
    // Tickets rise with risk on average here: within the direction, the weight is left to the data.
    expect(free.tickets!).toBeGreaterThan(0);
    expect(held.tickets!).toBeGreaterThan(0);
    expect(held.usage!).toBeLessThan(-0.3);
  });

  it('a table with a held feature is fitted by the families that can be held to it, never a network', async () => {
    const model = await trainModel(dataset(customers(1200, 9), true), { seed: 3, innerFolds: 3, threads: 1 });
    const families = new Set(model.selection.map((c) => c.family));
    expect(families).toEqual(new Set(['logistic', 'gbdt']));
  });

  it('every feature of the catalogue held to a direction names one', () => {
    const held = FEATURE_CATALOGUE.filter((f) => f.monotone);
    expect(held.map((f) => f.name)).toEqual(
      expect.arrayContaining(['tickets_30d', 'support_sentiment_mean_90d']),
    );
    for (const f of held) expect(f.risk).not.toBe('none');
    const specs = new Map(featureSpecs().map((s) => [s.name, s.monotone]));
    expect(specs.get('tickets_30d')).toBe(1);
    expect(specs.get('support_sentiment_worst_90d')).toBe(-1);
    expect(specs.get('usage_trend')).toBeUndefined();
  });
});

function nameWeights(state: EncoderState, weights: number[]): Record<string, number> {
  return Object.fromEntries(encodedFeatures(state).map((f, j) => [f.name, weights[j]!]));
}
