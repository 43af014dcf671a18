import { describe, expect, it } from '@jest/globals';
import type { TrainingRow } from '../../server/features/labels.js';
import { outOfTimeSplit, trainingCutoffs } from '../../server/scoring/portal-model.js';

const NOW = new Date('2026-12-01T00:00:00Z');
const cutoffs = trainingCutoffs(NOW);
const row = (contactId: string, cutoff: Date): TrainingRow => ({ contactId, cutoff, values: {}, label: 0 });

describe('the out-of-time split of a portal model', () => {
  it('judges the latest cutoff and fits on cutoffs whose horizon had ended by then', () => {
    const rows = cutoffs.map((cutoff, k) => row(`c${k}`, cutoff));
    const split = outOfTimeSplit(rows, cutoffs);
    expect(split.validate).toEqual([0]);
    // Cutoffs 1 and 2 (30 and 60 days before the latest) were still inside its 90-day horizon.
    expect(split.fit).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(split.validateAt).toBe(cutoffs[0]!.toISOString());
    expect(split.fitPeriod).toEqual({ from: cutoffs[11]!.toISOString(), to: cutoffs[3]!.toISOString() });
  });

  it('names the period of the rows it fits on, not of every cutoff asked for', () => {
    const rows = [row('a', cutoffs[0]!), row('b', cutoffs[4]!), row('c', cutoffs[6]!), row('d', cutoffs[5]!)];
    expect(outOfTimeSplit(rows, cutoffs).fitPeriod).toEqual({
      from: cutoffs[6]!.toISOString(),
      to: cutoffs[4]!.toISOString(),
    });
  });

  it('names no fit period when no row can be fitted on', () => {
    const split = outOfTimeSplit([row('a', cutoffs[0]!), row('b', cutoffs[1]!)], cutoffs);
    expect(split.fit).toEqual([]);
    expect(split.fitPeriod).toBeUndefined();
  });
});
