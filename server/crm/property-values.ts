/** Reading a CRM's property strings into typed warehouse values. */

/**
 * Dates as ISO strings (Salesforce's `+0000` offsets included) or as epoch milliseconds (HubSpot
 * sends both).
 */
export function toDate(value: string | null | undefined): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms) : null;
}

export function toNumber(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export function toInteger(value: string | null | undefined): number | null {
  const n = toNumber(value);
  return n === null ? null : Math.round(n);
}

export function toBoolean(value: string | null | undefined): boolean | null {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return null;
}

export function nonEmpty(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}

/**
 * A record's properties as the warehouse stores them beside its columns, without the long texts
 * (an email's body, a ticket's description, a survey comment) that already have a column of their
 * own: each text is stored once.
 */
export function propertiesWithout(
  properties: Record<string, string | null>,
  texts: readonly string[],
): Record<string, string | null> {
  if (!texts.some((name) => name in properties)) return properties;
  const kept = { ...properties };
  for (const name of texts) delete kept[name];
  return kept;
}
