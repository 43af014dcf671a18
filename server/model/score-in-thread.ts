/**
 * Scoring on a thread of its own: explaining a chunk of a thousand contacts takes a few hundred
 * milliseconds of arithmetic, which on the job's thread would hold up the other chunk's database
 * work. The thread keeps each model it is sent; the answers are those of `scoreRows`.
 */
import { RequestThread } from '../threads/request-thread.js';
import type { RecordValue } from './dataset.js';
import type { TrainedModel } from './model.js';
import type { Score, ScoreOptions } from './score.js';
import { serializeModel } from './serialize.js';

export type ScoringRequest =
  | { kind: 'model'; key: number; model: string }
  | { kind: 'forget'; key: number }
  | {
      kind: 'score';
      key: number;
      rows: readonly Record<string, RecordValue>[];
      options: Omit<ScoreOptions, 'backend'>;
    };

const MODELS_KEPT = 8;

class ScoringThread {
  readonly thread = new RequestThread<ScoringRequest, Score[]>('../model/score-thread-main.ts', 'scoring');
  /** The models the thread holds, oldest first: a few, as a worker scores with a few at a time. */
  private readonly keys = new Map<TrainedModel, number>();
  private nextKey = 0;

  score(
    model: TrainedModel,
    rows: readonly Record<string, RecordValue>[],
    options: Omit<ScoreOptions, 'backend'>,
  ): Promise<Score[]> {
    let key = this.keys.get(model);
    if (key === undefined) {
      if (this.keys.size >= MODELS_KEPT) {
        const [oldest, oldKey] = this.keys.entries().next().value!;
        this.keys.delete(oldest);
        this.thread.tell({ kind: 'forget', key: oldKey } satisfies ScoringRequest);
      }
      key = this.nextKey++;
      this.keys.set(model, key);
      this.thread.tell({ kind: 'model', key, model: serializeModel(model) } satisfies ScoringRequest);
    }
    return this.thread.request({ kind: 'score', key, rows, options });
  }
}

let scoring: ScoringThread | undefined;

/** `scoreRows` on the process's scoring thread (started on first use, restarted if it died). */
export function scoreRowsInThread(
  model: TrainedModel,
  rows: readonly Record<string, RecordValue>[],
  options: Omit<ScoreOptions, 'backend'> = {},
): Promise<Score[]> {
  if (!scoring || scoring.thread.failed) scoring = new ScoringThread();
  return scoring.score(model, rows, options);
}
