/**
 * Many rows sent as one array per column: `select * from unnest($1::text[]::timestamptz[], …)`,
 * each array in PostgreSQL's binary format. A statement with a parameter per value costs the
 * driver a per-value pass in JS (PGlite measures each string's UTF-8 length character by character,
 * twice) and the server a parse of every value's place in a long VALUES list; a page of 100 emails
 * is about 1,500 values. Here each column is one byte array that Node's own encoder fills.
 *
 * Each value goes as the text its column's type reads (a Date as its ISO instant, jsonb as its JSON
 * text), so what is stored is what a parameter of its own stores, a broken UTF-16 pair included
 * (encoded as U+FFFD, as the drivers encode a text parameter).
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';

/** The OID of `text`, the element type of every array sent. */
const TEXT_OID = 25;

/** Column name → SQL type (`format_type`), per table, as the catalog says. */
const columnTypes = new Map<string, Promise<ReadonlyMap<string, string>>>();

/**
 * The types of a table's columns, read from the catalog once per process: every database a
 * process writes to has run the same migrations first.
 */
function typesOf<DB>(db: Kysely<DB>, table: string): Promise<ReadonlyMap<string, string>> {
  let types = columnTypes.get(table);
  if (!types) {
    types = sql<{ name: string; type: string }>`
      select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
      where attrelid = ${table}::regclass and attnum > 0 and not attisdropped`
      .execute(db)
      .then(({ rows }) => new Map(rows.map((r) => [r.name, r.type])));
    types.catch(() => columnTypes.delete(table));
    columnTypes.set(table, types);
  }
  return types;
}

/** A value as the text its column's type reads; null for NULL. */
function asText(value: unknown, column: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value instanceof Date) {
    if (!Number.isFinite(value.getTime())) throw new RangeError(`${column}: an invalid date`);
    return value.toISOString();
  }
  throw new TypeError(`${column}: give a string, number, boolean or Date, not ${typeof value}`);
}

/** A one-dimensional `text[]` in PostgreSQL's binary format (array_recv). */
export function binaryTextArray(values: readonly (string | null)[]): Buffer {
  if (values.length === 0) {
    // No dimensions: the empty array.
    const empty = Buffer.alloc(12);
    empty.writeInt32BE(TEXT_OID, 8);
    return empty;
  }
  let size = 20;
  for (const value of values) size += 4 + (value === null ? 0 : Buffer.byteLength(value));
  const out = Buffer.allocUnsafe(size);
  out.writeInt32BE(1, 0); // dimensions
  out.writeInt32BE(values.includes(null) ? 1 : 0, 4);
  out.writeInt32BE(TEXT_OID, 8);
  out.writeInt32BE(values.length, 12);
  out.writeInt32BE(1, 16); // lower bound
  let at = 20;
  for (const value of values) {
    if (value === null) {
      out.writeInt32BE(-1, at);
      at += 4;
    } else {
      const length = out.write(value, at + 4);
      out.writeInt32BE(length, at);
      at += 4 + length;
    }
  }
  return out.subarray(0, at);
}

/**
 * The rows as a query of `columns` (in that order), for `insert … select` (Kysely's
 * `.columns(...).expression(...)`). A missing or undefined value is NULL.
 */
export async function unnestRows<DB>(
  db: Kysely<DB>,
  table: string,
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
): Promise<RawBuilder<unknown>> {
  const types = await typesOf(db, table);
  const arrays = columns.map((column) => {
    const type = types.get(column);
    if (!type) throw new Error(`${table} has no column ${column}`);
    const values = binaryTextArray(rows.map((row) => asText(row[column], column)));
    return sql`${values}::text[]::${sql.raw(type)}[]`;
  });
  return sql`select * from unnest(${sql.join(arrays)}) as ${sql.raw('r')}(${sql.join(columns.map((c) => sql.ref(c)))})`;
}
