import { describe, expect, it } from '@jest/globals';
import { assignGroup, holdoutDraw } from '../../server/workflows/holdout.js';

const contacts = Array.from({ length: 20_000 }, (_, i) => String(100_000 + i));

describe('holdout assignment', () => {
  it('puts a contact in the same group every time for the same campaign', () => {
    for (const id of contacts.slice(0, 500)) {
      expect(assignGroup(7, 'winback-q4', id, 20)).toBe(assignGroup(7, 'winback-q4', id, 20));
    }
  });

  it('holds out the asked share of contacts', () => {
    for (const percent of [5, 20, 50]) {
      const control = contacts.filter((id) => assignGroup(7, 'winback-q4', id, percent) === 'control').length;
      // Binomial standard error at n = 20,000 is at most 0.35 points; allow four of them.
      expect(Math.abs(control / contacts.length - percent / 100)).toBeLessThan(0.014);
    }
  });

  it('0 % treats everyone and 100 % holds everyone out', () => {
    expect(contacts.every((id) => assignGroup(7, 'c', id, 0) === 'treatment')).toBe(true);
    expect(contacts.every((id) => assignGroup(7, 'c', id, 100) === 'control')).toBe(true);
  });

  it('a larger holdout keeps the contacts of a smaller one in control', () => {
    const small = contacts.filter((id) => assignGroup(7, 'c', id, 10) === 'control');
    expect(small.every((id) => assignGroup(7, 'c', id, 30) === 'control')).toBe(true);
  });

  it('draws independently per campaign and per portal', () => {
    const inA = new Set(contacts.filter((id) => assignGroup(7, 'campaign-a', id, 20) === 'control'));
    const inB = contacts.filter((id) => assignGroup(7, 'campaign-b', id, 20) === 'control');
    const both = inB.filter((id) => inA.has(id)).length;
    // Independent draws overlap on about 20 % × 20 % = 4 % of contacts, not 20 %.
    expect(both / contacts.length).toBeGreaterThan(0.03);
    expect(both / contacts.length).toBeLessThan(0.05);
    const sameDraw = contacts.filter((id) => holdoutDraw(7, 'c', id) === holdoutDraw(8, 'c', id)).length;
    expect(sameDraw).toBe(0);
  });

  it('draws are uniform over [0, 1)', () => {
    const deciles = new Array<number>(10).fill(0);
    for (const id of contacts) deciles[Math.floor(holdoutDraw(3, 'x', id) * 10)]!++;
    for (const count of deciles) expect(Math.abs(count - 2000)).toBeLessThan(200);
  });
});
