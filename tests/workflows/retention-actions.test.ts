import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import { BadRequestError } from '../../server/errors.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { BullMqWorkQueue } from '../../server/jobs/bullmq-work-queue.js';
import { Queues } from '../../server/jobs/queues.js';
import { performRetentionAction, type RetentionDeps } from '../../server/workflows/perform-action.js';
import {
  applyRedemptionImport,
  receiveRedemptionsCsv,
  redemptionImportReport,
} from '../../server/workflows/redemption-import.js';
import { redeemOffer } from '../../server/workflows/redemptions.js';
import { submitSurveyAnswer, surveyState } from '../../server/workflows/survey.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';

let redis: EmbeddedRedis;
let database: TestDatabase;
let queues: Queues;
let deps: RetentionDeps;
let portalId: number;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  database = await openTestDatabase();
  queues = new Queues({ redisUrl: redis.url, prefix: 'retention-actions-test' });
  deps = {
    db: database.db,
    work: new BullMqWorkQueue(queues),
    publicUrl: 'https://churn.example.com/',
    surveyKey: Buffer.alloc(32, 7),
  };
  portalId = (
    await upsertInstalledPortal(database.db, { crm: 'hubspot', externalId: '77', name: 'Acme', domain: null })
  ).id;
}, 300_000);
afterAll(async () => {
  await queues.close();
  await database.dispose();
  await redis.stop();
});

const OFFER = {
  offer_type: 'discount',
  discount_percent: '20',
  validity_days: '30',
  holdout_percent: '0',
  campaign: 'q4',
};

const count = async (
  table: 'retention_actions' | 'retention_offers' | 'survey_requests' | 'loyalty_ledger',
) =>
  Number(
    (
      await database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

const queuedJobs = async () =>
  (await queues.get('workflows').getJobCounts('waiting', 'delayed', 'active')) as Record<string, number>;

describe('a retention action on a contact', () => {
  it('a treated offer gets a unique, unguessable code that expires after its validity', async () => {
    const codes = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const result = await performRetentionAction(deps, {
        portalId,
        contactId: String(5000 + i),
        action: 'send-retention-offer',
        requestKey: `offer-${i}`,
        inputs: OFFER,
      });
      expect(result).toMatchObject({ group: 'treatment', state: 'BLOCK', replayed: false });
      codes.add(String(result.outputFields.offer_code));
      const expires = new Date(String(result.outputFields.offer_expires_at)).getTime();
      expect(Math.abs(expires - (Date.now() + 30 * 86_400_000))).toBeLessThan(60_000);
    }
    expect(codes.size).toBe(40);
    for (const code of codes) expect(code).toMatch(/^CR-[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    const offer = await database.db
      .selectFrom('retention_offers')
      .selectAll()
      .where('contact_id', '=', '5000')
      .executeTakeFirstOrThrow();
    expect(offer).toMatchObject({
      offer_type: 'discount',
      discount_percent: 20,
      validity_days: 30,
      campaign_id: 'q4',
    });
  });

  it('a replayed request key answers the first outputs and creates nothing', async () => {
    const request = {
      portalId,
      contactId: '6001',
      action: 'send-retention-offer' as const,
      requestKey: 'cb-6001',
      inputs: OFFER,
    };
    const first = await performRetentionAction(deps, request);
    const before = { actions: await count('retention_actions'), offers: await count('retention_offers') };
    const again = await Promise.all([1, 2, 3].map(() => performRetentionAction(deps, request)));
    for (const replay of again) {
      expect(replay).toMatchObject({ id: first.id, replayed: true, outputFields: first.outputFields });
    }
    expect({ actions: await count('retention_actions'), offers: await count('retention_offers') }).toEqual(
      before,
    );
    // The CRM work is one job, however often the step is replayed.
    const job = await queues.get('workflows').getJob(`retention-action-${first.id}`);
    expect(job?.data).toEqual({ actionId: first.id });
  });

  it('a contact in the holdout is recorded as control and given nothing', async () => {
    const before = await count('retention_offers');
    const jobs = await queuedJobs();
    const result = await performRetentionAction(deps, {
      portalId,
      contactId: '6002',
      action: 'send-retention-offer',
      requestKey: 'cb-6002',
      inputs: { ...OFFER, holdout_percent: 100 },
    });
    expect(result).toMatchObject({ group: 'control', state: 'SUCCESS', outputFields: { group: 'control' } });
    expect(await count('retention_offers')).toBe(before);
    expect(await queuedJobs()).toEqual(jobs);
    const row = await database.db
      .selectFrom('retention_actions')
      .selectAll()
      .where('id', '=', result.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ group: 'control', status: 'completed', campaign_id: 'q4' });
  });

  it('refuses bad inputs with a clear message and creates nothing', async () => {
    const before = await count('retention_actions');
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ ...OFFER, holdout_percent: '120' }, /holdout_percent/],
      [{ ...OFFER, offer_type: 'cashback' }, /offer_type/],
      [{ ...OFFER, discount_percent: '' }, /discount_percent is required for a discount offer/],
      [{ ...OFFER, validity_days: undefined }, /validity_days/],
      [{ ...OFFER, campaign: '  ' }, /campaign/],
    ];
    for (const [inputs, message] of bad) {
      const attempt = performRetentionAction(deps, {
        portalId,
        contactId: '6003',
        action: 'send-retention-offer',
        requestKey: `bad-${String(message)}`,
        inputs,
      });
      await expect(attempt).rejects.toThrow(BadRequestError);
      await expect(attempt).rejects.toThrow(message);
    }
    expect(await count('retention_actions')).toBe(before);
  });

  it('loyalty points stop at the cap for the period, and a replay awards nothing more', async () => {
    const reward = (key: string) =>
      performRetentionAction(deps, {
        portalId,
        contactId: '7001',
        action: 'loyalty-reward',
        requestKey: key,
        inputs: {
          points: 40,
          period_days: 30,
          cap_per_period: 100,
          holdout_percent: 0,
          campaign: `loyal-${key}`,
        },
      });
    const awarded = [];
    for (const key of ['a', 'b', 'c', 'd']) awarded.push((await reward(key)).outputFields);
    expect(awarded.map((o) => o.points_awarded)).toEqual([40, 40, 20, 0]);
    expect(awarded.map((o) => o.loyalty_balance)).toEqual([40, 80, 100, 100]);
    expect((await reward('b')).outputFields).toEqual(awarded[1]);
    expect(await count('loyalty_ledger')).toBe(4);
  });

  it('a feedback request gives a personal survey link that takes one answer', async () => {
    const result = await performRetentionAction(deps, {
      portalId,
      contactId: '8001',
      action: 'request-feedback',
      requestKey: 'cb-8001',
      inputs: { holdout_percent: 0, campaign: 'voice-of-customer' },
    });
    expect(result.state).toBe('SUCCESS');
    const url = String(result.outputFields.survey_url);
    expect(url).toMatch(/^https:\/\/churn\.example\.com\/s\/[A-Za-z0-9_-]{32}$/);
    const token = url.split('/s/')[1]!;
    expect(await surveyState(database.db, token)).toBe('open');
    const first = await submitSurveyAnswer(database.db, token, {
      score: 3,
      comment: 'Support never answers and the app is slow.',
    });
    expect(first).toMatchObject({ status: 'recorded', contactId: '8001' });
    expect(first.status === 'recorded' && first.sentiment).toBeLessThan(0);
    expect(await submitSurveyAnswer(database.db, token, { score: 10, comment: undefined })).toEqual({
      status: 'answered',
    });
    expect(
      await surveyState(
        database.db,
        token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      ),
    ).toBe('unknown');
    const feedback = await database.db
      .selectFrom('feedback')
      .selectAll()
      .where('portal_id', '=', portalId)
      .execute();
    expect(feedback).toEqual([expect.objectContaining({ score: 3, survey_type: 'NPS' })]);
  });

  it('an offer code is redeemed once, by billing’s report or a CSV import', async () => {
    const offer = await database.db
      .selectFrom('retention_offers')
      .select('code')
      .where('contact_id', '=', '5001')
      .executeTakeFirstOrThrow();
    const other = await database.db
      .selectFrom('retention_offers')
      .select('code')
      .where('contact_id', '=', '5002')
      .executeTakeFirstOrThrow();
    expect(
      await redeemOffer(database.db, portalId, {
        code: offer.code.toLowerCase().replace(/-/g, ' '),
        value: 25,
      }),
    ).toEqual({
      code: offer.code,
      status: 'redeemed',
    });
    expect((await redeemOffer(database.db, portalId, { code: offer.code })).status).toBe('already_redeemed');
    const csv = `code,redeemed_at,value\n${other.code},${new Date().toISOString()},12.5\n${offer.code},,\nCR-0000-0000-0000-0000,,\n`;
    const { importId, rows } = await receiveRedemptionsCsv(database.db, portalId, [Buffer.from(csv)]);
    expect(rows).toBe(3);
    expect(await applyRedemptionImport(database.db, importId)).toBe('applied');
    const imported = await redemptionImportReport(database.db, portalId, importId);
    expect(imported).toMatchObject({ status: 'succeeded', rows: 3, rowsDone: 3, refusedTotal: 2 });
    expect(imported.counts).toEqual({
      redeemed: 1,
      already_redeemed: 1,
      expired: 0,
      unknown_code: 1,
      date_out_of_range: 0,
    });
    expect(imported.refused.map((r) => r.line)).toEqual([3, 4]);
    // Applied again (a worker that crashed after its last batch): nothing changes, nothing counts twice.
    expect(await applyRedemptionImport(database.db, importId)).toBe('applied');
    expect((await redemptionImportReport(database.db, portalId, importId)).counts.redeemed).toBe(1);

    const importsBefore = await database.db.selectFrom('redemption_imports').select('id').execute();
    await expect(
      receiveRedemptionsCsv(database.db, portalId, [Buffer.from('code,value\nCR-1,abc\n')]),
    ).rejects.toThrow(/line 2/);
    expect(await database.db.selectFrom('redemption_imports').select('id').execute()).toEqual(importsBefore);
  });
});
