/**
 * ORDER BY: each sort field's key is read once per matching record, then the records are sorted
 * by those keys. As in Salesforce, text sorts without regard to case, nulls come first when
 * ascending and last when descending unless `NULLS FIRST|LAST` says otherwise, and records that
 * tie keep the order the org lists them in.
 */
import type { SfObjectSchema, SfRecord, SfValue, SoqlSource } from '../types.js';
import type { OrderItem } from './ast.js';
import { queryError } from './errors.js';
import { fieldKind, resolveField, type FieldKind } from './fields.js';
import { dateValueKey, instantKey } from './dates.js';

type SortKey = string | number | null;

export interface SortField {
  read: (record: SfRecord) => SfValue;
  key: (value: SfValue) => SortKey;
  descending: boolean;
  nullsFirst: boolean;
}

const KEYS: Record<FieldKind, (value: SfValue) => SortKey> = {
  text: (value) => (typeof value === 'string' ? value.toLowerCase() : null),
  id: (value) => (typeof value === 'string' ? value : null),
  number: (value) => (typeof value === 'number' && !Number.isNaN(value) ? value : null),
  boolean: (value) => (value === true ? 1 : 0),
  date: dateValueKey,
  datetime: instantKey,
};

export function compileOrder(
  items: OrderItem[],
  schema: SfObjectSchema,
  source: SoqlSource,
  text: string,
): SortField[] {
  return items.map((item) => {
    const { field, read } = resolveField(item.field, schema, source, text);
    if (!field.sortable) {
      throw queryError(
        text,
        item.field.start,
        'INVALID_FIELD',
        `field '${field.name}' can not be sorted in a query call`,
      );
    }
    return {
      read,
      key: KEYS[fieldKind(field.type)],
      descending: item.descending,
      nullsFirst: item.nullsFirst,
    };
  });
}

/** The records in sort order (a new array; ties keep their order). */
export function sortRecords(records: SfRecord[], fields: SortField[]): SfRecord[] {
  const count = records.length;
  const columns = fields.map((field) => {
    const keys = new Array<SortKey>(count);
    for (let i = 0; i < count; i++) keys[i] = field.key(field.read(records[i] as SfRecord));
    return keys;
  });
  const order = Array.from({ length: count }, (_, i) => i);
  order.sort((a, b) => {
    for (let f = 0; f < fields.length; f++) {
      const keys = columns[f] as SortKey[];
      const x = keys[a] as SortKey;
      const y = keys[b] as SortKey;
      if (x === y) continue;
      const field = fields[f] as SortField;
      if (x === null) return field.nullsFirst ? -1 : 1;
      if (y === null) return field.nullsFirst ? 1 : -1;
      const sign = x < y ? -1 : 1;
      return field.descending ? -sign : sign;
    }
    return 0;
  });
  return order.map((i) => records[i] as SfRecord);
}
