import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { json } from '../../server/db/json.js';
import { buildFeatures, type ContactFeatures } from '../../server/features/build/build-features.js';
import { ensureTextSentiment, unscoredTexts } from '../../server/features/build/text-sentiment.js';
import { scoreSentiment } from '../../server/features/sentiment/index.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { DAY, FixtureWarehouse } from './features-warehouse.js';

const AS_OF = new Date('2026-04-15T00:00:00Z');
const at = (days: number) => new Date(AS_OF.getTime() + days * DAY);
const CONTACTS = 23;

let database: TestDatabase;
let w: FixtureWarehouse;
const ids: string[] = [];

async function build(chunkSize?: number): Promise<{ chunks: number; rows: ContactFeatures[] }> {
  const rows: ContactFeatures[] = [];
  let chunks = 0;
  for await (const chunk of buildFeatures(database.db, w.portalId, AS_OF, chunkSize ? { chunkSize } : {})) {
    chunks++;
    rows.push(...chunk);
  }
  return { chunks, rows };
}

/** A small deterministic stream, so every contact has a different history. */
function* stream(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2147483648;
    yield x / 2147483648;
  }
}

beforeAll(async () => {
  database = await openTestDatabase();
  w = await FixtureWarehouse.create(database.db, 'features-point-in-time');
  const company = await w.company({ numberofemployees: '40', industry: 'RETAIL', country: 'France' });
  for (let i = 0; i < CONTACTS; i++) {
    const r = stream(i + 1);
    const next = () => r.next().value as number;
    const since = -100 - Math.floor(next() * 600);
    const id = await w.contact(
      { createdAt: at(since), stage: 'customer', ...(i % 2 ? { companyId: company } : {}) },
      {
        hs_lifecyclestage_customer_date: at(since).toISOString(),
        plan: i % 3 ? 'Pro' : 'Starter',
        billing_period: i % 2 ? 'annual' : 'monthly',
      },
    );
    ids.push(id);
    for (let k = 0; k < 1 + Math.floor(next() * 6); k++) {
      const sent = -1 - next() * 120;
      const opened = next() < 0.6 ? sent + next() * 3 : undefined;
      await w.email(id, {
        sentAt: at(sent),
        ...(opened !== undefined && opened < 0 ? { openedAt: at(opened) } : {}),
        ...(opened !== undefined && next() < 0.4 && opened + 1 < 0 ? { repliedAt: at(opened + 1) } : {}),
      });
    }
    await w.email(id, {
      sentAt: at(-2 - next() * 60),
      direction: 'INCOMING_EMAIL',
      body: 'Thanks, that fixed it!',
    });
    for (let k = 0; k < Math.floor(next() * 4); k++) {
      const created = -1 - next() * 100;
      const closed = next() < 0.7 ? created + next() * 10 : undefined;
      await w.ticket(id, {
        createdAt: at(created),
        ...(closed !== undefined && closed < 0 ? { closedAt: at(closed) } : {}),
        priority: next() < 0.3 ? 'URGENT' : 'LOW',
        content:
          next() < 0.5
            ? 'Nothing works and I am furious, this is terrible.'
            : 'Could you explain how exports work?',
      });
    }
    for (let k = 0; k < Math.floor(next() * 30); k++)
      await w.usage(id, { at: at(-next() * 120), minutes: Math.round(next() * 60) });
    await w.deal(id, { closeAt: at(since), won: true, amount: 100 + i });
    if (next() < 0.5)
      await w.feedback(id, {
        at: at(-next() * 200),
        score: Math.floor(next() * 11),
        comment: 'Great support team.',
      });
  }
}, 300_000);
afterAll(async () => {
  await database.dispose();
});

describe('point-in-time building', () => {
  it('customer texts are scored once and stored beside them; outgoing emails are not scored', async () => {
    const first = await ensureTextSentiment(database.db, w.portalId, 7);
    expect(first.tickets).toBeGreaterThan(0);
    expect(first.emails).toBe(CONTACTS);
    expect(await ensureTextSentiment(database.db, w.portalId)).toEqual({
      tickets: 0,
      emails: 0,
      feedback: 0,
    });
    const angry = await database.db
      .selectFrom('tickets')
      .select('sentiment')
      .where('portal_id', '=', w.portalId)
      .where('content', 'like', 'Nothing works%')
      .execute();
    const expected = scoreSentiment('Nothing works and I am furious, this is terrible.').compound;
    expect(expected).toBeLessThan(-0.5);
    for (const row of angry) expect(row.sentiment).toBeCloseTo(expected, 10);
    const outgoing = await database.db
      .selectFrom('emails')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('portal_id', '=', w.portalId)
      .where('direction', '=', 'EMAIL')
      .where('sentiment', 'is not', null)
      .executeTakeFirstOrThrow();
    expect(Number(outgoing.n)).toBe(0);
  });

  it('finding the texts not scored yet reads an index of those texts alone, not every text stored', async () => {
    for (const table of ['tickets', 'emails', 'feedback'] as const) {
      const plan = await database.db.transaction().execute(async (trx) => {
        // Whether the index can answer the query at all, whatever a table this small costs to scan.
        await sql`set local enable_seqscan = off`.execute(trx);
        return (await sql`explain (format json) ${unscoredTexts(w.portalId, table, 1000)}`.execute(trx)).rows;
      });
      expect(JSON.stringify(plan)).toMatch(new RegExp(`"Index Name":\\s*"${table}_unscored"`));
    }
  });

  it('a text rewritten by a sync is scored again; one written again unchanged keeps its score', async () => {
    const [first, second] = await database.db
      .selectFrom('tickets')
      .select(['id', 'content', 'sentiment'])
      .where('portal_id', '=', w.portalId)
      .orderBy('id')
      .limit(2)
      .execute();
    await database.db
      .updateTable('tickets')
      .set({ content: 'Thank you, everything works perfectly now!', priority: 'LOW' })
      .where('portal_id', '=', w.portalId)
      .where('id', '=', first!.id)
      .execute();
    await database.db
      .updateTable('tickets')
      .set({ content: second!.content, priority: 'LOW' })
      .where('portal_id', '=', w.portalId)
      .where('id', '=', second!.id)
      .execute();
    expect(await ensureTextSentiment(database.db, w.portalId)).toEqual({
      tickets: 1,
      emails: 0,
      feedback: 0,
    });
    const rescored = await database.db
      .selectFrom('tickets')
      .select(['id', 'sentiment'])
      .where('portal_id', '=', w.portalId)
      .where('id', 'in', [first!.id, second!.id])
      .orderBy('id')
      .execute();
    expect(rescored[0]!.sentiment).toBeCloseTo(
      scoreSentiment('Thank you, everything works perfectly now!').compound,
      10,
    );
    expect(rescored[0]!.sentiment).toBeGreaterThan(0.3);
    expect(rescored[1]!.sentiment).toBe(second!.sentiment);
  });

  it('streaming in chunks of 4 gives what one chunk gives', async () => {
    const whole = await build();
    const small = await build(4);
    expect(whole.chunks).toBe(1);
    expect(small.chunks).toBe(Math.ceil(CONTACTS / 4));
    expect(small.rows.map((r) => r.contactId)).toEqual([...ids].sort());
    expect(small.rows).toEqual(whole.rows);
  });

  it('events and changes after the date change no feature', async () => {
    const before = await build();
    for (const [i, id] of ids.entries()) {
      await w.email(id, { sentAt: at(1), openedAt: at(2), repliedAt: at(3) });
      await w.email(id, {
        sentAt: at(0),
        direction: 'INCOMING_EMAIL',
        body: 'I want to cancel, this is awful.',
      });
      await w.ticket(id, { createdAt: at(0), priority: 'URGENT', content: 'Cancel my account now.' });
      await w.usage(id, { at: at(0), minutes: 500 });
      await w.usage(id, { at: at(5), type: 'feature_use', feature: 'exports' });
      await w.deal(id, {
        closeAt: at(20),
        createdAt: at(-10),
        won: i % 2 === 0,
        renewal: true,
        amount: 9999,
      });
      await w.feedback(id, { at: at(1), score: 0, comment: 'Terrible.' });
    }
    const p = w.portalId;
    // What the CRM shows later: opens and replies of old emails, closed tickets, a new stage.
    await sql`update emails set opened_at = ${at(1)} where portal_id = ${p} and opened_at is null`.execute(
      database.db,
    );
    await sql`update emails set replied_at = ${at(2)} where portal_id = ${p} and replied_at is null`.execute(
      database.db,
    );
    await sql`update tickets set closed_at = ${at(4)}, is_closed = true, stage = '4',
      properties = ${json({ reopen_count: '3' })} where portal_id = ${p} and closed_at is null`.execute(
      database.db,
    );
    await sql`update contacts set lifecycle_stage = 'other', stage_kind = 'former', former_since = ${at(30)}
      where portal_id = ${p}`.execute(database.db);
    const afterwards = await build();
    expect(afterwards.rows).toEqual(before.rows);
    // The same additions do show from a later date: the test would catch a builder that ignored them.
    const later: ContactFeatures[] = [];
    for await (const chunk of buildFeatures(database.db, p, at(40))) later.push(...chunk);
    expect(later.every((r) => r.values.lifecycle_stage === 'other')).toBe(true);
    expect(later.every((r) => r.values.nps_last === 0)).toBe(true);
  });
});
