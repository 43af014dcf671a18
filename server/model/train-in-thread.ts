/**
 * Training on a thread of its own: a job that trains keeps its event loop free, so it renews its
 * queue lock, answers health checks and reports progress however long the training takes. Same
 * data set, options and result as `trainModel`.
 */
import { Worker } from 'node:worker_threads';
import type { Dataset } from './dataset.js';
import { ModelDataError } from './errors.js';
import type { TrainedModel } from './model.js';
import { parseModel } from './serialize.js';
import type { ThreadMessage } from './train-thread-main.js';
import type { TrainOptions } from './train.js';

export async function trainModelInThread(
  dataset: Dataset,
  options: TrainOptions = {},
): Promise<TrainedModel> {
  const { onProgress, ...rest } = options;
  const worker = new Worker(new URL('../threads/thread-entry.mjs', import.meta.url), {
    workerData: { module: '../model/train-thread-main.ts', dataset, options: rest },
  });
  try {
    return await new Promise<TrainedModel>((resolve, reject) => {
      worker.on('message', (message: ThreadMessage) => {
        if (message.kind === 'progress') onProgress?.(message.done, message.total);
        else if (message.kind === 'done') resolve(parseModel(message.model));
        else
          reject(
            message.name === 'ModelDataError'
              ? new ModelDataError('training_failed', message.message)
              : new Error(message.message),
          );
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`the training thread exited with code ${code}`)));
    });
  } finally {
    await worker.terminate();
  }
}
