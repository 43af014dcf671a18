import { SeededRandom } from '../model/random.js';

/**
 * A uniform sample of at most `capacity` numbers from a stream (reservoir sampling, seeded), so
 * quantiles of a column of any length come from bounded memory; exact while the stream fits.
 */
export class NumberReservoir {
  private readonly values: Float64Array;
  private seen = 0;
  private readonly random: SeededRandom;

  constructor(
    readonly capacity = 20_000,
    seed = 7,
  ) {
    this.values = new Float64Array(capacity);
    this.random = new SeededRandom(seed);
  }

  add(value: number): void {
    if (this.seen < this.capacity) this.values[this.seen] = value;
    else {
      const slot = Math.floor(this.random.next() * (this.seen + 1));
      if (slot < this.capacity) this.values[slot] = value;
    }
    this.seen++;
  }

  sorted(): Float64Array {
    return this.values.slice(0, Math.min(this.seen, this.capacity)).sort();
  }
}

/** The q-quantile of sorted values, interpolating between neighbours. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
