/**
 * A page of records travels to the warehouse as one binary array per column (`unnestRows`): every
 * value must arrive as the value a parameter of its own gives, on the warehouse the tests run on.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { binaryTextArray, unnestRows } from '../../server/db/column-arrays.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await openTestDatabase();
});

afterAll(async () => {
  await database?.dispose();
});

const COLUMNS = ['portal_id', 'id', 'properties', 'subject', 'body', 'bounced', 'sent_at', 'sentiment'];

describe('rows sent as an array a column', () => {
  it('arrive as the values each column would get from a parameter of its own', async () => {
    const rows = [
      {
        portal_id: 7,
        id: '101',
        properties: JSON.stringify({ hs_email_subject: 'Ünïcödé ✓ "quoted"', nested: { n: 1 } }),
        subject: 'Line one\nline two, a tab\t, {braces}, "quotes" and 😀',
        body: 'a backslash \\ and \\ud800 spelled out, NULL and null',
        bounced: true,
        sent_at: new Date('2026-03-01T10:20:30.123Z'),
        sentiment: -0.25,
      },
      // An empty text is not NULL; missing and undefined values are.
      { portal_id: 7, id: '102', properties: '{}', subject: '', body: undefined, bounced: false },
    ];
    const { rows: read } = await sql<Record<string, unknown>>`${await unnestRows(
      database.db,
      'emails',
      rows,
      COLUMNS,
    )}`.execute(database.db);
    expect(read).toEqual([
      {
        portal_id: 7,
        id: '101',
        // A jsonb column holds the value its JSON text spells.
        properties: { hs_email_subject: 'Ünïcödé ✓ "quoted"', nested: { n: 1 } },
        subject: 'Line one\nline two, a tab\t, {braces}, "quotes" and 😀',
        body: 'a backslash \\ and \\ud800 spelled out, NULL and null',
        bounced: true,
        sent_at: new Date('2026-03-01T10:20:30.123Z'),
        sentiment: -0.25,
      },
      {
        portal_id: 7,
        id: '102',
        properties: {},
        subject: '',
        body: null,
        bounced: false,
        sent_at: null,
        sentiment: null,
      },
    ]);
  });

  it('store a broken UTF-16 pair in a text as the drivers store a text parameter: U+FFFD', async () => {
    const row = { portal_id: 7, id: '103', body: 'broken \ud800 pair', subject: '\udc00' };
    const { rows: asParameters } = await sql<Record<string, unknown>>`
      select ${row.body}::text as body, ${row.subject}::text as subject`.execute(database.db);
    const { rows: read } = await sql<Record<string, unknown>>`
      select body, subject from (${await unnestRows(database.db, 'emails', [row], ['body', 'subject'])}) r`.execute(
      database.db,
    );
    expect(read).toEqual([{ body: 'broken \ufffd pair', subject: '\ufffd' }]);
    expect(read).toEqual(asParameters);
  });

  it('sends no rows as empty arrays', async () => {
    const { rows } = await sql`${await unnestRows(database.db, 'emails', [], ['id', 'sent_at'])}`.execute(
      database.db,
    );
    expect(rows).toEqual([]);
    expect(binaryTextArray([])).toHaveLength(12);
  });

  it('names the column of a value it cannot send, and a column the table lacks', async () => {
    await expect(
      unnestRows(database.db, 'emails', [{ id: '1', sent_at: new Date(Number.NaN) }], ['id', 'sent_at']),
    ).rejects.toThrow(/sent_at: an invalid date/);
    await expect(
      unnestRows(database.db, 'emails', [{ id: '1', properties: { a: 1 } }], ['id', 'properties']),
    ).rejects.toThrow(/properties: give a string/);
    await expect(unnestRows(database.db, 'emails', [{ id: '1' }], ['id', 'colour'])).rejects.toThrow(
      /emails has no column colour/,
    );
  });
});
