/**
 * Scoring on a thread of its own: explaining a chunk of a thousand contacts takes a few hundred
 * milliseconds of arithmetic, which on the job's thread would hold up the other chunk's database
 * work. The thread keeps each model it is sent; the answers are those of `scoreRows`.
 */
import { Worker } from 'node:worker_threads';
import type { RecordValue } from './dataset.js';
import type { TrainedModel } from './model.js';
import type { Score, ScoreOptions } from './score.js';
import { serializeModel } from './serialize.js';

export type ScoringRequest =
  | { kind: 'model'; key: number; model: string }
  | { kind: 'forget'; key: number }
  | {
      kind: 'score';
      id: number;
      key: number;
      rows: readonly Record<string, RecordValue>[];
      options: Omit<ScoreOptions, 'backend'>;
    };
export type ScoringReply = { id: number; scores: Score[] } | { id: number; error: string };

const MODELS_KEPT = 8;

class ScoringThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (s: Score[]) => void; reject: (e: Error) => void }>();
  /** The models the thread holds, oldest first: a few, as a worker scores with a few at a time. */
  private readonly keys = new Map<TrainedModel, number>();
  private nextKey = 0;
  private nextId = 0;
  failed = false;

  constructor() {
    this.worker = new Worker(new URL('./thread-entry.mjs', import.meta.url), {
      workerData: { module: './score-thread-main.ts' },
    });
    // An idle scoring thread never keeps the process alive.
    this.worker.unref();
    this.worker.on('message', (reply: ScoringReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if ('error' in reply) waiting.reject(new Error(reply.error));
      else waiting.resolve(reply.scores);
    });
    const fail = (error: Error) => {
      this.failed = true;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the scoring thread exited with code ${code}`)));
  }

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
        this.post({ kind: 'forget', key: oldKey });
      }
      key = this.nextKey++;
      this.keys.set(model, key);
      this.post({ kind: 'model', key, model: serializeModel(model) });
    }
    const id = this.nextId++;
    return new Promise<Score[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.post({ kind: 'score', id, key, rows, options });
    }).finally(() => {
      if (this.pending.size === 0) this.worker.unref();
    });
  }

  private post(request: ScoringRequest): void {
    this.worker.postMessage(request);
  }
}

let thread: ScoringThread | undefined;

/** `scoreRows` on the process's scoring thread (started on first use, restarted if it died). */
export function scoreRowsInThread(
  model: TrainedModel,
  rows: readonly Record<string, RecordValue>[],
  options: Omit<ScoreOptions, 'backend'> = {},
): Promise<Score[]> {
  if (!thread || thread.failed) thread = new ScoringThread();
  return thread.score(model, rows, options);
}
