/**
 * The history of a record's property values, as HubSpot keeps it (`ValueWithTimestamp`: value,
 * timestamp, sourceType, sourceId), held sparingly because generated portals reach a million
 * records and most values are written once, when the record is created.
 *
 * A record therefore stores entries only for the properties whose history cannot be read off the
 * record itself: values changed since creation, values a generator dated after the creation, and
 * what an app created through the API (its source is the app, not the CRM). Any other property's
 * history is its one current value, set by the CRM when the record was created. Stored entries
 * hold their time as epoch milliseconds: a Date costs more than the rest of the entry.
 */
import type { CrmRecord } from './store.js';

export interface PropertyHistoryEntry {
  readonly value: string;
  readonly timestamp: Date;
  /** `CRM_UI` for what the sandbox itself writes, `INTEGRATION` for an app's API writes. */
  readonly sourceType: string;
  /** The app's id, for `INTEGRATION` writes. */
  readonly sourceId?: string;
}

interface StoredEntry {
  readonly value: string;
  readonly at: number;
  readonly sourceType: string;
  readonly sourceId?: string;
}

/** Stored entries by property name, in the order they were written (oldest first). */
export type RecordHistory = Record<string, StoredEntry[]>;

/** The store's change source: 'CRM' for the sandbox itself, otherwise the writing app's id. */
export const CRM_SOURCE = 'CRM';

/**
 * Bumped on every write: keeping their history would add an entry per record per write-back.
 * Their one derived entry, the current value at the last update, is what a reader needs.
 */
const BOOKKEEPING = new Set(['lastmodifieddate', 'hs_lastmodifieddate']);

function sourceOf(source: string): Pick<StoredEntry, 'sourceType' | 'sourceId'> {
  return source === CRM_SOURCE ? { sourceType: 'CRM_UI' } : { sourceType: 'INTEGRATION', sourceId: source };
}

// Own properties only, here and below: a name such as `constructor` must not reach Object.prototype.
function storedEntries(record: CrmRecord, property: string): StoredEntry[] | undefined {
  return record.history && Object.hasOwn(record.history, property) ? record.history[property] : undefined;
}

/** Whether a value counts as set: HubSpot keeps no history for a property that never had one. */
function isSet(value: string | null | undefined): value is string {
  return value !== undefined && value !== null && value !== '';
}

/** The entry a property has when its history was never stored: its value, set at creation. */
function derivedEntry(record: CrmRecord, property: string): StoredEntry | undefined {
  const value = Object.hasOwn(record.properties, property) ? record.properties[property] : undefined;
  if (!isSet(value)) return undefined;
  const at = (BOOKKEEPING.has(property) ? record.updatedAt : record.createdAt).getTime();
  return { value, at, sourceType: 'CRM_UI' };
}

function published({ value, at, sourceType, sourceId }: StoredEntry): PropertyHistoryEntry {
  const timestamp = new Date(at);
  return sourceId === undefined
    ? { value, timestamp, sourceType }
    : { value, timestamp, sourceType, sourceId };
}

/** A property's values, newest first, as HubSpot answers `propertiesWithHistory`. */
export function historyOf(record: CrmRecord, property: string): PropertyHistoryEntry[] {
  const stored = storedEntries(record, property);
  if (stored) return stored.map(published).reverse();
  const derived = derivedEntry(record, property);
  return derived ? [published(derived)] : [];
}

function keep(record: CrmRecord, property: string, entries: StoredEntry[]): void {
  (record.history ??= {})[property] = entries;
}

/** An app's creation is stored: the derived entries would name the CRM as their source. */
export function recordCreation(
  record: CrmRecord,
  written: Record<string, string | null>,
  source: string,
): void {
  if (source === CRM_SOURCE) return;
  const from = sourceOf(source);
  for (const [property, value] of Object.entries(written)) {
    if (isSet(value) && !BOOKKEEPING.has(property)) {
      keep(record, property, [{ value, at: record.createdAt.getTime(), ...from }]);
    }
  }
}

/**
 * Adds the entry for a changed value; call it before the record takes the new value, so that the
 * first change can still store the creation value it replaces. Entries keep the order of writes,
 * so the newest is always the current value, even when a test moves the clock back.
 */
export function recordChange(
  record: CrmRecord,
  property: string,
  value: string | null,
  at: Date,
  source: string,
): void {
  if (BOOKKEEPING.has(property)) return;
  let entries = storedEntries(record, property);
  if (!entries) {
    const created = derivedEntry(record, property);
    // Emptying a property that never had a value leaves it without a history, as before.
    if (!created && !isSet(value)) return;
    entries = created ? [created] : [];
    keep(record, property, entries);
  }
  entries.push({ value: value ?? '', at: at.getTime(), ...sourceOf(source) });
}

/**
 * Sets a property's whole past, oldest first, as a generator knows it. The last entry must be the
 * record's current value and none may predate the record; a history the record already implies
 * (its value, set by the CRM at creation) is not stored.
 */
export function replaceHistory(record: CrmRecord, property: string, entries: PropertyHistoryEntry[]): void {
  if (BOOKKEEPING.has(property)) throw new Error(`${property} keeps no history: it changes on every write`);
  const current = record.properties[property] ?? '';
  const last = entries[entries.length - 1];
  if (!last || last.value !== current) {
    throw new Error(`the history of ${property} on ${record.id} must end with its value ${current}`);
  }
  let previous = record.createdAt.getTime();
  const stored = entries.map(({ value, timestamp, sourceType, sourceId }, index): StoredEntry => {
    const at = timestamp.getTime();
    if (!(at >= previous)) {
      throw new Error(`the history of ${property} on ${record.id} is out of order or predates the record`);
    }
    previous = at;
    // The last value is the record's own string: sharing it saves a copy per record.
    const kept = index === entries.length - 1 ? current : value;
    return sourceId === undefined
      ? { value: kept, at, sourceType }
      : { value: kept, at, sourceType, sourceId };
  });
  const derived = derivedEntry(record, property);
  const implied =
    stored.length === 1 &&
    derived !== undefined &&
    stored[0]!.sourceType === derived.sourceType &&
    stored[0]!.sourceId === undefined &&
    stored[0]!.at === derived.at;
  if (implied) {
    if (record.history) {
      delete record.history[property];
      // A record whose every value is implied keeps no history at all, as one never written.
      if (Object.keys(record.history).length === 0) delete record.history;
    }
    return;
  }
  keep(record, property, stored);
}
