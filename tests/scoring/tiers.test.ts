import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { json } from '../../server/db/json.js';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import { saveModel } from '../../server/model/registry.js';
import { starterModel } from '../../server/model/starter.js';
import { assignTiers, planRun } from '../../server/scoring/cycle-steps.js';
import { openRun } from '../../server/scoring/runs.js';
import { storeScores } from '../../server/scoring/score-contacts.js';
import { openTestDatabase, testDatabaseKind, type TestDatabase } from '../support/database.js';

const CONTACTS = 200;

describe(`tiers on ${testDatabaseKind()}`, () => {
  let handle: TestDatabase;
  let portalId: number;
  let modelId: number;

  beforeAll(async () => {
    handle = await openTestDatabase();
    portalId = (
      await upsertInstalledPortal(handle.db, { crm: 'hubspot', externalId: '941', name: 'A', domain: null })
    ).id;
    modelId = (await saveModel(handle.db, portalId, starterModel(), { activate: true })).id;
    // Contact i has probability i / 200 and an ARR of 1,000 × (i mod 10) in a custom property.
    await handle.db
      .insertInto('contacts')
      .values(
        Array.from({ length: CONTACTS }, (_, i) => ({
          portal_id: portalId,
          id: String(1000 + i),
          properties: json({ arr: String(1000 * (i % 10)) }),
        })),
      )
      .execute();
  });
  afterAll(async () => {
    await handle.dispose();
  });

  async function scoredRun(jobId: string): Promise<number> {
    const { run } = await openRun(handle.db, portalId, 'manual', jobId);
    await planRun(handle.db, run.id, portalId, { modelId, asOf: new Date() });
    await storeScores(handle.db, {
      portalId,
      modelId,
      runId: run.id,
      trigger: 'cycle',
      scoredAt: new Date(),
      scores: Array.from({ length: CONTACTS }, (_, i) => ({
        contactId: String(1000 + i),
        probability: i / CONTACTS,
        reasons: [],
        tier: 'low' as const,
      })),
    });
    return run.id;
  }

  async function tierCounts(runId: number) {
    const rows = await handle.db
      .selectFrom('scores')
      .select(['tier', sql<number>`count(*)::int`.as('n')])
      .where('run_id', '=', runId)
      .groupBy('tier')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.tier, r.n]));
  }

  it('puts the riskiest 10 % in high and the next 20 % in medium by default', async () => {
    const runId = await scoredRun('share');
    await assignTiers(handle.db, runId, { tiers: { kind: 'share', highShare: 0.1, mediumShare: 0.2 } });
    expect(await tierCounts(runId)).toEqual({ high: 20, medium: 40, low: 140 });
    await handle.db
      .updateTable('scoring_runs')
      .set({ status: 'succeeded' })
      .where('id', '=', runId)
      .execute();
  });

  it('gives the list the run’s own tiers: each current score carries the tier stored with it', async () => {
    const runId = await scoredRun('current');
    const shares = { kind: 'share' as const, highShare: 0.15, mediumShare: 0.25 };
    await assignTiers(handle.db, runId, { tiers: shares });
    const current = await handle.db
      .selectFrom('current_scores as c')
      .innerJoin('scores as s', (j) =>
        j.onRef('s.portal_id', '=', 'c.portal_id').onRef('s.contact_id', '=', 'c.contact_id'),
      )
      .select(['c.contact_id', 'c.tier as listed', 's.tier as stored'])
      .where('s.run_id', '=', runId)
      .execute();
    expect(current).toHaveLength(CONTACTS);
    for (const row of current) expect([row.contact_id, row.listed]).toEqual([row.contact_id, row.stored]);
    expect(await tierCounts(runId)).toEqual({ high: 30, medium: 50, low: 120 });
    const week = await handle.db
      .selectFrom('score_weekly_totals')
      .select(['high', 'medium'])
      .where('portal_id', '=', portalId)
      .orderBy('week', 'desc')
      .executeTakeFirstOrThrow();
    expect(week).toEqual({ high: 30, medium: 50 });
  });

  it('treats a contact when the value it saves is worth the offer (cost-aware)', async () => {
    const runId = await scoredRun('cost');
    // High when p × 0.5 × ARR > 1,000; medium when it is worth at least half of that.
    await assignTiers(handle.db, runId, {
      tiers: {
        kind: 'cost_aware',
        offerCost: 1000,
        saveRate: 0.5,
        valueProperty: 'arr',
        defaultValue: 0,
        mediumFactor: 0.5,
      },
    });
    const rows = await handle.db
      .selectFrom('scores')
      .select(['contact_id', 'probability', 'tier'])
      .where('run_id', '=', runId)
      .execute();
    for (const row of rows) {
      const arr = 1000 * ((Number(row.contact_id) - 1000) % 10);
      const saved = row.probability * 0.5 * arr;
      const expected = saved > 1000 ? 'high' : saved >= 500 ? 'medium' : 'low';
      expect([row.contact_id, row.tier]).toEqual([row.contact_id, expected]);
    }
    const counts = await tierCounts(runId);
    expect(counts.high).toBeGreaterThan(0);
    expect(counts.medium).toBeGreaterThan(0);
  });
});
