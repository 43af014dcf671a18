import { sql, type RawBuilder } from 'kysely';

export const DAY_MS = 86_400_000;

/** The instants a build compares event times with, all strictly before or at `asOf`. */
export interface Windows {
  asOf: Date;
  days7: Date;
  days30: Date;
  days90: Date;
  days180: Date;
  days365: Date;
  weeks4: Date;
  weeks12: Date;
  weeks26: Date;
}

export function windowsFor(asOf: Date): Windows {
  const back = (days: number) => new Date(asOf.getTime() - days * DAY_MS);
  return {
    asOf,
    days7: back(7),
    days30: back(30),
    days90: back(90),
    days180: back(180),
    days365: back(365),
    weeks4: back(28),
    weeks12: back(84),
    weeks26: back(182),
  };
}

/** Whole and fractional days from `then` to `asOf`; null when `then` is null. */
export function daysBefore(asOf: Date, then: Date | null): number | null {
  return then === null ? null : (asOf.getTime() - then.getTime()) / DAY_MS;
}

/** `(…)` of the chunk's contact ids, as bound parameters. */
export function idList(ids: readonly string[]): RawBuilder<unknown> {
  return sql`(${sql.join(ids.map((id) => sql`${id}`))})`;
}

/** The contact ids as one array parameter, for `= any(…)`: one value to send and plan, not one each. */
export function idArray(ids: readonly string[]): RawBuilder<unknown> {
  return sql`${[...ids]}::text[]`;
}

/**
 * Several cutoffs' windows as a table `(k, as_of, days7, days30, days90, days180, days365, weeks4,
 * weeks12, weeks26)`, `k` the window's place in `windows`: one aggregate query joins it to read every
 * cutoff at once.
 */
export function windowsTable(windows: readonly Windows[]): RawBuilder<unknown> {
  const instants = (pick: (w: Windows) => Date) => sql`${windows.map(pick)}::timestamptz[]`;
  return sql`(select (k - 1)::int as k, as_of, days7, days30, days90, days180, days365, weeks4, weeks12, weeks26
    from unnest(${sql.join([
      instants((w) => w.asOf),
      instants((w) => w.days7),
      instants((w) => w.days30),
      instants((w) => w.days90),
      instants((w) => w.days180),
      instants((w) => w.days365),
      instants((w) => w.weeks4),
      instants((w) => w.weeks12),
      instants((w) => w.weeks26),
    ])}) with ordinality as u(as_of, days7, days30, days90, days180, days365, weeks4, weeks12, weeks26, k))`;
}

/**
 * Which contacts are wanted at which cutoff: pair i is contact `pairIds[i]` at `windows[pairKs[i]]`.
 * A feature query joins its events to these pairs rather than to every window, so a contact is
 * aggregated only at the cutoffs it is wanted at: a training set reads each contact at the cutoffs
 * it was a customer at, often half of them, and a sample of those.
 */
export interface ContactCutoffs {
  windows: readonly Windows[];
  /** Every contact of a pair, once. */
  ids: readonly string[];
  pairIds: readonly string[];
  pairKs: readonly number[];
  /** Whether every contact is wanted at every window (scoring's one cutoff, say). */
  everyAtEvery: boolean;
}

/** The pairs of each window's contacts, in the windows' order. */
export function contactCutoffs(
  windows: readonly Windows[],
  contactsAt: readonly (readonly string[])[],
): ContactCutoffs {
  const ids = new Set<string>();
  const pairIds: string[] = [];
  const pairKs: number[] = [];
  contactsAt.forEach((contacts, k) => {
    for (const id of contacts) {
      ids.add(id);
      pairIds.push(id);
      pairKs.push(k);
    }
  });
  const everyAtEvery = contactsAt.every((contacts) => new Set(contacts).size === ids.size);
  return { windows, ids: [...ids], pairIds, pairKs, everyAtEvery };
}

/**
 * `join … w on …`, to be followed by the query's own conditions (`and e.sent_at < w.as_of`): each
 * row of a contact's events with the windows `w` (`k, as_of, days7, …`) the contact is wanted at,
 * `contact` naming the row's contact id. Every window as it is when every contact is wanted at each
 * (no pair to match); else the pairs, joined by contact.
 */
export function joinWanted(at: ContactCutoffs, contact: RawBuilder<unknown>): RawBuilder<unknown> {
  if (at.everyAtEvery) return sql`join ${windowsTable(at.windows)} w on true`;
  return sql`join (select p.contact_id, w.k, w.as_of, w.days7, w.days30, w.days90, w.days180, w.days365,
      w.weeks4, w.weeks12, w.weeks26
    from unnest(${idArray(at.pairIds)}, ${[...at.pairKs]}::int[]) as p(contact_id, k)
    join ${windowsTable(at.windows)} w on w.k = p.k) w on w.contact_id = ${contact}`;
}

/** One map per window, filled from rows that name their window by `k`. */
export function byWindow<R extends { k: unknown }, V>(
  windows: readonly Windows[],
  rows: readonly R[],
  read: (row: R, w: Windows) => [string, V],
): Map<string, V>[] {
  const maps = windows.map(() => new Map<string, V>());
  for (const row of rows) {
    const k = Number(row.k);
    const [id, value] = read(row, windows[k]!);
    maps[k]!.set(id, value);
  }
  return maps;
}

/**
 * A row's numeric aggregates sent back as one value, a `float8[]` in its text form, and read back
 * by name. Drivers make a value of every column of every row (PGlite copies each one's bytes and
 * parses it in JavaScript), and a feature query returns a dozen aggregates for each contact and
 * cutoff: read as 80,000 rows of 19 counts, the columns cost the client 1.9–2.8 s on PGlite and
 * 0.35–0.41 CPU-s on PostgreSQL, one array a row 0.43–0.49 s and 0.13–0.14 CPU-s. A count, a sum of
 * numerics (rounded once, to the nearest double, as reading its text did) and an average keep
 * their value; a timestamp goes as epoch milliseconds (`epochMs`, read with `msDate`).
 */
export interface PackedAggregates<K extends string> {
  /** The select-list expression, to be named in the query (`… as v`). */
  select: RawBuilder<string>;
  /** The aggregates of one row, by name; null where SQL gave NULL. */
  read(value: unknown): Record<K, number | null>;
}

export function packedAggregates<K extends string>(
  columns: Readonly<Record<K, RawBuilder<unknown>>>,
): PackedAggregates<K> {
  const names = Object.keys(columns) as K[];
  return {
    select: sql<string>`array[${sql.join(names.map((n) => sql`(${columns[n]})::float8`))}]::text`,
    read(value) {
      const text = String(value);
      const parts = text.slice(1, -1).split(',');
      if (parts.length !== names.length) {
        throw new Error(`expected ${names.length} aggregates, got ${text.slice(0, 80)}`);
      }
      const out = {} as Record<K, number | null>;
      for (let i = 0; i < names.length; i++) {
        const part = parts[i]!;
        out[names[i]!] = part === 'NULL' ? null : Number(part);
      }
      return out;
    },
  };
}

/** A timestamp as epoch milliseconds, for `packedAggregates`. */
export function epochMs(timestamp: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`extract(epoch from ${timestamp}) * 1000`;
}

/** The instant of epoch milliseconds read back from `packedAggregates`. */
export function msDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

/** Values read back from aggregates: the drivers give numbers, strings or null. */
export function num(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export function date(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(String(value));
}
