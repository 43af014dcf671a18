/**
 * The search API's filters and sorts, evaluated the way HubSpot compares each property type:
 * numbers numerically, datetimes and dates as instants (filter values are epoch milliseconds or
 * ISO dates), booleans and enumerations exactly, strings without regard to case. Filters in a
 * group all hold (AND); any group may match (OR).
 */
import { z } from 'zod';
import type { CrmRecord, PropertyDefinition } from '../store.js';
import { validationError } from './errors.js';

export const OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
] as const;

export const filterInput = z.object({
  propertyName: z.string().min(1),
  operator: z.enum(OPERATORS),
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
  highValue: z.union([z.string(), z.number()]).optional(),
  values: z.array(z.union([z.string(), z.number()])).optional(),
});
export type FilterInput = z.infer<typeof filterInput>;

export const sortInput = z.union([
  z.string().min(1),
  z.object({
    propertyName: z.string().min(1),
    direction: z.enum(['ASCENDING', 'DESCENDING']).default('ASCENDING'),
  }),
]);
export type SortInput = z.infer<typeof sortInput>;

type Kind = 'number' | 'time' | 'exact' | 'text';
type Definitions = Map<string, PropertyDefinition>;

function kindOf(definitions: Definitions, name: string): Kind {
  if (name === 'hs_object_id') return 'number';
  switch (definitions.get(name)?.type) {
    case 'number':
      return 'number';
    case 'datetime':
    case 'date':
      return 'time';
    case 'bool':
    case 'enumeration':
      return 'exact';
    default:
      return 'text';
  }
}

/** A comparable form of a value for its kind, or undefined when it cannot be read as one. */
function comparable(kind: Kind, raw: string): number | string | undefined {
  if (kind === 'number') {
    const value = Number(raw);
    return raw.trim() !== '' && Number.isFinite(value) ? value : undefined;
  }
  if (kind === 'time') {
    const value = /^-?\d+$/.test(raw)
      ? Number(raw)
      : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw);
    return Number.isFinite(value) ? value : undefined;
  }
  return kind === 'text' ? raw.toLowerCase() : raw;
}

function compare(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function tokens(value: string): string[] {
  return value
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** CONTAINS_TOKEN: every word of the value is a word of the property, or `*` wildcards match it. */
function containsToken(stored: string, wanted: string): boolean {
  if (wanted.includes('*')) {
    const pattern = wanted
      .toLowerCase()
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    return new RegExp(`^${pattern.join('.*')}$`, 'u').test(stored.toLowerCase());
  }
  const have = new Set(tokens(stored));
  const need = tokens(wanted);
  return need.length > 0 && need.every((token) => have.has(token));
}

function requireValue(filter: FilterInput, field: 'value' | 'highValue'): string {
  const value = filter[field];
  if (value === undefined)
    throw validationError(`${filter.operator} on ${filter.propertyName} needs a ${field}.`);
  return String(value);
}

type Predicate = (record: CrmRecord) => boolean;

function compileFilter(definitions: Definitions, filter: FilterInput): Predicate {
  const name = filter.propertyName;
  const kind = kindOf(definitions, name);
  const valueOf = (record: CrmRecord): string | undefined => {
    const value = name === 'hs_object_id' ? record.id : record.properties[name];
    return value === null || value === undefined || value === '' ? undefined : value;
  };
  const against = (raw: string) => {
    const value = comparable(kind, raw);
    if (value === undefined)
      throw validationError(`${JSON.stringify(raw)} is not a valid value for ${name}.`);
    return value;
  };
  const ordered = (test: (order: number) => boolean, raw: string): Predicate => {
    const target = against(raw);
    return (record) => {
      const stored = valueOf(record);
      const value = stored === undefined ? undefined : comparable(kind, stored);
      return value !== undefined && test(compare(value, target));
    };
  };
  switch (filter.operator) {
    case 'EQ':
      return ordered((order) => order === 0, requireValue(filter, 'value'));
    case 'NEQ': {
      const equal = ordered((order) => order === 0, requireValue(filter, 'value'));
      return (record) => !equal(record);
    }
    case 'LT':
      return ordered((order) => order < 0, requireValue(filter, 'value'));
    case 'LTE':
      return ordered((order) => order <= 0, requireValue(filter, 'value'));
    case 'GT':
      return ordered((order) => order > 0, requireValue(filter, 'value'));
    case 'GTE':
      return ordered((order) => order >= 0, requireValue(filter, 'value'));
    case 'BETWEEN': {
      const low = ordered((order) => order >= 0, requireValue(filter, 'value'));
      const high = ordered((order) => order <= 0, requireValue(filter, 'highValue'));
      return (record) => low(record) && high(record);
    }
    case 'IN':
    case 'NOT_IN': {
      if (!filter.values || filter.values.length === 0) {
        throw validationError(`${filter.operator} on ${name} needs a non-empty values list.`);
      }
      const members = filter.values.map((value) => ordered((order) => order === 0, String(value)));
      const isIn: Predicate = (record) => members.some((member) => member(record));
      return filter.operator === 'IN' ? isIn : (record) => !isIn(record);
    }
    case 'HAS_PROPERTY':
      return (record) => valueOf(record) !== undefined;
    case 'NOT_HAS_PROPERTY':
      return (record) => valueOf(record) === undefined;
    case 'CONTAINS_TOKEN':
    case 'NOT_CONTAINS_TOKEN': {
      const wanted = requireValue(filter, 'value');
      const has: Predicate = (record) => {
        const stored = valueOf(record);
        return stored !== undefined && containsToken(stored, wanted);
      };
      return filter.operator === 'CONTAINS_TOKEN' ? has : (record) => !has(record);
    }
  }
}

export function compileFilterGroups(
  definitions: Definitions,
  groups: { filters: FilterInput[] }[],
): Predicate {
  const compiled = groups
    .filter((group) => group.filters.length > 0)
    .map((group) => group.filters.map((filter) => compileFilter(definitions, filter)));
  if (compiled.length === 0) return () => true;
  return (record) => compiled.some((group) => group.every((predicate) => predicate(record)));
}

/**
 * Sorts records by the sorts (missing values last), then by id so that paging is stable. Each
 * record's sort keys are read once, which keeps a sort of 100,000 records quick.
 */
export function sortRecords(definitions: Definitions, sorts: SortInput[], records: CrmRecord[]): CrmRecord[] {
  const keys = sorts.map((sort) =>
    typeof sort === 'string'
      ? { name: sort.replace(/^-/, ''), descending: sort.startsWith('-') }
      : { name: sort.propertyName, descending: sort.direction === 'DESCENDING' },
  );
  const decorated = records.map((record) => ({
    record,
    id: Number(record.id),
    values: keys.map(({ name }) => {
      const raw = name === 'hs_object_id' ? record.id : record.properties[name];
      return raw === null || raw === undefined || raw === ''
        ? undefined
        : comparable(kindOf(definitions, name), raw);
    }),
  }));
  decorated.sort((a, b) => {
    for (let index = 0; index < keys.length; index += 1) {
      const left = a.values[index];
      const right = b.values[index];
      if (left === undefined || right === undefined) {
        if (left !== right) return left === undefined ? 1 : -1;
        continue;
      }
      const order = compare(left, right);
      if (order !== 0) return keys[index]!.descending ? -order : order;
    }
    return a.id - b.id;
  });
  return decorated.map((entry) => entry.record);
}
