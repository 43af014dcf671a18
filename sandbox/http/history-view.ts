/**
 * `propertiesWithHistory` on list, get and batch read: each asked-for property the record has,
 * with its values newest first as `ValueWithTimestamp`. Names the record has no value for are
 * left out, as the spec says ("If any of the specified properties are not present on the
 * requested object(s), they will be ignored"). Search has no such parameter.
 *
 * Page size. HubSpot's spec says only that the parameter "will reduce the maximum number of
 * contacts that can be read by a single request"; it names no number. What HubSpot does is 50:
 * a batch read of more inputs is a 400 VALIDATION_ERROR "The maximum number of inputs supported
 * in a batch request for property histories is 50. Please reduce the number of items and try
 * again" (the live answer quoted in activepieces/activepieces#9359), and a list of 100 a page
 * was a 400 too (HubSpot/hubspot-api-python#143: the client's get_all asked for 100 with history;
 * HubSpot answered by letting callers set the limit). So both are refused here rather than
 * quietly shortened: a quiet cap would let a client that asks for 100 pass here and fail against
 * HubSpot. The list's wording is ours; HubSpot's was not seen.
 */
import { z } from 'zod';
import { historyOf } from '../property-history.js';
import type { CrmRecord, ObjectType, PortalData } from '../store.js';
import { parseInput, validationError } from './errors.js';
import { listParam } from './record-view.js';

export const MAX_RECORDS_WITH_HISTORY = 50;

/** A property value on the wire (`ValueWithTimestamp`); the timestamp is ISO 8601. */
export interface ValueWithTimestamp {
  value: string;
  timestamp: string;
  sourceType: string;
  sourceId?: string;
}

const nameList = z.union([z.string(), z.array(z.string())]).optional();

/**
 * The names in a `propertiesWithHistory` query parameter, comma-separated or repeated as
 * `properties` is; undefined when absent or empty, so that nothing about history applies.
 */
export function historyQueryParam(value: unknown): string[] | undefined {
  const names = listParam(parseInput(nameList, value));
  return names && names.length > 0 ? names : undefined;
}

/** The names in a batch read's `propertiesWithHistory` (the SDK always sends the array, often empty). */
export function historyBodyParam(names: string[] | undefined): string[] | undefined {
  const given = (names ?? []).map((name) => name.trim()).filter((name) => name.length > 0);
  return given.length > 0 ? given : undefined;
}

export function assertHistoryPageLimit(limit: number): void {
  if (limit > MAX_RECORDS_WITH_HISTORY) {
    throw validationError(
      `The maximum limit for a request with property histories is ${MAX_RECORDS_WITH_HISTORY}. Please reduce the limit and try again`,
    );
  }
}

export function assertHistoryBatchSize(count: number): void {
  if (count > MAX_RECORDS_WITH_HISTORY) {
    throw validationError(
      `The maximum number of inputs supported in a batch request for property histories is ${MAX_RECORDS_WITH_HISTORY}. Please reduce the number of items and try again`,
    );
  }
}

/** `{name: [newest … oldest]}` for each asked-for property the record has a history for. */
export function propertiesWithHistory(
  record: CrmRecord,
  names: string[],
): Record<string, ValueWithTimestamp[]> {
  const histories: Record<string, ValueWithTimestamp[]> = {};
  for (const name of new Set(names)) {
    const entries = historyOf(record, name);
    if (entries.length === 0) continue;
    histories[name] = entries.map(({ value, timestamp, sourceType, sourceId }) => ({
      value,
      timestamp: timestamp.toISOString(),
      sourceType,
      ...(sourceId === undefined ? {} : { sourceId }),
    }));
  }
  return histories;
}

/**
 * HubSpot also puts each history property's current value in `properties`, next to the ones
 * asked for there (a property the portal defines but the record leaves empty is null, as in
 * `selectProperties`).
 */
export function withCurrentValues(
  portal: PortalData,
  type: ObjectType,
  record: CrmRecord,
  selected: Record<string, string | null>,
  names: string[],
): Record<string, string | null> {
  const defined = portal.properties.get(type)!;
  const properties = { ...selected };
  for (const name of names) {
    const value = Object.hasOwn(record.properties, name) ? record.properties[name] : undefined;
    if (value !== undefined) properties[name] = value;
    else if (defined.has(name)) properties[name] = null;
  }
  return properties;
}
