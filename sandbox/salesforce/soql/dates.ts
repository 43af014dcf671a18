/**
 * Calendar arithmetic for date filters, in UTC: the span of days a relative literal (`TODAY`,
 * `YESTERDAY`, `LAST_N_DAYS:n`) covers at a given moment, day keys (`YYYY-MM-DD`), and stored
 * date and datetime values read as keys that compare in time order.
 */
import type { SfValue } from '../types.js';
import type { RelativeDate } from './ast.js';

export const DAY_MS = 86_400_000;

/** A half-open span of time, `[from, to)` in milliseconds since the epoch. */
export interface Span {
  from: number;
  to: number;
}

/** `YYYY-MM-DD` of the UTC day holding the instant. */
export function dayKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Milliseconds at the start of a `YYYY-MM-DD` day (UTC). */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/**
 * The days a relative literal covers at `now`. `LAST_N_DAYS:n` runs from the start of the day n
 * days ago to the end of today, so `LAST_N_DAYS:1` is yesterday and today, as in Salesforce.
 */
export function relativeSpan(name: RelativeDate, days: number, now: Date): Span {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  switch (name) {
    case 'TODAY':
      return { from: today, to: today + DAY_MS };
    case 'YESTERDAY':
      return { from: today - DAY_MS, to: today };
    case 'LAST_N_DAYS':
      return { from: today - days * DAY_MS, to: today + DAY_MS };
  }
}

/** A stored date as `YYYY-MM-DD` (dates are stored so; a Date is read as its UTC day). */
export function dateValueKey(value: SfValue): string | null {
  if (typeof value === 'string') return value.length > 10 ? value.slice(0, 10) : value;
  return value instanceof Date ? dayKey(value.getTime()) : null;
}

/** A stored datetime as milliseconds since the epoch. */
export function instantKey(value: SfValue): number | null {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? null : ms;
}
