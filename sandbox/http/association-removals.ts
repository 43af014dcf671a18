/**
 * Removing associations: one pair (`DELETE …/associations/{toObjectType}/{toObjectId}`), pairs in
 * batch (`batch/archive`), and some types of pairs while the records stay linked by the rest
 * (`batch/labels/archive`). The numbered v4 batch paths answer 204, as the Node SDK expects; the
 * dated ones answer 200 with a `BatchResponse`, as the 2026-03 spec declares.
 */
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { callerOf, changeSource } from './auth.js';
import { notFound, parseInput } from './errors.js';
import type { ApiGuard } from './guards.js';
import { batch, batchBody, exists, fromTo, objectId, spec, typesOrFail, writeFrom } from './associations.js';
import { PREFIXES, routes } from './version.js';

/** The answer to a batch removal: 204 on the numbered v4 paths, a `BatchResponse` on the dated ones. */
export function answerBatch(req: Request, res: Response, startedAt: Date): void {
  if (req.originalUrl.startsWith('/crm/v4/')) {
    res.status(204).end();
    return;
  }
  res.json(batchBody(startedAt, [], []));
}

export function createAssociationRemovalsRouter(guard: ApiGuard): express.Router {
  const router = express.Router();
  const batchPath = (action: string) =>
    routes(PREFIXES.associations, `/:fromObjectType/:toObjectType/batch/${action}`);

  router.delete(
    routes(PREFIXES.objectAssociations, '/:objectType/:objectId/associations/:toObjectType/:toObjectId'),
    ...guard(writeFrom),
    (req, res) => {
      const caller = callerOf(res);
      const [fromType, toType] = fromTo(req);
      const from = String(req.params.objectId);
      const to = String(req.params.toObjectId);
      typesOrFail(caller.portal, fromType, toType, []);
      if (!exists(caller.portal, fromType, from))
        throw notFound('Object not found.  objectId are usually numeric.');
      caller.portal.removeAssociationTypes(
        fromType,
        from,
        toType,
        to,
        'all',
        caller.store.now(),
        changeSource(caller),
      );
      res.status(204).end();
    },
  );

  router.post(batchPath('archive'), ...guard(writeFrom), (req, res) => {
    const startedAt = new Date();
    const caller = callerOf(res);
    const [fromType, toType] = fromTo(req);
    const { inputs } = parseInput(batch(z.object({ from: objectId, to: z.array(objectId) })), req.body);
    typesOrFail(caller.portal, fromType, toType, []);
    const at = caller.store.now();
    for (const input of inputs) {
      for (const to of input.to) {
        caller.portal.removeAssociationTypes(
          fromType,
          input.from.id,
          toType,
          to.id,
          'all',
          at,
          changeSource(caller),
        );
      }
    }
    answerBatch(req, res, startedAt);
  });

  router.post(batchPath('labels/archive'), ...guard(writeFrom), (req, res) => {
    const startedAt = new Date();
    const caller = callerOf(res);
    const [fromType, toType] = fromTo(req);
    const { inputs } = parseInput(
      batch(z.object({ from: objectId, to: objectId, types: z.array(spec).min(1) })),
      req.body,
    );
    const typesOf = inputs.map((input) => typesOrFail(caller.portal, fromType, toType, input.types));
    const at = caller.store.now();
    inputs.forEach((input, index) => {
      const typeIds = typesOf[index]!.map((type) => type.typeId);
      caller.portal.removeAssociationTypes(
        fromType,
        input.from.id,
        toType,
        input.to.id,
        typeIds,
        at,
        changeSource(caller),
      );
    });
    answerBatch(req, res, startedAt);
  });

  return router;
}
