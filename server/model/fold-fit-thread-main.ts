/** Runs inside a fitting thread: fits each (candidate, fold) task it is sent and posts the outcome. */
import { parentPort } from 'node:worker_threads';
import { fitOnFold } from './candidates.js';
import type { FoldThreadReply, FoldThreadRequest } from './fold-fit-pool.js';
import { SeededRandom } from './random.js';

const post = (reply: FoldThreadReply) => parentPort!.postMessage(reply);

parentPort!.on('message', ({ index, task }: FoldThreadRequest) => {
  fitOnFold(task.candidate, task.x, task.labels, new SeededRandom(task.seed), task.validation, task.backend)
    .then((outcome) => post({ index, outcome }))
    .catch((error: unknown) =>
      post({
        index,
        error: {
          name: error instanceof Error ? error.name : 'Error',
          message: error instanceof Error ? error.message : String(error),
        },
      }),
    );
});
