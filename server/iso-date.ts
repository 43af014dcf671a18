/**
 * Dates sent from outside (query parameters, JSON bodies, CSV cells): an ISO 8601 calendar date
 * (`2026-12-31`) or timestamp (`2026-12-31T23:59:59Z`, offset optional), and nothing else, so that
 * a bare number or a five-digit year is refused here instead of reaching the database.
 */
import { z } from 'zod';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses an ISO date or timestamp; undefined for anything else, an impossible date included. */
export function parseIsoDate(text: string): Date | undefined {
  const trimmed = text.trim();
  if (!ISO_DATE.test(trimmed)) return undefined;
  const date = new Date(trimmed);
  if (Number.isNaN(date.getTime())) return undefined;
  // `2026-02-31` would roll over to March: the calendar date must be the one written.
  if (trimmed.length === 10 && date.toISOString().slice(0, 10) !== trimmed) return undefined;
  return date;
}

/** A zod schema for an ISO date or timestamp given as text, parsed to a Date. */
export const isoDateSchema = z.string().transform((text, ctx) => {
  const date = parseIsoDate(text);
  if (!date) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be an ISO date such as 2026-12-31 or a timestamp such as 2026-12-31T23:59:59Z',
    });
    return z.NEVER;
  }
  return date;
});
