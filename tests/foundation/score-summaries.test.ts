/**
 * The summaries the database keeps of the scores (each contact's current score with the last one of
 * an earlier week, each week's tier counts), as the at-risk list, the card and the overview read
 * them, against the same summaries worked out from every score stored.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { migrateToLatest, migrateUpTo } from '../../server/db/migrate.js';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import { json } from '../../server/db/json.js';
import { saveModel } from '../../server/model/registry.js';
import { SeededRandom } from '../../server/model/random.js';
import { starterModel } from '../../server/model/starter.js';
import { storeScores } from '../../server/scoring/score-contacts.js';
import type { Tier } from '../../server/scoring/tiers.js';
import { openTestDatabase, testDatabaseKind, type TestDatabase } from '../support/database.js';

const DAY_MS = 24 * 3600 * 1000;
const TIERS: Tier[] = ['low', 'medium', 'high'];

interface Stored {
  contactId: string;
  probability: number;
  tier: Tier;
  scoredAt: Date;
}

/** Monday of the UTC week, as `score_week` gives it. */
function weekOf(at: Date): string {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
  return day.toISOString().slice(0, 10);
}

/** What the summaries hold by definition, from every score stored. */
function expectedSummaries(scores: readonly Stored[]) {
  const byContact = new Map<string, Stored[]>();
  for (const s of scores) byContact.set(s.contactId, [...(byContact.get(s.contactId) ?? []), s]);
  const current = [...byContact].map(([contactId, own]) => {
    const sorted = [...own].sort((a, b) => b.scoredAt.getTime() - a.scoredAt.getTime());
    const latest = sorted[0]!;
    const previous = sorted.find((s) => weekOf(s.scoredAt) < weekOf(latest.scoredAt));
    return {
      contactId,
      probability: latest.probability,
      tier: latest.tier,
      scoredAt: latest.scoredAt.toISOString(),
      previousProbability: previous?.probability ?? null,
      previousTier: previous?.tier ?? null,
      previousScoredAt: previous?.scoredAt.toISOString() ?? null,
    };
  });
  const lastOfWeek = new Map<string, Stored>();
  for (const s of scores) {
    const key = `${weekOf(s.scoredAt)} ${s.contactId}`;
    const held = lastOfWeek.get(key);
    if (!held || held.scoredAt < s.scoredAt) lastOfWeek.set(key, s);
  }
  const weeks = new Map<string, { contacts: number; high: number; medium: number; sum: number }>();
  for (const s of lastOfWeek.values()) {
    const week = weekOf(s.scoredAt);
    const w = weeks.get(week) ?? { contacts: 0, high: 0, medium: 0, sum: 0 };
    weeks.set(week, {
      contacts: w.contacts + 1,
      high: w.high + (s.tier === 'high' ? 1 : 0),
      medium: w.medium + (s.tier === 'medium' ? 1 : 0),
      sum: w.sum + s.probability,
    });
  }
  return {
    current: current.sort((a, b) => a.contactId.localeCompare(b.contactId)),
    weeks: [...weeks].map(([week, w]) => ({ week, ...w })).sort((a, b) => a.week.localeCompare(b.week)),
  };
}

describe(`the score summaries on ${testDatabaseKind()}`, () => {
  let handle: TestDatabase;
  let firstPortal: number;
  let firstModel: number;

  beforeAll(async () => {
    handle = await openTestDatabase();
    firstPortal = (
      await upsertInstalledPortal(handle.db, { crm: 'hubspot', externalId: '977', name: 'S', domain: null })
    ).id;
    firstModel = (await saveModel(handle.db, firstPortal, starterModel(), { activate: true })).id;
  });
  afterAll(async () => {
    await handle.dispose();
  });

  async function storedSummaries(portalId: number) {
    const current = await handle.db
      .selectFrom('current_scores')
      .selectAll()
      .where('portal_id', '=', portalId)
      .orderBy('contact_id')
      .execute();
    const weeks = await handle.db
      .selectFrom('score_weekly_totals')
      .selectAll()
      .where('portal_id', '=', portalId)
      .orderBy('week')
      .execute();
    return {
      current: current.map((c) => ({
        contactId: c.contact_id,
        probability: c.probability,
        tier: c.tier,
        scoredAt: c.scored_at.toISOString(),
        previousProbability: c.previous_probability,
        previousTier: c.previous_tier,
        previousScoredAt: c.previous_scored_at?.toISOString() ?? null,
      })),
      weeks: weeks.map((w) => ({
        week: weekOf(w.week),
        contacts: w.contacts,
        high: w.high,
        medium: w.medium,
        sum: w.probability_sum,
      })),
    };
  }

  function expectSame(
    stored: Awaited<ReturnType<typeof storedSummaries>>,
    expected: ReturnType<typeof expectedSummaries>,
  ) {
    expect(stored.current).toEqual(expected.current);
    expect(stored.weeks.map(({ sum: _, ...w }) => w)).toEqual(expected.weeks.map(({ sum: _, ...w }) => w));
    stored.weeks.forEach((w, i) => expect(w.sum).toBeCloseTo(expected.weeks[i]!.sum, 9));
  }

  /** Statements of scores at random, checking both summaries after each. */
  async function walk(portalId: number, modelId: number, seed: number) {
    const random = new SeededRandom(seed);
    const contacts = Array.from({ length: 7 }, (_, i) => `31${i}`);
    const all: Stored[] = [];
    let clock = Date.UTC(2026, 8, 7, 6);
    for (let statement = 0; statement < 40; statement++) {
      const some = contacts.filter(() => random.next() < 0.5);
      if (statement % 3 === 2) {
        // One statement holding scores of one contact in several weeks (as a backfill writes them).
        const rows = some.flatMap((contactId) =>
          Array.from({ length: 1 + random.int(3) }, (_, k) => ({
            contactId,
            probability: random.next(),
            tier: TIERS[random.int(3)]!,
            scoredAt: new Date(clock + k * (2 + random.int(6)) * DAY_MS + random.int(3600_000)),
          })),
        );
        if (rows.length === 0) continue;
        await handle.db
          .insertInto('scores')
          .values(
            rows.map((r) => ({
              portal_id: portalId,
              contact_id: r.contactId,
              model_id: modelId,
              probability: r.probability,
              tier: r.tier,
              reasons: json([]),
              scored_at: r.scoredAt,
              trigger: 'backfill',
            })),
          )
          .execute();
        all.push(...rows);
        clock = Math.max(...rows.map((r) => r.scoredAt.getTime())) + 1000;
      } else {
        // A run's chunk or a rescoring: one time for the statement.
        const scoredAt = new Date(clock);
        const rows = some.map((contactId) => ({
          contactId,
          probability: random.next(),
          tier: TIERS[random.int(3)]!,
          scoredAt,
        }));
        await storeScores(handle.db, {
          portalId,
          modelId,
          runId: null,
          trigger: 'rescore',
          scoredAt,
          scores: rows.map((r) => ({ ...r, reasons: [] })),
        });
        all.push(...rows);
      }
      clock += random.int(4) * DAY_MS + random.int(3 * 3600_000) + 1000;
      expectSame(await storedSummaries(portalId), expectedSummaries(all));
    }
    // The walk crossed weeks and kept earlier weeks' scores as "previous".
    const summaries = expectedSummaries(all);
    expect(summaries.weeks.length).toBeGreaterThan(8);
    expect(summaries.current.filter((c) => c.previousScoredAt !== null).length).toBeGreaterThan(3);
  }

  it('after every statement, equal the summaries worked out from all the scores stored', async () => {
    await walk(firstPortal, firstModel, 23);
  });

  it('a score older than the current one, stored late in the same week, changes neither summary', async () => {
    const before = await storedSummaries(firstPortal);
    const current = before.current[0]!;
    await storeScores(handle.db, {
      portalId: firstPortal,
      modelId: firstModel,
      runId: null,
      trigger: 'rescore',
      scoredAt: new Date(new Date(current.scoredAt).getTime() - 1000),
      scores: [{ contactId: current.contactId, probability: 0.999, tier: 'high', reasons: [] }],
    });
    expect(await storedSummaries(firstPortal)).toEqual(before);
  });

  it('are kept the same way by the function a migration back to 0022 puts back', async () => {
    await migrateUpTo(handle.db, '0022-owners-active');
    try {
      const other = (
        await upsertInstalledPortal(handle.db, { crm: 'hubspot', externalId: '978', name: 'T', domain: null })
      ).id;
      const otherModel = (await saveModel(handle.db, other, starterModel(), { activate: true })).id;
      await walk(other, otherModel, 29);
    } finally {
      await migrateToLatest(handle.db);
    }
  });
});
