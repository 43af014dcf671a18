/**
 * The demo's win-back holdout: 10 % where the first cycle scored enough customers high, more in a
 * small demo, so that the Retention effect page has a control group to compare with.
 */
import { describe, expect, it } from '@jest/globals';
import { winBackHoldoutPercent } from '../../cli/demo-campaign.js';

describe('the demo win-back’s holdout', () => {
  it('is 10 % when that holds ten or more customers out', () => {
    expect(winBackHoldoutPercent(100)).toBe(10);
    expect(winBackHoldoutPercent(320)).toBe(10);
  });

  it('grows in a small demo until about ten are held out', () => {
    expect(winBackHoldoutPercent(50)).toBe(20);
    expect(winBackHoldoutPercent(40)).toBe(25);
    expect(winBackHoldoutPercent(30)).toBe(34);
  });

  it('never holds out more than half', () => {
    expect(winBackHoldoutPercent(19)).toBe(50);
    expect(winBackHoldoutPercent(0)).toBe(50);
  });
});
