/**
 * Early-warning patterns: how each behaviour feature moves over the 90 days before a customer
 * churns, against retained customers over the same offsets. Training rows arrive a chunk of
 * contacts at a time with one row per monthly cutoff; a churner's rows at the cutoffs 90, 60, 30
 * and 0 days before the last cutoff ahead of its churn form its path, a retained customer's rows
 * before the last cutoff form its path.
 */
import { FEATURE_CATALOGUE } from '../features/index.js';
import type { TrainingRow } from '../features/index.js';
import type { EarlyWarning } from './types.js';

/** Cutoffs looked at before the churn: the offsets are these many cutoff steps back. */
const STEPS = 4;

const BEHAVIOUR = FEATURE_CATALOGUE.filter((f) => f.type === 'numeric' && f.source !== 'contacts').map(
  (f) => ({ name: f.name, label: f.label }),
);

class Sums {
  readonly n = new Float64Array(BEHAVIOUR.length * STEPS);
  readonly sum = new Float64Array(BEHAVIOUR.length * STEPS);
  readonly squares = new Float64Array(BEHAVIOUR.length * STEPS);
  paths = 0;

  addPath(rows: readonly TrainingRow[]): void {
    this.paths++;
    rows.forEach((row, step) => {
      BEHAVIOUR.forEach((f, j) => {
        const v = row.values[f.name];
        if (typeof v !== 'number' || !Number.isFinite(v)) return;
        const p = j * STEPS + step;
        this.n[p]!++;
        this.sum[p]! += v;
        this.squares[p]! += v * v;
      });
    });
  }

  mean(j: number, step: number): number | null {
    const p = j * STEPS + step;
    return this.n[p]! === 0 ? null : this.sum[p]! / this.n[p]!;
  }

  std(j: number, step: number): number {
    const p = j * STEPS + step;
    const n = this.n[p]!;
    if (n < 2) return 0;
    const mean = this.sum[p]! / n;
    return Math.sqrt(Math.max(0, this.squares[p]! / n - mean * mean));
  }
}

/**
 * Feed `add` every batch of a training set built over evenly spaced cutoffs (ascending, at least
 * four) in the order `buildTrainingSet` yields them.
 */
export class EarlyWarningCollector {
  private readonly churned = new Sums();
  private readonly retained = new Sums();
  /** The current chunk's rows by contact, then by cutoff index. */
  private chunk = new Map<string, Map<number, TrainingRow>>();
  private lastIndex = -1;
  private readonly indexOf: Map<number, number>;
  /** Days before the path's last cutoff, e.g. −90, −60, −30, 0 for monthly cutoffs. */
  readonly offsets: number[];

  constructor(private readonly cutoffs: readonly Date[]) {
    this.indexOf = new Map(cutoffs.map((c, i) => [c.getTime(), i]));
    const step = cutoffs.length > 1 ? (cutoffs[1]!.getTime() - cutoffs[0]!.getTime()) / 86_400_000 : 30;
    this.offsets = Array.from({ length: STEPS }, (_, k) => Math.round((k - STEPS + 1) * step));
  }

  add(rows: readonly TrainingRow[]): void {
    if (rows.length === 0) return;
    const index = this.indexOf.get(rows[0]!.cutoff.getTime());
    if (index === undefined) return;
    // Cutoffs run in order within a chunk of contacts; going back means the next chunk began.
    if (index <= this.lastIndex) this.flush();
    this.lastIndex = index;
    for (const row of rows) {
      let byCutoff = this.chunk.get(row.contactId);
      if (!byCutoff) this.chunk.set(row.contactId, (byCutoff = new Map()));
      byCutoff.set(index, row);
    }
  }

  private flush(): void {
    const last = this.cutoffs.length - 1;
    for (const byCutoff of this.chunk.values()) {
      const churnIndex = [...byCutoff.entries()].find(([, r]) => r.label === 1)?.[0];
      const end = churnIndex ?? last;
      const path: TrainingRow[] = [];
      for (let k = end - STEPS + 1; k <= end; k++) {
        const row = byCutoff.get(k);
        if (row) path.push(row);
      }
      if (path.length < STEPS) continue;
      if (churnIndex !== undefined) this.churned.addPath(path);
      else this.retained.addPath(path);
    }
    this.chunk = new Map();
    this.lastIndex = -1;
  }

  finish(): { patterns: EarlyWarning[]; churnedPaths: number; retainedPaths: number } {
    this.flush();
    const patterns = BEHAVIOUR.map((f, j): EarlyWarning => {
      const churned = this.offsets.map((_, s) => this.churned.mean(j, s));
      const retained = this.offsets.map((_, s) => this.retained.mean(j, s));
      const a = churned[STEPS - 1];
      const b = retained[STEPS - 1];
      const sd = this.retained.std(j, STEPS - 1);
      const gap =
        a === null || a === undefined || b === null || b === undefined || sd === 0 ? 0 : (a - b) / sd;
      return { feature: f.name, label: f.label, offsets: this.offsets, churned, retained, gap };
    });
    return {
      patterns: patterns.sort((x, y) => Math.abs(y.gap) - Math.abs(x.gap)),
      churnedPaths: this.churned.paths,
      retainedPaths: this.retained.paths,
    };
  }
}
