/**
 * A parsed SOQL query: what was written, with names as written (resolved against the describe
 * later) and the offset of every name and value, so that later errors can point at them.
 */

/** A field as written: `Email`, or a path through parents (`Account.Name`). */
export interface FieldRef {
  /** The path as written, split on dots. */
  segments: string[];
  text: string;
  start: number;
}

export type Literal = { start: number; text: string } &
  /** `wildcards`: offsets in `value` of the `%` and `_` that LIKE reads as wildcards. */
  (
    | { kind: 'string'; value: string; wildcards: number[] }
    | { kind: 'number'; value: number }
    | { kind: 'boolean'; value: boolean }
    | { kind: 'null' }
    /** `YYYY-MM-DD`. */
    | { kind: 'date'; value: string }
    /** Milliseconds since the epoch. */
    | { kind: 'datetime'; value: number }
    /** `TODAY`, `YESTERDAY`, `LAST_N_DAYS:n` (days is n; 0 for the others). */
    | { kind: 'relative'; name: RelativeDate; days: number }
  );

export type RelativeDate = 'TODAY' | 'YESTERDAY' | 'LAST_N_DAYS';

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE';

export type Condition =
  | { kind: 'and' | 'or'; operands: Condition[] }
  | { kind: 'not'; operand: Condition }
  | { kind: 'compare'; field: FieldRef; operator: ComparisonOperator; value: Literal }
  | { kind: 'in'; field: FieldRef; negated: boolean; values: Literal[] };

export interface OrderItem {
  field: FieldRef;
  descending: boolean;
  nullsFirst: boolean;
}

export interface SoqlQuery {
  /** The query text, for error messages that quote it. */
  text: string;
  select: { kind: 'count'; start: number } | { kind: 'fields'; fields: FieldRef[] };
  from: { name: string; start: number };
  where: Condition | null;
  orderBy: OrderItem[];
  limit: number | null;
  offset: { value: number; start: number } | null;
}
