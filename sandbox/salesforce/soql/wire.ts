/**
 * Query rows in the form REST serves them: each record an object with `attributes` (type and
 * URL) and its selected fields under their describe spelling, a parent (`Account.Name`) as a
 * nested object with its own `attributes`, or null when the reference is empty.
 */
import type { SfField, SfFieldType, SfRecord, SfValue, SoqlSource } from '../types.js';
import { fieldKind, parentOf, storedValue, type ResolvedField } from './fields.js';

export interface WireRecord {
  attributes: { type: string; url: string };
  [field: string]: unknown;
}

export interface SoqlResult {
  /** Matching rows (after WHERE, ORDER BY, OFFSET, LIMIT), in the wire form REST serves. */
  records: WireRecord[];
  /** For `SELECT COUNT() …`: the count, with records empty. Otherwise records.length. */
  totalSize: number;
  /** The selected columns in select order, as Bulk API 2.0 CSV headers name them (`Id`, `Account.Name`). */
  columns: string[];
  /**
   * The describe type of each column, so CSV can write datetimes as Bulk API 2.0 does; when
   * absent, CSV recognises datetimes by their wire form.
   */
  columnTypes?: SfFieldType[];
}

/** A datetime as REST writes it: UTC with milliseconds and a `+0000` offset. */
export function formatDateTime(date: Date): string {
  return `${date.toISOString().slice(0, 23)}+0000`;
}

/** A stored value as REST writes it for the field's type (a checkbox is never null). */
export function wireValue(field: SfField, value: SfValue): string | number | boolean | null {
  const kind = fieldKind(field.type);
  if (kind === 'boolean') return value === true || value === 'true';
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'datetime': {
      const date =
        value instanceof Date ? value : new Date(typeof value === 'string' ? value : Number(value));
      return Number.isNaN(date.getTime()) ? null : formatDateTime(date);
    }
    case 'date':
      return value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
    case 'number': {
      const number = typeof value === 'number' ? value : Number(value);
      return Number.isFinite(number) ? number : null;
    }
    default:
      return value instanceof Date ? formatDateTime(value) : String(value);
  }
}

/** The shape of a row: own fields, and parents with the fields read from them, in select order. */
export interface Projection {
  items: ProjectionItem[];
}

type ProjectionItem =
  | { kind: 'field'; field: SfField }
  | { kind: 'parent'; reference: SfField; name: string; projection: Projection };

export function buildProjection(fields: ResolvedField[]): Projection {
  const root: Projection = { items: [] };
  for (const { hops, field } of fields) {
    let projection = root;
    for (const reference of hops) {
      let parent = projection.items.find(
        (item): item is Extract<ProjectionItem, { kind: 'parent' }> =>
          item.kind === 'parent' && item.reference.name === reference.name,
      );
      if (!parent) {
        parent = {
          kind: 'parent',
          reference,
          name: reference.relationshipName as string,
          projection: { items: [] },
        };
        projection.items.push(parent);
      }
      projection = parent.projection;
    }
    if (!projection.items.some((item) => item.kind === 'field' && item.field.name === field.name)) {
      projection.items.push({ kind: 'field', field });
    }
  }
  return root;
}

/** One record as REST serves it; `urlBase` is `/services/data/vXX.X/sobjects/`. */
export function toWireRecord(
  record: SfRecord,
  projection: Projection,
  source: SoqlSource,
  urlBase: string,
): WireRecord {
  const wire: WireRecord = {
    attributes: { type: record.type, url: `${urlBase}${record.type}/${record.Id}` },
  };
  for (const item of projection.items) {
    if (item.kind === 'field') {
      wire[item.field.name] = wireValue(item.field, storedValue(record, item.field.name));
    } else {
      const parent = parentOf(record, item.reference, source);
      wire[item.name] = parent ? toWireRecord(parent, item.projection, source, urlBase) : null;
    }
  }
  return wire;
}
