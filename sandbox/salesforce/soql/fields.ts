/**
 * Field names in a query, resolved against the org's describe: case-insensitive names become the
 * describe's spelling, and `Account.Name` walks the reference field whose `relationshipName` is
 * `Account` to the parent record. Fields the API user may not see are absent from the describe,
 * so they are unknown here, as in Salesforce.
 */
import type { SfField, SfFieldType, SfObjectSchema, SfRecord, SfValue, SoqlSource } from '../types.js';
import type { FieldRef } from './ast.js';
import { noSuchColumn, unknownRelationship } from './errors.js';

/** How values of a field compare and sort. */
export type FieldKind = 'text' | 'id' | 'number' | 'boolean' | 'date' | 'datetime';

export function fieldKind(type: SfFieldType): FieldKind {
  switch (type) {
    case 'id':
    case 'reference':
      return 'id';
    case 'boolean':
      return 'boolean';
    case 'double':
    case 'currency':
    case 'int':
    case 'percent':
      return 'number';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    default:
      return 'text';
  }
}

/** A field path bound to the describe, with a reader for its value on a record. */
export interface ResolvedField {
  /** The reference fields walked to reach the field's record (empty for the queried object's own). */
  hops: SfField[];
  field: SfField;
  /** The path in the describe's spelling (`Account.Name`), as Bulk API CSV headers name it. */
  column: string;
  /** The field's value on the record (null when a parent on the way is missing). */
  read: (record: SfRecord) => SfValue;
}

/** How many parents a path may walk through, as in Salesforce. */
const MAX_HOPS = 5;

const fieldIndexes = new WeakMap<SfObjectSchema, Map<string, SfField>>();
const relationshipIndexes = new WeakMap<SfObjectSchema, Map<string, SfField>>();

function fieldIndex(schema: SfObjectSchema): Map<string, SfField> {
  let index = fieldIndexes.get(schema);
  if (!index) {
    index = new Map(schema.fields.map((field) => [field.name.toLowerCase(), field]));
    fieldIndexes.set(schema, index);
  }
  return index;
}

function relationshipIndex(schema: SfObjectSchema): Map<string, SfField> {
  let index = relationshipIndexes.get(schema);
  if (!index) {
    index = new Map();
    for (const field of schema.fields) {
      if (field.type === 'reference' && field.relationshipName)
        index.set(field.relationshipName.toLowerCase(), field);
    }
    relationshipIndexes.set(schema, index);
  }
  return index;
}

/** The field a query names, or INVALID_FIELD worded as Salesforce words it. */
export function resolveField(
  ref: FieldRef,
  schema: SfObjectSchema,
  source: SoqlSource,
  text: string,
): ResolvedField {
  const hops: SfField[] = [];
  const spelled: string[] = [];
  let owner = schema;
  const segments = ref.segments;
  if (segments.length - 1 > MAX_HOPS) throw unknownRelationship(text, ref.start, segments[MAX_HOPS] ?? '');
  for (const segment of segments.slice(0, -1)) {
    const reference = relationshipIndex(owner).get(segment.toLowerCase());
    const parent =
      reference && reference.referenceTo[0] ? source.schema(reference.referenceTo[0]) : undefined;
    if (!reference || !parent) throw unknownRelationship(text, ref.start, segment);
    hops.push(reference);
    spelled.push(reference.relationshipName as string);
    owner = parent;
  }
  const name = segments[segments.length - 1] as string;
  const field = fieldIndex(owner).get(name.toLowerCase());
  if (!field) throw noSuchColumn(text, ref.start, name, owner.name);
  spelled.push(field.name);
  return { hops, field, column: spelled.join('.'), read: reader(hops, field.name, source) };
}

/** A field's stored value on a record; the record's own `Id` stands for a missing `fields.Id`. */
export function storedValue(record: SfRecord, name: string): SfValue {
  const value = record.fields[name];
  if (value !== undefined) return value;
  return name === 'Id' ? record.Id : null;
}

/**
 * The parent a reference field points at, or undefined for an empty or dangling reference (a
 * deleted record is no one's parent).
 */
export function parentOf(record: SfRecord, reference: SfField, source: SoqlSource): SfRecord | undefined {
  const id = record.fields[reference.name];
  if (typeof id !== 'string' || id === '') return undefined;
  const parent = source.byId(id);
  return parent && parent.fields.IsDeleted !== true ? parent : undefined;
}

function reader(hops: SfField[], name: string, source: SoqlSource): (record: SfRecord) => SfValue {
  if (hops.length === 0) return (record) => storedValue(record, name);
  return (record) => {
    let current: SfRecord | undefined = record;
    for (const hop of hops) {
      current = parentOf(current, hop, source);
      if (!current) return null;
    }
    return storedValue(current, name);
  };
}
