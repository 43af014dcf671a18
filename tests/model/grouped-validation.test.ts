/**
 * Honest validation: folds that keep a group's rows together, the held-out figure they give when a
 * feature could recognise a group, and the out-of-time check with its interval.
 */
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_CANDIDATES } from '../../server/model/candidates.js';
import { datasetFromRecords, type Dataset } from '../../server/model/dataset.js';
import { stratifiedGroupFolds } from '../../server/model/grouped-folds.js';
import {
  calibrationFit,
  prAuc,
  rocAuc,
  weightedBrier,
  weightedPrAuc,
  weightedRocAuc,
  brierScore,
} from '../../server/model/metrics.js';
import { OUT_OF_TIME_MIN_CHURNERS } from '../../server/model/out-of-time.js';
import { SeededRandom } from '../../server/model/random.js';
import { parseModel, serializeModel } from '../../server/model/serialize.js';
import { trainModel } from '../../server/model/train.js';
import { syntheticCustomers, SYNTHETIC_FEATURES } from './synthetic.js';

/** Rows in groups of uneven size (1 to 8 rows), about a fifth of them churners, mixed within groups. */
function groupedLabels(groupCount: number, seed: number): { labels: Uint8Array; groups: string[] } {
  const random = new SeededRandom(seed);
  const labels: number[] = [];
  const groups: string[] = [];
  for (let g = 0; g < groupCount; g++) {
    const size = 1 + random.int(8);
    const risky = random.next() < 0.3;
    for (let r = 0; r < size; r++) {
      labels.push(random.next() < (risky ? 0.6 : 0.05) ? 1 : 0);
      groups.push(`g${g}`);
    }
  }
  return { labels: Uint8Array.from(labels), groups };
}

describe('folds kept by group', () => {
  const { labels, groups } = groupedLabels(400, 3);

  it('put every row of a group in the same fold', () => {
    const folds = stratifiedGroupFolds(labels, groups, 5, 42);
    const foldOf = new Map<string, number>();
    groups.forEach((g, row) => {
      if (!foldOf.has(g)) foldOf.set(g, folds[row]!);
      expect(folds[row]).toBe(foldOf.get(g));
    });
    expect(new Set(folds).size).toBe(5);
  });

  it('spread the churners evenly, to within the largest group’s churners', () => {
    const folds = stratifiedGroupFolds(labels, groups, 5, 42);
    const churners = new Array<number>(5).fill(0);
    const rows = new Array<number>(5).fill(0);
    labels.forEach((y, row) => {
      churners[folds[row]!]! += y;
      rows[folds[row]!]! += 1;
    });
    const perGroup = new Map<string, number>();
    labels.forEach((y, row) => perGroup.set(groups[row]!, (perGroup.get(groups[row]!) ?? 0) + y));
    const largest = Math.max(...perGroup.values());
    expect(Math.max(...churners) - Math.min(...churners)).toBeLessThanOrEqual(largest);
    expect(Math.max(...rows) - Math.min(...rows)).toBeLessThanOrEqual(8);
  });

  it('are the same for a seed and differ between seeds', () => {
    const a = stratifiedGroupFolds(labels, groups, 5, 7);
    expect(stratifiedGroupFolds(labels, groups, 5, 7)).toEqual(a);
    expect(stratifiedGroupFolds(labels, groups, 5, 8)).not.toEqual(a);
  });

  it('refuse groups that do not match the rows, and too few groups to fill the folds', () => {
    expect(() => stratifiedGroupFolds(labels, groups.slice(1), 5, 1)).toThrow(/one group per row/);
    const few = Uint8Array.of(1, 0, 1, 0);
    expect(() => stratifiedGroupFolds(few, ['a', 'a', 'b', 'b'], 3, 1)).toThrow(/fold 2 holds no churners/);
  });
});

/**
 * Contacts seen at several cutoffs, whose outcome is the same at each and unrelated to anything
 * but a weak signal; two "fingerprint" features are fixed per contact, so a model can learn to
 * recognise a contact it has already seen.
 */
function repeatedContacts(contacts: number, rowsEach: number, seed: number) {
  const random = new SeededRandom(seed);
  const records: Record<string, number>[] = [];
  const groups: string[] = [];
  for (let c = 0; c < contacts; c++) {
    const signal = random.normal();
    const churned = random.next() < 1 / (1 + Math.exp(-(-1.2 + 0.5 * signal))) ? 1 : 0;
    const fp1 = random.next();
    const fp2 = random.next();
    for (let r = 0; r < rowsEach; r++) {
      records.push({ fp1, fp2, signal: signal + random.normal(), label: churned });
      groups.push(`contact-${c}`);
    }
  }
  const dataset = datasetFromRecords(records, {
    features: [
      { name: 'fp1', kind: 'numeric', label: 'Fingerprint 1' },
      { name: 'fp2', kind: 'numeric', label: 'Fingerprint 2' },
      { name: 'signal', kind: 'numeric', label: 'Signal' },
    ],
    label: 'label',
  });
  return { dataset, groups };
}

const TREES = DEFAULT_CANDIDATES.filter((c) => c.family === 'gbdt' && c.params.maxDepth === 4);

describe('training with row groups', () => {
  it('reports an honest (lower) held-out ROC-AUC when a feature recognises a contact', async () => {
    const { dataset, groups } = repeatedContacts(250, 6, 11);
    const options = { candidates: TREES, seed: 4, innerFolds: 3, threads: 1 };
    const byRow = await trainModel(dataset, options);
    const byGroup = await trainModel(dataset, { ...options, groups });
    expect(byRow.metrics!.cv_split).toBe('rows');
    expect(byGroup.metrics!.cv_split).toBe('groups');
    expect(byGroup.metrics!.cv_groups).toBe(250);
    // The signal alone is worth about 0.6; recognising contacts makes the row-split figure soar.
    expect(byGroup.metrics!.roc_auc).toBeLessThan(0.68);
    expect(byRow.metrics!.roc_auc).toBeGreaterThan(byGroup.metrics!.roc_auc + 0.15);
    // Early stopping no longer runs on to memorise the contacts.
    expect(byGroup.selection[0]!.iterations!).toBeLessThan(byRow.selection[0]!.iterations!);
  }, 300_000);

  it('without groups splits by row; a group per row gives a figure like it', async () => {
    const data = datasetFromRecords(syntheticCustomers(500, 2), {
      features: SYNTHETIC_FEATURES,
      label: 'churned',
    });
    const byRow = await trainModel(data, { families: ['logistic'], seed: 3, innerFolds: 3 });
    expect(byRow.metrics!.cv_split).toBe('rows');
    expect(byRow.metrics!.cv_groups).toBeUndefined();
    const groups = Array.from({ length: data.size }, (_, i) => `row-${i}`);
    const single = await trainModel(data, { families: ['logistic'], seed: 3, innerFolds: 3, groups });
    expect(single.metrics!.cv_groups).toBe(500);
    expect(Math.abs(single.metrics!.roc_auc - byRow.metrics!.roc_auc)).toBeLessThan(0.03);
  }, 300_000);
});

/** Six "cutoffs" of the synthetic customers: the first five fit, the last is validated on. */
function cutoffRows(perCutoff: number, seed: number): { dataset: Dataset; cutoff: number[] } {
  const records = [];
  const cutoff: number[] = [];
  for (let k = 0; k < 6; k++) {
    for (const customer of syntheticCustomers(perCutoff, seed + k)) {
      records.push(customer);
      cutoff.push(k);
    }
  }
  const dataset = datasetFromRecords(records, { features: SYNTHETIC_FEATURES, label: 'churned', id: 'id' });
  return { dataset, cutoff };
}

describe('the out-of-time check', () => {
  it('fits on the earlier cutoffs, judges the latest, and gives intervals and the churners behind them', async () => {
    const { dataset, cutoff } = cutoffRows(300, 31);
    const fit = cutoff.flatMap((k, i) => (k < 5 ? [i] : []));
    const validate = cutoff.flatMap((k, i) => (k === 5 ? [i] : []));
    const model = await trainModel(dataset, {
      families: ['logistic', 'gbdt'],
      seed: 8,
      innerFolds: 3,
      groups: dataset.ids!,
      outOfTime: { fit, validate, validateAt: '2026-08-03T00:00:00.000Z' },
    });
    const check = model.metrics!.out_of_time!;
    expect(check.status).toBe('measured');
    if (check.status !== 'measured') return;
    const churners = validate.reduce((s, i) => s + dataset.labels![i]!, 0);
    expect(check).toMatchObject({ rows: 300, churners, fit_rows: 1500, resamples: 200 });
    expect(check.validate_at).toBe('2026-08-03T00:00:00.000Z');
    // The synthetic customers' ids repeat at every cutoff, as a portal's contacts do.
    expect(check.repeated_contacts).toBe(300);
    for (const figure of [check.roc_auc, check.pr_auc, check.brier, check.calibration_slope]) {
      expect(figure.low).toBeLessThanOrEqual(figure.value);
      expect(figure.high).toBeGreaterThanOrEqual(figure.value);
    }
    expect(check.roc_auc.value).toBeGreaterThan(0.7);
    expect(check.roc_auc.high - check.roc_auc.low).toBeGreaterThan(0.02);
    expect(check.roc_auc.high - check.roc_auc.low).toBeLessThan(0.25);
    // Stored with the model and read back; a model saved before the check existed still loads.
    const reloaded = parseModel(serializeModel(model));
    expect(reloaded.metrics!.out_of_time).toEqual(check);
    const { out_of_time: _gone, cv_split: _split, cv_groups: _groups, ...older } = model.metrics!;
    expect(parseModel(serializeModel({ ...model, metrics: older })).metrics!.out_of_time).toBeUndefined();
  }, 300_000);

  it('keeps the linear model when it does better on the latest cutoff than the cross-validation’s choice', async () => {
    // Within each cutoff, risk rises with `usage_gap` measured from that cutoff's own level
    // (which moves each cutoff, as `period` says) and with a large `swing` either way. Trees learn
    // both inside the training data and win its cross-validation; on a later cutoff, past every
    // level they saw, they cannot carry the first on, while the linear model does.
    const random = new SeededRandom(12);
    const normal = () => random.normal();
    const records = [];
    const cutoff: number[] = [];
    for (let k = 0; k < 6; k++) {
      for (let i = 0; i < 400; i++) {
        const gap = 2 * k + normal();
        const swing = normal();
        const logit = -1.6 + 2 * (gap - 2 * k) + (Math.abs(swing) > 1 ? 2.2 : 0);
        records.push({
          id: `c${i}`,
          period: k,
          usage_gap: gap,
          swing,
          churned: random.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0,
        });
        cutoff.push(k);
      }
    }
    const dataset = datasetFromRecords(records, {
      features: [
        { name: 'period', kind: 'numeric', label: 'Period' },
        { name: 'usage_gap', kind: 'numeric', label: 'Usage gap' },
        { name: 'swing', kind: 'numeric', label: 'Swing' },
      ],
      label: 'churned',
      id: 'id',
    });
    const fit = cutoff.flatMap((k, i) => (k < 5 ? [i] : []));
    const validate = cutoff.flatMap((k, i) => (k === 5 ? [i] : []));
    const model = await trainModel(dataset, {
      families: ['logistic', 'gbdt'],
      seed: 8,
      innerFolds: 3,
      groups: dataset.ids!,
      outOfTime: { fit, validate },
    });
    const byCv = model.selection.reduce((best, r) => (r.cvRocAuc > best.cvRocAuc ? r : best));
    expect(byCv.family).toBe('gbdt');
    expect(model.metrics!.chosen_by).toBe('out_of_time');
    expect(model.predictor.family).toBe('logistic');
    expect(model.selection.find((r) => r.chosen)!.family).toBe('logistic');
    const check = model.metrics!.out_of_time!;
    if (check.status !== 'measured') throw new Error('the latest cutoff has churners enough');
    const alternative = model.metrics!.out_of_time_alternative!;
    expect(alternative.family).toBe('gbdt');
    expect(check.roc_auc.value).toBeGreaterThan(alternative.roc_auc);
    // Read back as stored.
    expect(parseModel(serializeModel(model)).metrics).toMatchObject({
      chosen_by: 'out_of_time',
      out_of_time_alternative: alternative,
    });
  }, 300_000);

  it('says there are too few churners instead of giving a figure', async () => {
    const { dataset, cutoff } = cutoffRows(300, 41);
    const fit = cutoff.flatMap((k, i) => (k < 5 ? [i] : []));
    const latest = cutoff.flatMap((k, i) => (k === 5 ? [i] : []));
    // Only a handful of the latest cutoff's churners kept: fewer than the minimum.
    const stayers = latest.filter((i) => dataset.labels![i] === 0);
    const someChurners = latest
      .filter((i) => dataset.labels![i] === 1)
      .slice(0, OUT_OF_TIME_MIN_CHURNERS - 1);
    const model = await trainModel(dataset, {
      families: ['logistic'],
      seed: 8,
      innerFolds: 3,
      outOfTime: { fit, validate: [...stayers, ...someChurners] },
    });
    expect(model.metrics!.out_of_time).toEqual(
      expect.objectContaining({
        status: 'too_few_churners',
        churners: OUT_OF_TIME_MIN_CHURNERS - 1,
        minimum: OUT_OF_TIME_MIN_CHURNERS,
      }),
    );
    expect(model.metrics!.out_of_time).not.toHaveProperty('roc_auc');
  }, 300_000);
});

describe('weighted metrics', () => {
  const random = new SeededRandom(5);
  const p = Float64Array.from({ length: 400 }, () => Math.round(random.next() * 50) / 50);
  const y = Uint8Array.from(p, (q) => (random.next() < q ? 1 : 0));
  const unit = { churner: y, stayer: Uint8Array.from(y, (v) => 1 - v) };

  it('match the plain metrics when every row counts once (ties included)', () => {
    expect(weightedRocAuc(p, unit)).toBeCloseTo(rocAuc(p, y), 12);
    expect(weightedPrAuc(p, unit)).toBeCloseTo(prAuc(p, y), 12);
    expect(weightedBrier(p, unit)).toBeCloseTo(brierScore(p, y), 12);
  });

  it('count a row drawn twice as two rows', () => {
    const twice = [...p.keys()].flatMap((i) => (i % 3 === 0 ? [i, i] : [i]));
    const weight = Float64Array.from(p, (_, i) => (i % 3 === 0 ? 2 : 1));
    const weights = {
      churner: Float64Array.from(y, (v, i) => v * weight[i]!),
      stayer: Float64Array.from(y, (v, i) => (1 - v) * weight[i]!),
    };
    const pp = twice.map((i) => p[i]!);
    const yy = twice.map((i) => y[i]!);
    expect(weightedRocAuc(p, weights)).toBeCloseTo(rocAuc(pp, yy), 12);
    expect(weightedPrAuc(p, weights)).toBeCloseTo(prAuc(pp, yy), 12);
  });

  it('find slope 1 and intercept 0 for probabilities that are calibrated by construction', () => {
    const r = new SeededRandom(9);
    const q = Float64Array.from({ length: 20_000 }, () => 1 / (1 + Math.exp(-(r.normal() * 1.5 - 1))));
    const outcome = Uint8Array.from(q, (v) => (r.next() < v ? 1 : 0));
    const fit = calibrationFit(q, { churner: outcome, stayer: Uint8Array.from(outcome, (v) => 1 - v) });
    expect(fit.slope).toBeCloseTo(1, 1);
    expect(fit.intercept).toBeCloseTo(0, 1);
  });
});
