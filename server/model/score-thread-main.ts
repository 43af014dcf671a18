/** Runs inside the scoring thread: keeps the models it is sent and scores rows with them. */
import { serveRequests } from '../threads/serve-requests.js';
import type { TrainedModel } from './model.js';
import { scoreRows } from './score.js';
import type { ScoringRequest } from './score-in-thread.js';
import { parseModel } from './serialize.js';

/** Each model it was sent, or why it could not be read. */
const models = new Map<number, TrainedModel | Error>();

serveRequests<ScoringRequest>((request) => {
  if (request.kind === 'model') {
    try {
      models.set(request.key, parseModel(request.model));
    } catch (error) {
      models.set(request.key, error instanceof Error ? error : new Error(String(error)));
    }
    return;
  }
  if (request.kind === 'forget') {
    models.delete(request.key);
    return;
  }
  const model = models.get(request.key);
  if (!model || model instanceof Error)
    throw new Error(model?.message ?? `the scoring thread has no model ${request.key}`);
  return scoreRows(model, request.rows, request.options);
});
