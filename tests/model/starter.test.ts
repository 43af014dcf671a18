import { describe, expect, it } from '@jest/globals';
import { FEATURE_CATALOGUE } from '../../server/features/catalogue.js';
import { scoreRows } from '../../server/model/score.js';
import { needsStarterModel, starterModel, STARTER_WEIGHTS } from '../../server/model/starter.js';

describe('the starter model', () => {
  it('scores a customer with every behaviour normal at the documented 10 %', async () => {
    const normal = Object.fromEntries(STARTER_WEIGHTS.map((w) => [w.name, w.normal]));
    const [score] = await scoreRows(starterModel(), [normal]);
    expect(score!.probability).toBeCloseTo(0.1, 12);
    expect(score!.reasons!.every((r) => r.contribution === 0)).toBe(true);
  });

  it('moves the log-odds by the documented weight per unit, and holds values within range', async () => {
    const [weeksAway] = await scoreRows(starterModel(), [{ days_since_last_use: 7 + 28 }]);
    const reason = weeksAway!.reasons!.find((r) => r.feature === 'days_since_last_use')!;
    expect(reason.contribution).toBeCloseTo(2 * 0.3, 12);
    const [yearAway] = await scoreRows(starterModel(), [{ days_since_last_use: 365 }]);
    const capped = yearAway!.reasons!.find((r) => r.feature === 'days_since_last_use')!;
    expect(capped.contribution).toBeCloseTo(((120 - 7) / 14) * 0.3, 12);
  });

  it('ranks a disengaged, unhappy customer above a loyal, engaged one, with reasons that add up', async () => {
    const [unhappy, loyal] = await scoreRows(starterModel(), [
      {
        days_since_last_use: 60,
        usage_trend: -3,
        tickets_90d: 5,
        support_sentiment_mean_90d: -0.7,
        nps_last: 2,
      },
      { days_since_last_use: 1, usage_trend: 0.2, tickets_90d: 0, nps_last: 10, tenure_days: 1500 },
    ]);
    expect(unhappy!.tier).toBe('high');
    expect(loyal!.tier).toBe('low');
    for (const score of [unhappy!, loyal!]) {
      const sum = score.reasons!.reduce((s, r) => s + r.contribution, score.baseLogit!);
      expect(sum).toBeCloseTo(score.logit, 12);
    }
    expect(unhappy!.reasons![0]!.feature).toBe('days_since_last_use');
  });

  it('uses only the features a portal’s catalogue has, under the catalogue’s labels', () => {
    const model = starterModel([
      { name: 'nps_last', label: 'Latest NPS' },
      { name: 'lifecycle_stage', label: 'Lifecycle stage' },
    ]);
    expect(model.isStarter).toBe(true);
    expect(model.encoder.features).toEqual([{ name: 'nps_last', kind: 'numeric', label: 'Latest NPS' }]);
    expect(() => starterModel([{ name: 'plan', label: 'Plan' }])).toThrow('needs at least one of');
  });

  it('reads features the warehouse builds: every starter feature is in the feature catalogue', () => {
    const model = starterModel(FEATURE_CATALOGUE);
    expect(model.encoder.features.map((f) => f.name)).toEqual(STARTER_WEIGHTS.map((w) => w.name));
    const catalogue = new Map(FEATURE_CATALOGUE.map((f) => [f.name, f]));
    for (const feature of model.encoder.features) {
      expect(feature.label).toBe(catalogue.get(feature.name)!.label);
      expect(catalogue.get(feature.name)!.type).toBe('numeric');
    }
  });

  it('is used below 50 labelled churners', () => {
    expect(needsStarterModel(49)).toBe(true);
    expect(needsStarterModel(50)).toBe(false);
  });
});
