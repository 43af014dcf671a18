/**
 * One column's profile, built a cell at a time: counts by type, distinct values up to a cap,
 * values no customer can have, and a bounded sample for quantiles.
 */
import { CELL_TYPES, cellText, type ReadCell } from './cells.js';
import { NumberReservoir, quantile } from './quantiles.js';
import { EARLIEST_DATE_MS, rangeRuleFor, type RangeRule } from './range-rules.js';
import type { CellType, ColumnQuality, RangeViolation } from './types.js';

/** Distinct values are counted one by one up to this many per column. */
const DISTINCT_CAP = 10_000;
const EXAMPLES = 5;
const TOP_CATEGORIES = 8;

interface Violations {
  rule: RangeRule | { issue: 'future_date' | 'impossible_date'; rule: string };
  count: number;
  examples: { row: string; value: string }[];
}

export class ColumnProfile {
  missing = 0;
  readonly types: Record<CellType, number> = { number: 0, date: 0, text: 0 };
  readonly distinct = new Set<string>();
  distinctOverflow = false;
  readonly numbers = new NumberReservoir();
  readonly dates = new NumberReservoir(5_000);
  readonly categories = new Map<string, number>();
  categoriesOverflow = 0;
  sum = 0;
  sumSquares = 0;
  readonly firstOfType: Partial<Record<CellType, { row: string; value: string }[]>> = {};
  readonly violations = new Map<string, Violations>();
  readonly rangeRule: RangeRule | null;

  constructor(readonly name: string) {
    this.rangeRule = rangeRuleFor(name);
  }

  add(read: ReadCell, row: string, asOfMs: number): void {
    if (read.type === null) {
      this.missing++;
      return;
    }
    this.types[read.type]++;
    const text = cellText(read);
    const seen = (this.firstOfType[read.type] ??= []);
    if (seen.length < EXAMPLES) seen.push({ row, value: text });
    if (this.distinct.size < DISTINCT_CAP) this.distinct.add(text);
    else if (!this.distinct.has(text)) this.distinctOverflow = true;
    if (read.type === 'number') {
      this.numbers.add(read.value);
      this.sum += read.value;
      this.sumSquares += read.value * read.value;
      if (this.rangeRule?.violates(read.value)) this.violate(this.rangeRule, row, text);
    } else if (read.type === 'date') {
      this.dates.add(read.value);
      if (read.value > asOfMs)
        this.violate({ issue: 'future_date', rule: 'a date in the future' }, row, text);
      else if (read.value < EARLIEST_DATE_MS)
        this.violate({ issue: 'impossible_date', rule: 'a date before 1900' }, row, text);
    } else {
      const count = this.categories.get(read.value);
      if (count !== undefined) this.categories.set(read.value, count + 1);
      else if (this.categories.size < DISTINCT_CAP) this.categories.set(read.value, 1);
      else this.categoriesOverflow++;
    }
  }

  private violate(rule: Violations['rule'], row: string, value: string): void {
    let v = this.violations.get(rule.rule);
    if (!v) this.violations.set(rule.rule, (v = { rule, count: 0, examples: [] }));
    v.count++;
    if (v.examples.length < EXAMPLES) v.examples.push({ row, value });
  }

  get present(): number {
    return this.types.number + this.types.date + this.types.text;
  }

  dominantType(): CellType | null {
    if (this.present === 0) return null;
    return CELL_TYPES.reduce((best, t) => (this.types[t] > this.types[best] ? t : best));
  }

  finish(rows: number): ColumnQuality {
    const type = this.dominantType();
    const present = this.present;
    return {
      name: this.name,
      type,
      completeness: rows === 0 ? 0 : present / rows,
      missing: this.missing,
      distinct: this.distinct.size,
      distinctAtLeast: this.distinctOverflow,
      typeConsistency: present === 0 || type === null ? 1 : this.types[type] / present,
      types: { ...this.types },
      strayExamples: CELL_TYPES.filter((t) => t !== type).flatMap((t) => this.firstOfType[t] ?? []),
      outOfRange: [...this.violations.values()].map((v): RangeViolation => ({
        issue: v.rule.issue,
        rule: v.rule.rule,
        count: v.count,
        examples: v.examples,
      })),
      summary: this.summary(type),
    };
  }

  private summary(type: CellType | null): ColumnQuality['summary'] {
    if (type === 'number') {
      const s = this.numbers.sorted();
      const n = this.types.number;
      const mean = this.sum / n;
      const std = Math.sqrt(Math.max(0, this.sumSquares / n - mean * mean));
      const q = (p: number) => quantile(s, p);
      return {
        kind: 'number',
        min: s[0]!,
        p05: q(0.05),
        p25: q(0.25),
        median: q(0.5),
        p75: q(0.75),
        p95: q(0.95),
        max: s[s.length - 1]!,
        mean,
        std,
      };
    }
    if (type === 'date') {
      const s = this.dates.sorted();
      const iso = (ms: number) => new Date(ms).toISOString();
      return { kind: 'date', min: iso(s[0]!), median: iso(quantile(s, 0.5)), max: iso(s[s.length - 1]!) };
    }
    if (type === 'text') {
      const total = this.types.text;
      // Every value distinct (an identifier): no category stands out.
      if (this.categories.size === total) return { kind: 'text', top: [] };
      const top = [...this.categories.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, TOP_CATEGORIES)
        .map(([value, rows]) => ({ value, rows, share: rows / total }));
      return { kind: 'text', top };
    }
    return null;
  }
}
