/**
 * Cross-validation's fits on worker threads: every (candidate, inner fold) pair is independent and
 * seeded on its own, so a pool of threads fits them side by side and the outcomes, gathered in
 * task order, are the ones a single thread would give. The calling thread fits its share too
 * instead of waiting, so `threads` fits run at once on `threads - 1` threads started for them.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fitOnFold, type Candidate, type FoldOutcome } from './candidates.js';
import type { Predictor } from './model.js';
import { SeededRandom } from './random.js';
import type { Matrix } from './encoder.js';
import type { TfBackend } from './tf-runtime.js';

export interface FoldTask {
  candidate: Candidate;
  x: Matrix;
  labels: Uint8Array;
  validation: { x: Matrix; labels: Uint8Array };
  /** Seed of the fit's own generator. */
  seed: number;
  backend?: TfBackend;
}

/** A fit on every training row with the rounds the cross-validation chose (`fitFinal`). */
export interface FinalTask {
  candidate: Candidate;
  iterations: number | undefined;
  x: Matrix;
  labels: Uint8Array;
  seed: number;
}

export type FoldThreadRequest = { index: number; task: FoldTask } | { index: number; final: FinalTask };
export type FoldThreadReply =
  | { index: number; outcome: FoldOutcome }
  | { index: number; predictor: Predictor }
  | { index: number; error: { name: string; message: string } };

/**
 * Threads worth starting for `rows` training rows: one below a few thousand rows, where starting
 * a thread costs more than the fits it would share, else one per core.
 */
export function foldThreads(rows: number): number {
  return rows < 4000 ? 1 : Math.max(1, availableParallelism());
}

/** Fits every task on up to `threads` threads, this one included; `onDone` hears of each as it finishes. */
export async function fitFoldsInThreads(
  tasks: readonly FoldTask[],
  threads: number,
  onDone: (index: number) => void = () => {},
): Promise<FoldOutcome[]> {
  const outcomes = new Array<FoldOutcome>(tasks.length);
  // The costliest first, so no thread is left with a long fit at the end: deep trees, then
  // shallower ones, the network, and the linear model last.
  const order = tasks
    .map((task, index) => ({ index, cost: expectedCost(task.candidate) }))
    .sort((a, b) => b.cost - a.cost || a.index - b.index)
    .map((t) => t.index);
  const workers = Array.from({ length: Math.max(0, Math.min(threads, tasks.length) - 1) }, fittingThread);
  let next = 0;
  let finished = 0;
  let failed = false;
  try {
    await new Promise<void>((resolve, rejectPromise) => {
      const reject = (error: unknown) => {
        failed = true;
        rejectPromise(error);
      };
      const done = (index: number, outcome: FoldOutcome) => {
        outcomes[index] = outcome;
        onDone(index);
        if (++finished === tasks.length) resolve();
      };
      const feed = (worker: Worker) => {
        const index = order[next++];
        if (index === undefined) return;
        worker.postMessage({ index, task: tasks[index]! } satisfies FoldThreadRequest);
      };
      for (const worker of workers) {
        worker.on('message', (reply: FoldThreadReply) => {
          if ('error' in reply) {
            reject(threadError(reply.error));
            return;
          }
          if ('outcome' in reply) done(reply.index, reply.outcome);
          feed(worker);
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (finished < tasks.length) reject(new Error(`a fitting thread exited with code ${code}`));
        });
        feed(worker);
      }
      const fitHere = async () => {
        for (let index = order[next++]; index !== undefined && !failed; index = order[next++]) {
          const task = tasks[index]!;
          const random = new SeededRandom(task.seed);
          done(
            index,
            await fitOnFold(task.candidate, task.x, task.labels, random, task.validation, task.backend),
          );
        }
      };
      fitHere().catch(reject);
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return outcomes;
}

/**
 * A fit of the trees or the linear model on every row (`fitFinal`) on a thread of its own, so the
 * calling thread can do other work meanwhile; `cancel` stops the thread when the fit is not needed
 * after all. A network stays on the thread that holds its TensorFlow runtime.
 */
export function fitFinalInThread(task: FinalTask): { predictor: Promise<Predictor>; cancel: () => void } {
  if (task.candidate.family === 'mlp') throw new RangeError('a network is fitted on the calling thread');
  const worker = fittingThread();
  let cancelled = false;
  const stop = () => {
    cancelled = true;
    void worker.terminate();
  };
  const predictor = new Promise<Predictor>((resolve, reject) => {
    worker.on('message', (reply: FoldThreadReply) => {
      if ('predictor' in reply) resolve(reply.predictor);
      else if ('error' in reply) reject(threadError(reply.error));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (!cancelled) reject(new Error(`a fitting thread exited with code ${code}`));
    });
    worker.postMessage({ index: 0, final: task } satisfies FoldThreadRequest);
  }).finally(stop);
  return { predictor, cancel: stop };
}

/** A thread that fits what it is sent (./fold-fit-thread-main.ts). */
function fittingThread(): Worker {
  return new Worker(new URL('../threads/thread-entry.mjs', import.meta.url), {
    workerData: { module: '../model/fold-fit-thread-main.ts' },
  });
}

/** A thread's failure as the error the calling thread throws: its name and message kept. */
function threadError({ name, message }: { name: string; message: string }): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

function expectedCost(candidate: Candidate): number {
  switch (candidate.family) {
    case 'gbdt':
      return 10 + candidate.params.maxDepth;
    case 'mlp':
      return 5;
    case 'logistic':
      return 1;
  }
}
