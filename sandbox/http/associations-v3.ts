/**
 * HubSpot's v3 associations API, as `@hubspot/api-client` 13.5 calls it
 * (`crm.associations.batchApi`, `crm.associations.schema.typesApi`): batch read, create and archive
 * under `/crm/v3/associations/{fromObjectType}/{toObjectType}/batch/…`, and a pair's types at
 * `…/types`. It reads and writes the same associations as the v4 API, naming each type as v3 does
 * (`v3Associations` in record-view.ts): a record linked by two types is listed once per type, as
 * object reads with `associations=` list it. A create adds one type to an association (with the
 * pair's unlabeled type, which every association holds); an archive removes one type, and removing
 * the unlabeled type removes the association.
 */
import express from 'express';
import { z } from 'zod';
import type { AssociationTypeDefinition, ObjectType, PortalData } from '../store.js';
import { assertWithinLimits, type PlannedAssociation } from './association-limit-check.js';
import {
  batch,
  batchBody,
  exists,
  fromTo,
  objectId,
  readBoth,
  standardError,
  writeFrom,
} from './associations.js';
import { callerOf, changeSource } from './auth.js';
import { parseInput, validationError } from './errors.js';
import type { ApiGuard } from './guards.js';
import { SINGULAR } from './object-types.js';
import { v3Associations } from './record-view.js';
import { portalOf } from './records.js';
import { PREFIXES, routes } from './version.js';

const namedAssociation = z.object({ from: objectId, to: objectId, type: z.string().min(1) });

/** The pair's type with each v3 name, or a 400 naming the pair's types. */
function typesByName(
  portal: PortalData,
  fromType: ObjectType,
  toType: ObjectType,
  names: readonly string[],
): AssociationTypeDefinition[] {
  const known = portal.associationTypesBetween(fromType, toType);
  if (known.length === 0)
    throw validationError(`${fromType} cannot be associated with ${toType} in this sandbox.`);
  return names.map((name) => {
    const type = known.find((candidate) => candidate.name === name);
    if (!type) {
      throw validationError(
        `${name} is not an association type from ${fromType} to ${toType}; ` +
          `the types are: ${known.map((candidate) => candidate.name).join(', ')}.`,
      );
    }
    return type;
  });
}

function planOf(
  fromType: ObjectType,
  toType: ObjectType,
  input: z.infer<typeof namedAssociation>,
  type: AssociationTypeDefinition,
): PlannedAssociation {
  return { fromType, fromId: input.from.id, toType, toId: input.to.id, types: [type] };
}

/**
 * A write of named associations, read once for create and archive: who calls, the pair of types,
 * the inputs, and each input's association type by its v3 name (an unknown name is refused).
 */
function namedBatch(req: express.Request, res: express.Response) {
  const caller = callerOf(res);
  const portal = portalOf(caller);
  const [fromType, toType] = fromTo(req);
  const { inputs } = parseInput(batch(namedAssociation), req.body);
  const types = typesByName(
    portal,
    fromType,
    toType,
    inputs.map((input) => input.type),
  );
  return { caller, portal, fromType, toType, inputs, types };
}

export function createAssociationsV3Router(guard: ApiGuard): express.Router {
  const router = express.Router();
  const pairPath = (suffix: string) =>
    routes(PREFIXES.associationsV3, `/:fromObjectType/:toObjectType${suffix}`);

  router.get(pairPath('/types'), ...guard(readBoth), (req, res) => {
    const portal = portalOf(callerOf(res));
    const [fromType, toType] = fromTo(req);
    res.json({
      results: portal
        .associationTypesBetween(fromType, toType)
        .map((type) => ({ id: String(type.typeId), name: type.name })),
    });
  });

  router.post(pairPath('/batch/read'), ...guard(readBoth), (req, res) => {
    const startedAt = new Date();
    const portal = portalOf(callerOf(res));
    const [fromType, toType] = fromTo(req);
    const { inputs } = parseInput(batch(objectId), req.body);
    const results: unknown[] = [];
    const errors: ReturnType<typeof standardError>[] = [];
    for (const { id } of inputs) {
      const to = exists(portal, fromType, id) ? v3Associations(portal, fromType, id, toType) : [];
      if (to.length > 0) results.push({ from: { id }, to });
      else
        errors.push(
          standardError(`No ${SINGULAR[toType]} is associated with ${SINGULAR[fromType]} ${id}.`, {
            fromObjectId: [id],
          }),
        );
    }
    res.status(errors.length > 0 ? 207 : 200).json(batchBody(startedAt, results, errors));
  });

  router.post(pairPath('/batch/create'), ...guard(writeFrom), (req, res) => {
    const startedAt = new Date();
    const { caller, portal, fromType, toType, inputs, types } = namedBatch(req, res);
    const present = (input: z.infer<typeof namedAssociation>) =>
      exists(portal, fromType, input.from.id) && exists(portal, toType, input.to.id);
    const found = inputs
      .map((input, index) => ({ input, planned: planOf(fromType, toType, input, types[index]!) }))
      .filter(({ input }) => present(input));
    assertWithinLimits(
      portal,
      found.map(({ planned }) => planned),
    );
    const at = caller.store.now();
    for (const { planned } of found) {
      portal.addAssociationTypes(
        fromType,
        planned.fromId,
        toType,
        planned.toId,
        planned.types,
        at,
        changeSource(caller),
      );
    }
    const errors = inputs
      .filter((input) => !present(input))
      .map((input) =>
        standardError(
          `No ${SINGULAR[fromType]} ${input.from.id} or ${SINGULAR[toType]} ${input.to.id} to associate.`,
          { ids: [input.from.id, input.to.id] },
        ),
      );
    const results = found.map(({ input }) => ({ from: input.from, to: input.to, type: input.type }));
    res.status(errors.length > 0 ? 207 : 201).json(batchBody(startedAt, results, errors));
  });

  router.post(pairPath('/batch/archive'), ...guard(writeFrom), (req, res) => {
    const { caller, portal, fromType, toType, inputs, types } = namedBatch(req, res);
    const at = caller.store.now();
    inputs.forEach((input, index) => {
      portal.removeAssociationTypes(
        fromType,
        input.from.id,
        toType,
        input.to.id,
        [types[index]!.typeId],
        at,
        changeSource(caller),
      );
    });
    res.status(204).end();
  });

  return router;
}
