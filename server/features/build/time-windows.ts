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
