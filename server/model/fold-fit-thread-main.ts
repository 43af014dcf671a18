/**
 * Runs inside a fitting thread: fits each (candidate, fold) task it is sent and posts the outcome,
 * or a final fit on every row and posts the predictor.
 */
import { parentPort } from 'node:worker_threads';
import { fitFinal, fitOnFold } from './candidates.js';
import type { FoldThreadReply, FoldThreadRequest } from './fold-fit-pool.js';
import { SeededRandom } from './random.js';

const post = (reply: FoldThreadReply) => parentPort!.postMessage(reply);

parentPort!.on('message', (request: FoldThreadRequest) => {
  const { index } = request;
  const fitted: Promise<FoldThreadReply> =
    'task' in request
      ? fitOnFold(
          request.task.candidate,
          request.task.x,
          request.task.labels,
          new SeededRandom(request.task.seed),
          request.task.validation,
          request.task.backend,
        ).then((outcome) => ({ index, outcome }))
      : fitFinal(
          request.final.candidate,
          request.final.iterations,
          request.final.x,
          request.final.labels,
          new SeededRandom(request.final.seed),
          undefined,
        ).then((predictor) => ({ index, predictor }));
  fitted.then(post).catch((error: unknown) =>
    post({
      index,
      error: {
        name: error instanceof Error ? error.name : 'Error',
        message: error instanceof Error ? error.message : String(error),
      },
    }),
  );
});
