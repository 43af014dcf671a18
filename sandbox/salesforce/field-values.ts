/**
 * A field's value as a REST request sends it (JSON: strings for text, dates and datetimes,
 * numbers, booleans, null), checked against the field's describe and turned into the stored
 * form, with the error Salesforce answers when it does not fit.
 */
import { normalizeId } from './ids.js';
import { SalesforceApiError, type SfField, type SfValue } from './types.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?$/;
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Salesforce's `int` is a 32-bit whole number. */
const INT_LIMIT = 2 ** 31;

function shown(raw: unknown): string {
  return typeof raw === 'string' ? raw : JSON.stringify(raw);
}

function fail(field: SfField, errorCode: string, message: string): never {
  throw new SalesforceApiError(400, errorCode, message, [field.name]);
}

function wrongType(field: SfField, raw: unknown): never {
  fail(field, 'INVALID_TYPE_ON_FIELD_IN_RECORD', `${field.label}: value not of required type: ${shown(raw)}`);
}

function parseText(field: SfField, raw: unknown): string | null {
  if (typeof raw === 'number' || typeof raw === 'boolean') raw = String(raw);
  if (typeof raw !== 'string') wrongType(field, raw);
  // Salesforce keeps no empty strings: an empty text field is null.
  if (raw === '') return null;
  if (field.length > 0 && raw.length > field.length) {
    fail(
      field,
      'STRING_TOO_LONG',
      `${field.label}: data value too large: ${raw} (max length=${field.length})`,
    );
  }
  if (field.type === 'email' && !EMAIL.test(raw)) {
    fail(field, 'INVALID_EMAIL_ADDRESS', `${field.label}: invalid email address: ${raw}`);
  }
  if (field.type === 'picklist' && field.restrictedPicklist) {
    if (!field.picklistValues.some((option) => option.active && option.value === raw)) {
      fail(
        field,
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        `${field.label}: bad value for restricted picklist field: ${raw}`,
      );
    }
  }
  return raw;
}

function parseNumber(field: SfField, raw: unknown): number {
  const value =
    typeof raw === 'number' ? raw : typeof raw === 'string' && NUMERIC.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isFinite(value)) wrongType(field, raw);
  if (field.type === 'int') {
    if (!Number.isInteger(value)) wrongType(field, raw);
    if (Math.abs(value) >= INT_LIMIT) outOfRange(field, raw);
    return value;
  }
  const factor = 10 ** field.scale;
  const rounded = Math.round(value * factor) / factor;
  if (field.precision > 0 && Math.abs(Math.trunc(rounded)) >= 10 ** (field.precision - field.scale)) {
    outOfRange(field, raw);
  }
  return rounded;
}

function outOfRange(field: SfField, raw: unknown): never {
  fail(
    field,
    'NUMBER_OUTSIDE_VALID_RANGE',
    `${field.label}: value outside of valid range on numeric field: ${shown(raw)}`,
  );
}

function parseBoolean(field: SfField, raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  if (raw === null) return false;
  if (typeof raw === 'string' && /^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
  wrongType(field, raw);
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  const at = new Date(Date.UTC(year, month - 1, day));
  return at.getUTCFullYear() === year && at.getUTCMonth() === month - 1 && at.getUTCDate() === day;
}

/** `YYYY-MM-DD`; a datetime is accepted and keeps its date, as the API does. */
function parseDate(field: SfField, raw: unknown): string {
  if (raw instanceof Date && !Number.isNaN(raw.getTime())) return raw.toISOString().slice(0, 10);
  if (typeof raw !== 'string') wrongType(field, raw);
  const day = DATETIME.exec(raw)?.[1] ?? raw;
  const parts = DATE.exec(day);
  if (!parts || !isCalendarDate(Number(parts[1]), Number(parts[2]), Number(parts[3]))) wrongType(field, raw);
  return day;
}

/** ISO 8601 with or without a zone (`Z`, `+0000`, `+00:00`; none means UTC), or a date alone. */
export function parseDatetime(text: string): Date | undefined {
  if (DATE.test(text)) {
    const at = new Date(`${text}T00:00:00.000Z`);
    return Number.isNaN(at.getTime()) ? undefined : at;
  }
  const parts = DATETIME.exec(text);
  if (!parts) return undefined;
  const zone = parts[3] ?? 'Z';
  const offset = zone === 'Z' ? zone : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  // Salesforce keeps milliseconds: finer digits are dropped.
  const time = parts[2]!.replace(/(\.\d{3})\d+$/, '$1');
  const at = new Date(`${parts[1]}T${time}${offset}`);
  if (Number.isNaN(at.getTime())) return undefined;
  const [year, month, day] = parts[1]!.split('-').map(Number);
  return isCalendarDate(year!, month!, day!) ? at : undefined;
}

function parseDatetimeField(field: SfField, raw: unknown): Date {
  if (raw instanceof Date && !Number.isNaN(raw.getTime())) return raw;
  const at = typeof raw === 'string' ? parseDatetime(raw) : undefined;
  if (!at) wrongType(field, raw);
  return at;
}

function parseId(field: SfField, raw: unknown): string {
  const id = typeof raw === 'string' ? normalizeId(raw) : undefined;
  if (!id) fail(field, 'MALFORMED_ID', `${field.label}: id value of incorrect type: ${shown(raw)}`);
  return id;
}

/**
 * The stored value of `raw` for `field`, or the error Salesforce gives. Null stays null (whether
 * the field may be empty is the caller's check), except for checkboxes, which null clears.
 * Reference values come back as 18-character ids; whether they point at a record is the org's
 * check.
 */
export function parseFieldValue(field: SfField, raw: unknown): SfValue {
  if (raw === undefined) wrongType(field, raw);
  if (raw === null && field.type !== 'boolean') return null;
  switch (field.type) {
    case 'id':
    case 'reference':
      return parseId(field, raw);
    case 'boolean':
      return parseBoolean(field, raw);
    case 'double':
    case 'currency':
    case 'int':
    case 'percent':
      return parseNumber(field, raw);
    case 'date':
      return parseDate(field, raw);
    case 'datetime':
      return parseDatetimeField(field, raw);
    default:
      return parseText(field, raw);
  }
}
