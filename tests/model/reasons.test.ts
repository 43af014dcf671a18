import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Family, TrainedModel } from '../../server/model/model.js';
import { scoreDataset, scoreRows, topReasons, type Score } from '../../server/model/score.js';
import { trainModel } from '../../server/model/train.js';
import { syntheticCustomers, syntheticDataset } from './synthetic.js';

const FAMILIES: Family[] = ['logistic', 'mlp', 'gbdt'];
const models = new Map<Family, TrainedModel>();

beforeAll(async () => {
  const dataset = syntheticDataset(900, 1);
  for (const family of FAMILIES) {
    models.set(family, await trainModel(dataset, { families: [family], innerFolds: 3, seed: 7 }));
  }
});

function sumOfReasons(score: Score): number {
  return score.reasons!.reduce((s, r) => s + r.contribution, score.baseLogit!);
}

describe('reasons', () => {
  it.each(FAMILIES)('%s: every score’s reasons add up to its logit', async (family) => {
    const model = models.get(family)!;
    expect(model.predictor.family).toBe(family);
    const scores = await scoreDataset(model, syntheticDataset(200, 2));
    // The network scores in float32 on TensorFlow.js; its attributions are exact in float64.
    const tolerance = family === 'mlp' ? 1e-4 : 1e-9;
    for (const score of scores) {
      expect(Math.abs(sumOfReasons(score) - score.logit)).toBeLessThan(tolerance);
      expect(score.probability).toBeCloseTo(1 / (1 + Math.exp(-score.logit)), 12);
    }
  });

  it.each(FAMILIES)('%s: reasons carry the catalogue’s labels and the customer’s values', async (family) => {
    const [customer] = syntheticCustomers(1, 3);
    const [score] = await scoreRows(models.get(family)!, [customer!], { idKey: 'id' });
    expect(score!.id).toBe('c0');
    expect(score!.reasons!.map((r) => r.label).sort()).toEqual([
      'Days since last login',
      'Hours of use per week',
      'Months as a customer',
      'Plan',
      'Reads the newsletter',
      'Support tickets',
    ]);
    const plan = score!.reasons!.find((r) => r.feature === 'plan')!;
    expect(plan.value).toBe(customer!.plan);
    const newsletter = score!.reasons!.find((r) => r.feature === 'newsletter')!;
    expect(newsletter.value).toBe(customer!.newsletter ? 'yes' : 'no');
  });

  it.each(FAMILIES)('%s: a long-inactive customer’s top reason up is inactivity', async (family) => {
    const base = { tickets: 1, tenure_months: 30, plan: 'pro', newsletter: false, usage_hours: 5 };
    const [away] = await scoreRows(models.get(family)!, [{ ...base, days_inactive: 90 }]);
    const [active] = await scoreRows(models.get(family)!, [{ ...base, days_inactive: 0 }]);
    expect(away!.probability).toBeGreaterThan(active!.probability);
    const up = topReasons(away!, 3).up;
    expect(up[0]!.feature).toBe('days_inactive');
    expect(up[0]!.value).toBe(90);
    const inactivity = active!.reasons!.find((r) => r.feature === 'days_inactive')!;
    expect(inactivity.contribution).toBeLessThan(0);
  });

  it('top reasons split into pushes up and pushes down, strongest first', async () => {
    const [score] = await scoreDataset(models.get('logistic')!, syntheticDataset(1, 4));
    const { up, down } = topReasons(score!, 2);
    expect(up.length).toBeLessThanOrEqual(2);
    expect(up.every((r) => r.contribution > 0)).toBe(true);
    expect(down.every((r) => r.contribution < 0)).toBe(true);
    const magnitudes = score!.reasons!.map((r) => Math.abs(r.contribution));
    expect(magnitudes).toEqual([...magnitudes].sort((a, b) => b - a));
  });

  it.each(FAMILIES)('%s: asked for the strongest few each way, gives exactly those', async (family) => {
    const model = models.get(family)!;
    const data = syntheticDataset(150, 5);
    const all = await scoreDataset(model, data);
    const few = await scoreDataset(model, data, { reasonsEachWay: 2 });
    few.forEach((score, i) => {
      const { up, down } = topReasons(all[i]!, 2);
      expect(score.probability).toBe(all[i]!.probability);
      expect(score.reasons).toEqual(
        [...up, ...down].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution)),
      );
    });
  });
});
