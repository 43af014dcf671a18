import { sql, type RawBuilder } from 'kysely';

export const DAY_MS = 86_400_000;

/** The instants a build compares event times with, all strictly before or at `asOf`. */
export interface Windows {
  asOf: Date;
  days30: Date;
  days90: Date;
  days365: Date;
  weeks4: Date;
  weeks12: Date;
}

export function windowsFor(asOf: Date): Windows {
  const back = (days: number) => new Date(asOf.getTime() - days * DAY_MS);
  return { asOf, days30: back(30), days90: back(90), days365: back(365), weeks4: back(28), weeks12: back(84) };
}

/** Whole and fractional days from `then` to `asOf`; null when `then` is null. */
export function daysBefore(asOf: Date, then: Date | null): number | null {
  return then === null ? null : (asOf.getTime() - then.getTime()) / DAY_MS;
}

/** `(…)` of the chunk's contact ids, as bound parameters. */
export function idList(ids: readonly string[]): RawBuilder<unknown> {
  return sql`(${sql.join(ids.map((id) => sql`${id}`))})`;
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
