/**
 * The score people see, `scorePoints`: percent to one decimal, rounded as the database rounds, so
 * the at-risk list's SQL (its sort by change) and the numbers on the list, the card and in the CRM
 * are one and the same.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { seededRandom } from '../../sandbox/seeded-chance.js';
import { atRiskQuerySchema, listAtRisk, type AtRiskRow } from '../../server/api/dashboard/at-risk.js';
import { json } from '../../server/db/json.js';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import {
  apportionPoints,
  scoreChange,
  scorePoints,
  scorePointsSql,
  scoreText,
} from '../../server/scoring/score-points.js';
import { openTestDatabase, testDatabaseKind, type TestDatabase } from '../support/database.js';

describe('apportionPoints', () => {
  const tenths = (xs: number[]) => Math.round(xs.reduce((sum, x) => sum + x, 0) * 10);

  it('shows parts that add up to the score, where rounding each alone would not', () => {
    // 72.74 from the customers and 2.74 from the signals: 75.48, shown as 75.5. Alone, 72.7 + 2.7.
    expect(apportionPoints(0.7548, [72.74, 2.74])).toEqual([72.8, 2.7]);
    // The tenth goes to the part that lost most in the cut; on a tie, to the earlier part.
    expect(apportionPoints(0.7548, [2.73, 72.75])).toEqual([2.7, 72.8]);
    expect(apportionPoints(0.7548, [2.74, 72.74])).toEqual([2.8, 72.7]);
    // Parts that already add up stay as they are.
    expect(apportionPoints(0.5, [30, 20])).toEqual([30, 20]);
    expect(apportionPoints(0.123, [12.3])).toEqual([12.3]);
    expect(apportionPoints(0, [0, 0])).toEqual([0, 0]);
  });

  it('moves no part by more than a tenth, on random parts of random scores', () => {
    const random = seededRandom(24);
    for (let n = 0; n < 2_000; n++) {
      const parts = Array.from({ length: 1 + Math.floor(random() * 6) }, () => random() * 30);
      const total = parts.reduce((sum, x) => sum + x, 0);
      const shown = apportionPoints(total / 100, parts);
      expect(tenths(shown)).toBe(Math.round(scorePoints(total / 100) * 10));
      shown.forEach((x, i) => {
        expect(Math.round(x * 10) / 10).toBe(x);
        expect(Math.abs(x - parts[i]!)).toBeLessThan(0.1 + 1e-9);
      });
    }
  });
});

describe('scorePoints', () => {
  it('is the probability in percent, to one decimal, from 0 to 100', () => {
    expect(scorePoints(0)).toBe(0);
    expect(scorePoints(1)).toBe(100);
    expect(scorePoints(0.123)).toBe(12.3);
    expect(scorePoints(0.1234)).toBe(12.3);
    expect(scorePoints(0.1236)).toBe(12.4);
    expect(scorePoints(0.004)).toBe(0.4);
    expect(scorePoints(0.00049)).toBe(0);
    expect(scorePoints(0.99949)).toBe(99.9);
  });

  it('rounds a tie at the hundredth of a point up, from the decimal the probability reads as', () => {
    expect(scorePoints(0.0005)).toBe(0.1);
    expect(scorePoints(0.9995)).toBe(100);
    expect(scorePoints(0.1235)).toBe(12.4);
    // 12.345 points: the tie is a digit further, so it rounds down to 12.3.
    expect(scorePoints(0.12345)).toBe(12.3);
    // In binary 0.5005 × 1000 is 500.49999999999994; the score is still 50.1.
    expect(0.5005 * 1000).toBeLessThan(500.5);
    expect(scorePoints(0.5005)).toBe(50.1);
    expect(scorePoints(0.5115)).toBe(51.2);
  });

  it('never carries more than one decimal, and never reorders two probabilities', () => {
    const random = seededRandom(7);
    const probabilities = Array.from({ length: 5000 }, () => random() ** 3).sort((a, b) => a - b);
    const scores = probabilities.map(scorePoints);
    for (const score of scores) expect(String(score)).toMatch(/^\d{1,3}(\.\d)?$/);
    for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeGreaterThanOrEqual(scores[i - 1]!);
  });

  it('refuses what is not a number', () => {
    expect(() => scorePoints(Number.NaN)).toThrow(RangeError);
    expect(() => scorePoints(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('writes the CRM field as the plain number', () => {
    expect([0.123, 0.004, 1, 0, 0.5].map(scoreText)).toEqual(['12.3', '0.4', '100', '0', '50']);
  });

  it('changes by the difference of the two scores as shown', () => {
    expect(97.3 - 90.1).not.toBe(7.2);
    expect(scoreChange(97.3, 90.1)).toBe(7.2);
    expect(scoreChange(scorePoints(0.9951), scorePoints(0.9734))).toBe(2.2);
    expect(scoreChange(scorePoints(0.9734), scorePoints(0.9951))).toBe(-2.2);
    expect(scoreChange(12.3, 12.3)).toBe(0);
  });
});

describe(`scorePointsSql on ${testDatabaseKind()}`, () => {
  const CONTACTS = 3000;
  let handle: TestDatabase;
  let portalId: number;
  /** Contact id → [probability, previous probability], as stored. */
  const stored = new Map<string, [number, number | null]>();
  /** Ties at the hundredth of a point, and probabilities binary arithmetic rounds the wrong way. */
  const ties = [0.12345, 0.0005, 0.9995, 0.1235, 0.5005, 0.5115, 0.00049999999999999, 0.0004999999999999999];

  beforeAll(async () => {
    handle = await openTestDatabase();
    portalId = (
      await upsertInstalledPortal(handle.db, { crm: 'hubspot', externalId: '977', name: 'P', domain: null })
    ).id;
    const random = seededRandom(20_261_123);
    // Raw model outputs, and probabilities on a grid of four and five decimals where ties are common.
    const draw = (i: number) =>
      i < ties.length
        ? ties[i]!
        : [random(), Math.round(random() * 1e4) / 1e4, Math.round(random() * 1e5) / 1e5, random() ** 4][
            i % 4
          ]!;
    for (let i = 0; i < CONTACTS; i++) {
      stored.set(`c${String(i).padStart(5, '0')}`, [draw(i), i % 10 === 0 ? null : draw(CONTACTS - i)]);
    }
    const rows = [...stored].map(([contactId, [probability, previous]]) => ({
      portal_id: portalId,
      contact_id: contactId,
      model_id: 1,
      probability,
      tier: 'high',
      reasons: json([]),
      scored_at: new Date(),
      previous_probability: previous,
      previous_tier: previous === null ? null : 'high',
      previous_scored_at: previous === null ? null : new Date(Date.now() - 7 * 86_400_000),
    }));
    for (let at = 0; at < rows.length; at += 500) {
      await handle.db
        .insertInto('current_scores')
        .values(rows.slice(at, at + 500))
        .execute();
    }
  });
  afterAll(async () => {
    await handle.dispose();
  });

  it('gives every probability the score JavaScript gives it', async () => {
    const { rows } = await sql<{ contact_id: string; probability: number; points: string }>`
      select contact_id, probability, ${sql.raw(scorePointsSql('probability'))}::text as points
      from current_scores where portal_id = ${portalId}`.execute(handle.db);
    expect(rows).toHaveLength(CONTACTS);
    const differing = rows.filter((r) => Number(r.points) !== scorePoints(Number(r.probability)));
    expect(differing).toEqual([]);
    // What the database hands back is the probability stored, to the last bit.
    expect(rows.filter((r) => Number(r.probability) !== stored.get(r.contact_id)![0])).toEqual([]);
  });

  it("sorts the at-risk list by change exactly as each row's change reads", async () => {
    const listed: AtRiskRow[] = [];
    for (let offset = 0; ; offset += 500) {
      const query = atRiskQuerySchema.parse({
        tier: 'high,medium,low',
        sort: 'change',
        order: 'desc',
        limit: '500',
        offset: String(offset),
      });
      const page = await listAtRisk(handle.db, portalId, query);
      listed.push(...page.rows);
      if (listed.length >= page.total) break;
    }
    expect(listed).toHaveLength(CONTACTS);
    const expected = [...stored]
      .map(([contactId, [p, previous]]) => ({
        contactId,
        score: scorePoints(p),
        change: previous === null ? null : scoreChange(scorePoints(p), scorePoints(previous)),
      }))
      // Largest change first, no change last, then by contact: the list's order.
      .sort(
        (a, b) =>
          (b.change ?? -Infinity) - (a.change ?? -Infinity) ||
          (a.contactId < b.contactId ? -1 : a.contactId > b.contactId ? 1 : 0),
      );
    expect(listed.map((r) => [r.contactId, r.score, r.change])).toEqual(
      expected.map((e) => [e.contactId, e.score, e.change]),
    );
  });
});
