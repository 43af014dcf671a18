import type { CorrelationPair } from './types.js';

/**
 * Pearson correlation of every pair of numeric columns over the rows where both have a value,
 * from running sums, so rows stream through once. Columns are shifted by their first value to keep
 * the sums well conditioned.
 */
export class PairwiseCorrelation {
  private readonly k: number;
  private readonly sums: Float64Array;
  private readonly shift: Float64Array;
  private readonly shifted: boolean[];

  constructor(readonly columns: readonly string[]) {
    this.k = columns.length;
    // Per pair (i < j): n, sx, sy, sxx, syy, sxy.
    this.sums = new Float64Array(((this.k * (this.k - 1)) / 2) * 6);
    this.shift = new Float64Array(this.k);
    this.shifted = new Array<boolean>(this.k).fill(false);
  }

  /** One row: NaN where a column has no value. */
  add(row: Float64Array): void {
    for (let i = 0; i < this.k; i++) {
      const v = row[i]!;
      if (!Number.isNaN(v) && !this.shifted[i]) {
        this.shift[i] = v;
        this.shifted[i] = true;
      }
    }
    let p = 0;
    for (let i = 0; i < this.k; i++) {
      const x = row[i]! - this.shift[i]!;
      if (Number.isNaN(x)) {
        p += (this.k - i - 1) * 6;
        continue;
      }
      for (let j = i + 1; j < this.k; j++, p += 6) {
        const y = row[j]! - this.shift[j]!;
        if (Number.isNaN(y)) continue;
        const s = this.sums;
        s[p]! += 1;
        s[p + 1]! += x;
        s[p + 2]! += y;
        s[p + 3]! += x * x;
        s[p + 4]! += y * y;
        s[p + 5]! += x * y;
      }
    }
  }

  /** Pairs with |r| at or above `min`, strongest first. */
  pairs(min: number, minRows = 10): CorrelationPair[] {
    const out: CorrelationPair[] = [];
    let p = 0;
    for (let i = 0; i < this.k; i++) {
      for (let j = i + 1; j < this.k; j++, p += 6) {
        const [n, sx, sy, sxx, syy, sxy] = this.sums.subarray(p, p + 6) as unknown as number[];
        if (n! < minRows) continue;
        const vx = sxx! - (sx! * sx!) / n!;
        const vy = syy! - (sy! * sy!) / n!;
        if (vx <= 1e-12 * Math.max(1, sxx!) || vy <= 1e-12 * Math.max(1, syy!)) continue;
        const r = (sxy! - (sx! * sy!) / n!) / Math.sqrt(vx * vy);
        if (Math.abs(r) >= min) out.push({ a: this.columns[i]!, b: this.columns[j]!, r, rows: n! });
      }
    }
    return out.sort((x, y) => Math.abs(y.r) - Math.abs(x.r));
  }
}
