/**
 * WHERE clauses compiled once into a function of a record, so a query over 100,000 records
 * resolves names, checks value types and builds LIKE patterns once, not per record.
 *
 * Comparisons follow the field's describe type, as in Salesforce: text compares without regard
 * to case; ids compare by their first 15 characters (a 15- and an 18-character id of the same
 * record are equal); dates and datetimes compare by day or instant, and a date literal or
 * `TODAY` stands for its whole day; a checkbox is never null. `!=` and `NOT IN` match nulls.
 * A value of the wrong type (a quoted datetime, an unquoted string) is INVALID_FIELD.
 */
import type { SfField, SfObjectSchema, SfRecord, SfValue, SoqlSource } from '../types.js';
import type { ComparisonOperator, Condition, FieldRef, Literal } from './ast.js';
import { DAY_MS, dateValueKey, dayKey, dayStart, instantKey, relativeSpan } from './dates.js';
import { queryError } from './errors.js';
import { fieldKind, resolveField, type FieldKind } from './fields.js';

export type Predicate = (record: SfRecord) => boolean;

/** A test of one field value. */
type Test = (value: SfValue) => boolean;

export interface CompileContext {
  text: string;
  schema: SfObjectSchema;
  source: SoqlSource;
  /** The moment `TODAY` and `LAST_N_DAYS:n` are counted from. */
  now: Date;
}

export function compileCondition(condition: Condition, context: CompileContext): Predicate {
  switch (condition.kind) {
    case 'and': {
      const parts = condition.operands.map((operand) => compileCondition(operand, context));
      return (record) => {
        for (const part of parts) if (!part(record)) return false;
        return true;
      };
    }
    case 'or': {
      const parts = condition.operands.map((operand) => compileCondition(operand, context));
      return (record) => {
        for (const part of parts) if (part(record)) return true;
        return false;
      };
    }
    case 'not': {
      const inner = compileCondition(condition.operand, context);
      return (record) => !inner(record);
    }
    case 'compare': {
      const { read, field } = filterField(condition.field, context);
      const test = comparison(field, condition.operator, condition.value, context);
      return (record) => test(read(record));
    }
    case 'in': {
      const { read, field } = filterField(condition.field, context);
      const test = membership(field, condition.values, context);
      return condition.negated ? (record) => !test(read(record)) : (record) => test(read(record));
    }
  }
}

function filterField(ref: FieldRef, context: CompileContext) {
  const resolved = resolveField(ref, context.schema, context.source, context.text);
  if (!resolved.field.filterable) {
    throw queryError(
      context.text,
      ref.start,
      'INVALID_FIELD',
      `field '${resolved.field.name}' can not be filtered in a query call`,
    );
  }
  return resolved;
}

/** How a kind of field turns stored values and literals into comparable keys (null: no value). */
interface KeyedKind<K extends string | number> {
  key: (value: SfValue) => K | null;
  literal: (literal: Literal) => K;
}

function comparison(
  field: SfField,
  operator: ComparisonOperator,
  literal: Literal,
  context: CompileContext,
): Test {
  const kind = fieldKind(field.type);
  if (operator === 'LIKE') {
    if (kind !== 'text' && kind !== 'id') {
      throw queryError(
        context.text,
        literal.start,
        'INVALID_QUERY_FILTER_OPERATOR',
        `invalid operator on ${field.type} field`,
      );
    }
    if (literal.kind === 'null') return (value) => value === null;
    if (literal.kind !== 'string') throw wrongValue(field, literal, context);
    const pattern = likePattern(literal.value, literal.wildcards);
    return (value) => typeof value === 'string' && pattern.test(value);
  }
  if (literal.kind === 'null') {
    // A checkbox is never null: `= null` matches nothing and `!= null` everything.
    if (operator === '=') return kind === 'boolean' ? () => false : (value) => value === null;
    if (operator === '!=') return kind === 'boolean' ? () => true : (value) => value !== null;
    return () => false;
  }
  if (kind === 'date' || kind === 'datetime') return spanTest(operator, kind, field, literal, context);
  const keyed = keyedKind(kind, field, context);
  return ordered(operator, keyed.key, keyed.literal(literal));
}

function membership(field: SfField, values: Literal[], context: CompileContext): Test {
  const kind = fieldKind(field.type);
  const withNull = values.some((literal) => literal.kind === 'null');
  const given = values.filter((literal) => literal.kind !== 'null');
  if (kind === 'date' || kind === 'datetime') {
    const tests = given.map((literal) => spanTest('=', kind, field, literal, context));
    return (value) => (value === null ? withNull : tests.some((test) => test(value)));
  }
  const keyed = keyedKind(kind, field, context);
  const keys = new Set<string | number>(given.map((literal) => keyed.literal(literal)));
  if (kind === 'boolean') return (value) => keys.has(keyed.key(value) as number);
  return (value) => {
    const key = keyed.key(value);
    return key === null ? withNull : keys.has(key);
  };
}

function keyedKind(
  kind: Exclude<FieldKind, 'date' | 'datetime'>,
  field: SfField,
  context: CompileContext,
): KeyedKind<string | number> {
  const wrong = (literal: Literal): never => {
    throw wrongValue(field, literal, context);
  };
  switch (kind) {
    case 'text':
      return {
        key: (value) => (typeof value === 'string' ? value.toLowerCase() : null),
        literal: (literal) => (literal.kind === 'string' ? literal.value.toLowerCase() : wrong(literal)),
      };
    case 'id':
      return {
        key: (value) => (typeof value === 'string' ? value.slice(0, 15) : null),
        literal: (literal) =>
          literal.kind === 'string' ? idKey(literal.value, literal.start, context) : wrong(literal),
      };
    case 'number':
      return {
        key: (value) => (typeof value === 'number' ? value : null),
        literal: (literal) => (literal.kind === 'number' ? literal.value : wrong(literal)),
      };
    case 'boolean':
      return {
        key: (value) => (value === true ? 1 : 0),
        literal: (literal) => (literal.kind === 'boolean' ? Number(literal.value) : wrong(literal)),
      };
  }
}

const ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** The 15-character form of an id literal; a string that is no id is refused as Salesforce does. */
function idKey(id: string, start: number, context: CompileContext): string {
  if (!ID.test(id))
    throw queryError(context.text, start, 'INVALID_QUERY_FILTER_OPERATOR', `invalid ID field: ${id}`);
  return id.slice(0, 15);
}

function ordered<K extends string | number>(
  operator: ComparisonOperator,
  key: (value: SfValue) => K | null,
  x: K,
): Test {
  switch (operator) {
    case '=':
      return (value) => key(value) === x;
    case '!=':
      return (value) => key(value) !== x;
    case '<':
      return (value) => {
        const k = key(value);
        return k !== null && k < x;
      };
    case '<=':
      return (value) => {
        const k = key(value);
        return k !== null && k <= x;
      };
    case '>':
      return (value) => {
        const k = key(value);
        return k !== null && k > x;
      };
    default:
      return (value) => {
        const k = key(value);
        return k !== null && k >= x;
      };
  }
}

/**
 * A date or datetime comparison. Every literal stands for a span (a datetime for its own
 * millisecond, a date or `TODAY` for a day, `LAST_N_DAYS:n` for n+1 days): `=` is inside it,
 * `<` before it, `>` after it. Date fields compare `YYYY-MM-DD` keys, datetimes milliseconds.
 */
function spanTest(
  operator: ComparisonOperator,
  kind: 'date' | 'datetime',
  field: SfField,
  literal: Literal,
  context: CompileContext,
): Test {
  let from: number;
  let to: number;
  if (literal.kind === 'relative') {
    ({ from, to } = relativeSpan(literal.name, literal.days, context.now));
  } else if (kind === 'date' && literal.kind === 'date') {
    from = dayStart(literal.value);
    to = from + DAY_MS;
  } else if (kind === 'datetime' && literal.kind === 'datetime') {
    from = literal.value;
    to = from + 1;
  } else {
    throw wrongValue(field, literal, context);
  }
  if (kind === 'date') return spanCompare(operator, dateValueKey, dayKey(from), dayKey(to));
  return spanCompare(operator, instantKey, from, to);
}

function spanCompare<K extends string | number>(
  operator: ComparisonOperator,
  key: (value: SfValue) => K | null,
  from: K,
  to: K,
): Test {
  const inside = (value: SfValue) => {
    const k = key(value);
    return k !== null && k >= from && k < to;
  };
  switch (operator) {
    case '=':
      return inside;
    case '!=':
      return (value) => !inside(value);
    case '<':
      return (value) => {
        const k = key(value);
        return k !== null && k < from;
      };
    case '<=':
      return (value) => {
        const k = key(value);
        return k !== null && k < to;
      };
    case '>':
      return (value) => {
        const k = key(value);
        return k !== null && k >= to;
      };
    default:
      return (value) => {
        const k = key(value);
        return k !== null && k >= from;
      };
  }
}

/** INVALID_FIELD for a value of the wrong type, in Salesforce's words. */
function wrongValue(field: SfField, literal: Literal, context: CompileContext) {
  const kind = fieldKind(field.type);
  const typeName = {
    text: 'string',
    id: 'id',
    number: field.type,
    boolean: 'boolean',
    date: 'date',
    datetime: 'dateTime',
  }[kind];
  const quoting =
    kind === 'text' || kind === 'id' ? 'should be enclosed in quotes' : 'should not be enclosed in quotes';
  return queryError(
    context.text,
    literal.start,
    'INVALID_FIELD',
    `value of filter criterion for field '${field.name}' must be of type ${typeName} and ${quoting}`,
  );
}

const REGEXP_SPECIAL = /[.*+?^${}()|[\]\\/]/;

/** LIKE's pattern as an anchored, case-insensitive regular expression (`%` any run, `_` one character). */
function likePattern(value: string, wildcards: number[]): RegExp {
  const wild = new Set(wildcards);
  let source = '';
  for (let i = 0; i < value.length; i++) {
    const char = value[i] as string;
    if (wild.has(i)) source += char === '%' ? '[\\s\\S]*' : '[\\s\\S]';
    else source += REGEXP_SPECIAL.test(char) ? `\\${char}` : char;
  }
  return new RegExp(`^${source}$`, 'i');
}
