/**
 * Values no customer can have, recognised by the column's name: a negative amount or count, an
 * NPS outside 0–10, a rate outside 0–1. Dates are checked apart (no future, nothing before 1900).
 * The first rule whose name pattern matches applies; a column no rule names is not range-checked.
 */
import type { QualityIssueKind } from './types.js';

export interface RangeRule {
  issue: QualityIssueKind;
  /** What the rule forbids, as the report words it. */
  rule: string;
  violates(value: number): boolean;
}

const negative = (what: string, issue: QualityIssueKind = 'out_of_range'): RangeRule => ({
  issue,
  rule: `a negative ${what}`,
  violates: (v) => v < 0,
});
const outside = (lo: number, hi: number, what: string): RangeRule => ({
  issue: 'out_of_range',
  rule: `${what} outside ${lo}–${hi}`,
  violates: (v) => v < lo || v > hi,
});

/** Words of a column name, split on case changes, digits and punctuation. */
function words(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter(Boolean);
}

const RULES: { when: (w: string[]) => boolean; rule: RangeRule }[] = [
  // Changes over time go either way.
  { when: (w) => w.some((x) => ['trend', 'change', 'delta', 'diff'].includes(x)), rule: noRule() },
  { when: (w) => w.includes('nps'), rule: outside(0, 10, 'an NPS') },
  { when: (w) => w.includes('sentiment'), rule: outside(-1, 1, 'a sentiment') },
  { when: (w) => w.some((x) => ['rate', 'share', 'ratio'].includes(x)), rule: outside(0, 1, 'a rate') },
  {
    when: (w) => w.some((x) => ['percent', 'pct', 'percentage'].includes(x)),
    rule: outside(0, 100, 'a percentage'),
  },
  { when: (w) => w.includes('age') && w.length <= 2, rule: outside(0, 120, 'an age') },
  {
    when: (w) =>
      w.some((x) =>
        [
          'amount',
          'revenue',
          'price',
          'charge',
          'charges',
          'spend',
          'cost',
          'balance',
          'salary',
          'mrr',
          'arr',
          'income',
          'payment',
        ].includes(x),
      ),
    rule: negative('amount', 'negative_amount'),
  },
  {
    when: (w) =>
      w.some((x) =>
        [
          'count',
          'tickets',
          'sessions',
          'emails',
          'purchases',
          'minutes',
          'hours',
          'days',
          'tenure',
          'size',
          'used',
          'num',
          'number',
          'products',
          'quantity',
        ].includes(x),
      ),
    rule: negative('count or duration'),
  },
];

function noRule(): RangeRule {
  return { issue: 'out_of_range', rule: 'none', violates: () => false };
}

export function rangeRuleFor(column: string): RangeRule | null {
  const w = words(column);
  const found = RULES.find((r) => r.when(w))?.rule;
  return found === undefined || found.rule === 'none' ? null : found;
}

/** Earlier than this is a typo or a placeholder, not a customer's history. */
export const EARLIEST_DATE_MS = Date.UTC(1900, 0, 1);
