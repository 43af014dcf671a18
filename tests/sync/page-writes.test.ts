import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import type { CrmRecord } from '../../server/crm/connector.js';
import { hubspotRecordSpecs } from '../../server/crm/hubspot/records.js';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import { scoreSentiment } from '../../server/features/sentiment/index.js';
import { DEFAULT_CHURN_RULE } from '../../server/settings/churn-rule.js';
import { writeRecords } from '../../server/sync/warehouse-writer.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';

const specs = hubspotRecordSpecs(DEFAULT_CHURN_RULE);
const TICKETS = specs.find((s) => s.type === 'tickets')!;
const DEALS = specs.find((s) => s.type === 'deals')!;

let database: TestDatabase;
let portalId: number;

beforeAll(async () => {
  database = await openTestDatabase();
  portalId = (
    await upsertInstalledPortal(database.db, {
      crm: 'hubspot',
      externalId: '77',
      name: 'Pages',
      domain: null,
    })
  ).id;
});
afterAll(async () => {
  await database.dispose();
});

function ticket(
  id: string,
  text: { subject?: string; content?: string },
  contacts: string[],
  at = 1,
): CrmRecord {
  const when = new Date(Date.UTC(2026, 0, at)).toISOString();
  return {
    id,
    properties: { subject: text.subject ?? null, content: text.content ?? null, createdate: when },
    createdAt: when,
    updatedAt: when,
    archived: false,
    associations: { contacts },
  };
}

function deal(id: string, contacts: string[], companies: string[]): CrmRecord {
  const when = new Date(Date.UTC(2026, 0, 1)).toISOString();
  return {
    id,
    properties: { dealname: `Deal ${id}`, amount: '100', createdate: when },
    createdAt: when,
    updatedAt: when,
    archived: false,
    associations: { contacts, companies },
  };
}

/** Each ticket's stored sentiment beside the score of its text as the warehouse reads it back. */
async function storedTickets() {
  const { rows } = await sql<{ id: string; text: string | null; sentiment: number | null }>`
    select id, case when subject is not null or content is not null
      then concat_ws('. ', subject, content) end as text, sentiment
    from tickets where portal_id = ${portalId} order by id`.execute(database.db);
  return rows;
}

async function linked(toType: string, fromType = 'contacts'): Promise<string[]> {
  const rows = await database.db
    .selectFrom('associations')
    .select(['from_id', 'to_id'])
    .where('portal_id', '=', portalId)
    .where('from_type', '=', fromType)
    .where('to_type', '=', toType)
    .orderBy('from_id')
    .orderBy('to_id')
    .execute();
  return rows.map((r) => `${r.from_id}→${r.to_id}`);
}

describe('writing a page of records', () => {
  it('stores new records with their texts scored and their associations', async () => {
    const page = [
      ticket('t1', { subject: 'Export broken', content: 'This is terrible, I am furious.' }, ['c1']),
      ticket('t2', { content: 'Thanks, wonderful support!' }, ['c1', 'c2']),
      ticket('t3', {}, ['c3']),
    ];
    expect((await writeRecords(database.db, portalId, TICKETS, page)).written).toBe(3);
    const stored = await storedTickets();
    expect(stored.map((t) => t.sentiment)).toEqual(
      stored.map((t) => (t.text === null ? null : scoreSentiment(t.text).compound)),
    );
    expect(stored[0]!.sentiment).toBeLessThan(-0.3);
    expect(await linked('tickets')).toEqual(['c1→t1', 'c1→t2', 'c2→t2', 'c3→t3']);
  });

  it('writes nothing for a page it has already stored', async () => {
    const page = [
      ticket('t1', { subject: 'Export broken', content: 'This is terrible, I am furious.' }, ['c1']),
      ticket('t2', { content: 'Thanks, wonderful support!' }, ['c2', 'c1']),
      ticket('t3', {}, ['c3']),
    ];
    const before = await storedTickets();
    expect((await writeRecords(database.db, portalId, TICKETS, page)).written).toBe(0);
    expect(await storedTickets()).toEqual(before);
    expect(await linked('tickets')).toEqual(['c1→t1', 'c1→t2', 'c2→t2', 'c3→t3']);
  });

  it('gives a changed text its new score and a record its new associations, alone', async () => {
    const page = [
      ticket('t1', { subject: 'All good now', content: 'Great, it works, thank you so much!' }, ['c1'], 2),
      ticket('t2', { content: 'Thanks, wonderful support!' }, ['c2', 'c4'], 2),
      ticket('t4', { content: 'Where is my invoice?' }, ['c4']),
    ];
    expect((await writeRecords(database.db, portalId, TICKETS, page)).written).toBe(3);
    const stored = await storedTickets();
    expect(stored.map((t) => t.sentiment)).toEqual(
      stored.map((t) => (t.text === null ? null : scoreSentiment(t.text).compound)),
    );
    expect(stored[0]!.sentiment).toBeGreaterThan(0.3);
    expect(await linked('tickets')).toEqual(['c1→t1', 'c2→t2', 'c3→t3', 'c4→t2', 'c4→t4']);
  });

  it('keeps the associations of a record read without them, and stores each side as its own', async () => {
    const bare = { ...ticket('t3', { content: 'Hello again' }, [], 3) };
    delete bare.associations;
    await writeRecords(database.db, portalId, TICKETS, [bare]);
    expect(await linked('tickets')).toEqual(['c1→t1', 'c2→t2', 'c3→t3', 'c4→t2', 'c4→t4']);

    await writeRecords(database.db, portalId, DEALS, [
      deal('d1', ['c1', 'c1'], ['k1']),
      deal('d2', [], ['k1']),
    ]);
    expect(await linked('deals')).toEqual(['c1→d1']);
    expect(await linked('companies', 'deals')).toEqual(['d1→k1', 'd2→k1']);
    await writeRecords(database.db, portalId, DEALS, [deal('d1', ['c2'], []), deal('d2', [], ['k2'])]);
    expect(await linked('deals')).toEqual(['c2→d1']);
    expect(await linked('companies', 'deals')).toEqual(['d2→k2']);
  });

  it('stores a long text once, in its column, and still takes a changed one', async () => {
    const page = [ticket('t5', { subject: 'Login', content: 'I cannot log in since Monday.' }, ['c5'])];
    await writeRecords(database.db, portalId, TICKETS, page);
    const row = () =>
      database.db
        .selectFrom('tickets')
        .select(['content', 'properties'])
        .where('portal_id', '=', portalId)
        .where('id', '=', 't5')
        .executeTakeFirstOrThrow();
    const stored = await row();
    expect(stored.content).toBe('I cannot log in since Monday.');
    expect(stored.properties).not.toHaveProperty('content');
    expect(stored.properties).toMatchObject({ subject: 'Login' });

    const edited = [ticket('t5', { subject: 'Login', content: 'Solved, thank you!' }, ['c5'], 2)];
    expect((await writeRecords(database.db, portalId, TICKETS, edited)).writtenIds).toEqual(new Set(['t5']));
    expect((await row()).content).toBe('Solved, thank you!');
  });
});
