/**
 * HubSpot's unique properties (`hasUniqueValue`): no two live records of a type hold the same value,
 * compared without case. A create or update that would repeat a value another record (or another
 * input of the same batch) holds is refused as a whole with HubSpot's 400 "Property values were not
 * valid", naming the property and the record that holds the value; the problem's error code is the
 * sandbox's own (HubSpot's exact code for it is unverified). Contacts' email keeps its own rule
 * (409 "Contact already exists", records.ts).
 */
import type { ObjectType, PortalData } from '../store.js';
import { reportProblems } from './property-values.js';

/** One record's values about to be written; `selfId` for an update (its own value is no clash). */
export interface UniqueWrite {
  values: Record<string, string>;
  selfId?: string;
}

/** The names of the type's unique properties, other than contacts' email. */
export function uniquePropertyNames(portal: PortalData, type: ObjectType): string[] {
  const names: string[] = [];
  for (const definition of portal.properties.get(type)!.values()) {
    if (!definition.hasUniqueValue) continue;
    if (type === 'contacts' && definition.name === 'email') continue;
    names.push(definition.name);
  }
  return names;
}

/** The live record of `type` other than `selfId` whose `name` holds `value` (without case). */
function holderOf(
  portal: PortalData,
  type: ObjectType,
  name: string,
  value: string,
  selfId: string | undefined,
): string | undefined {
  const wanted = value.toLowerCase();
  for (const record of portal.recordsOf(type).values()) {
    if (record.archived || record.id === selfId) continue;
    if (record.properties[name]?.toLowerCase() === wanted) return record.id;
  }
  return undefined;
}

/** Throws HubSpot's 400 when any write repeats a unique value held elsewhere. */
export function assertUniqueValues(portal: PortalData, type: ObjectType, writes: UniqueWrite[]): void {
  const names = uniquePropertyNames(portal, type);
  if (names.length === 0) return;
  const problems: { name: string; error: string; message: string }[] = [];
  /** Which write of this batch took each value first (a record's id, or a new record's place). */
  const claimed = new Map<string, string>();
  writes.forEach(({ values, selfId }, index) => {
    const writer = selfId ?? `new record ${index}`;
    for (const name of names) {
      const value = values[name];
      if (!value) continue;
      const key = `${name}\u0000${value.toLowerCase()}`;
      const earlier = claimed.get(key);
      const holder =
        earlier === undefined
          ? holderOf(portal, type, name, value, selfId)
          : earlier === writer
            ? undefined
            : earlier;
      if (holder === undefined) {
        claimed.set(key, writer);
        continue;
      }
      problems.push({
        name,
        error: 'VALUE_NOT_UNIQUE',
        message: `${JSON.stringify(value)} already has that value: ${name} holds unique values and ${
          earlier === undefined ? `record ${holder}` : 'another input of this batch'
        } holds it.`,
      });
    }
  });
  if (problems.length > 0) throw reportProblems(portal, problems);
}
