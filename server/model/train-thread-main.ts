/** Runs inside a training thread: trains on the data set it is sent and posts the model back. */
import { parentPort, workerData } from 'node:worker_threads';
import type { Dataset } from './dataset.js';
import { serializeModel } from './serialize.js';
import { trainModel, type TrainOptions } from './train.js';

export type ThreadMessage =
  | { kind: 'progress'; done: number; total: number }
  | { kind: 'done'; model: string }
  | { kind: 'error'; message: string; name: string };

const { dataset, options } = workerData as { dataset: Dataset; options: Omit<TrainOptions, 'onProgress'> };
const post = (message: ThreadMessage) => parentPort!.postMessage(message);

try {
  const model = await trainModel(dataset, {
    ...options,
    onProgress: (done, total) => post({ kind: 'progress', done, total }),
  });
  post({ kind: 'done', model: serializeModel(model) });
} catch (error) {
  post({
    kind: 'error',
    message: error instanceof Error ? error.message : String(error),
    name: error instanceof Error ? error.name : 'Error',
  });
}
