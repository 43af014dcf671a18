/**
 * A customer's plan, billing period, segment and country as they were on a past date. Features
 * of a past cutoff must not read today's value (a plan downgraded a month before leaving would
 * tell the model who left), so the warehouse keeps these values' history under neutral keys in
 * `contacts.property_history`: read once per customer, and again whenever one of them changes.
 * Each CRM names the property behind each key.
 */
import type { CrmRecord } from './connector.js';
import type { PropertyHistory, StoredContact } from './warehouse-records.js';

export const PROFILE_HISTORY_KEYS = ['plan', 'billing_period', 'segment', 'country'] as const;
export type ProfileHistoryKey = (typeof PROFILE_HISTORY_KEYS)[number];

/** The CRM property behind each neutral key. */
export type ProfileProperties = Readonly<Record<ProfileHistoryKey, string>>;

/** A billing period the renewals can follow: `annual` or `monthly`, whatever the portal's spelling. */
export function billingPeriod(value: string | null | undefined): 'annual' | 'monthly' | null {
  const v = (value ?? '').trim().toLowerCase();
  if (['annual', 'annually', 'yearly', 'year'].includes(v)) return 'annual';
  if (['monthly', 'month'].includes(v)) return 'monthly';
  return null;
}

/** A profile value as the warehouse keeps it: trimmed, empty as null, billing periods named. */
export function profileValue(key: ProfileHistoryKey, value: string | null | undefined): string | null {
  if (key === 'billing_period') return billingPeriod(value);
  const trimmed = (value ?? '').trim();
  return trimmed === '' ? null : trimmed;
}

/**
 * The profile part of a contact's neutral history from what the CRM gave (any order): every key is
 * there, empty when the property never had a value, so a read history is known to be complete.
 */
export function neutralProfileHistory(record: CrmRecord, names: ProfileProperties): PropertyHistory {
  const history: PropertyHistory = {};
  for (const key of PROFILE_HISTORY_KEYS) {
    history[key] = (record.propertiesWithHistory?.[names[key]] ?? [])
      .map((v) => ({ value: profileValue(key, v.value), at: new Date(v.timestamp).toISOString() }))
      .filter((v) => v.at !== 'Invalid Date')
      .sort((a, b) => a.at.localeCompare(b.at));
  }
  return history;
}

/**
 * Whether a contact's profile history must be read: someone who is or was a customer (only they
 * have features at past cutoffs) whose stored history lacks it, or one of whose values changed
 * since it was read.
 */
export function profileHistoryNeeded(
  record: CrmRecord,
  stored: StoredContact | undefined,
  names: ProfileProperties,
  everCustomer: boolean,
): boolean {
  if (!everCustomer) return false;
  const history = stored?.property_history;
  if (!history || PROFILE_HISTORY_KEYS.some((key) => !Object.hasOwn(history, key))) return true;
  return PROFILE_HISTORY_KEYS.some(
    (key) => (stored.properties[names[key]] ?? null) !== (record.properties[names[key]] ?? null),
  );
}

/**
 * A profile value as of `asOf`: the last change at or before it. A contact whose history was never
 * read (someone who was never a customer, or a CRM that keeps none) has its current value; one
 * whose history starts after `asOf` had none then.
 */
export function profileValueAsOf(
  history: PropertyHistory | null | undefined,
  key: ProfileHistoryKey,
  asOf: Date,
  current: string | null,
): string | null {
  const entries = history && Object.hasOwn(history, key) ? history[key]! : undefined;
  if (entries === undefined) return current;
  const iso = isoOf(asOf);
  let value: string | null = null;
  for (const entry of entries) {
    if (entry.at > iso) break;
    value = entry.value;
  }
  return value;
}

let lastInstant = NaN;
let lastIso = '';

/**
 * `asOf` as the history's ISO strings compare with it. A training set asks for every profile value
 * of tens of thousands of customers at the same few cutoffs: the last one's text is kept.
 */
function isoOf(asOf: Date): string {
  const instant = asOf.getTime();
  if (instant !== lastInstant) {
    lastIso = asOf.toISOString();
    lastInstant = instant;
  }
  return lastIso;
}
