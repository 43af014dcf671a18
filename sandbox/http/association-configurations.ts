/**
 * Association limits (`/crm/associations/2026-03/definitions/configurations/…` and the
 * `/crm/v4/associations/definitions/configurations/…` paths of the Node SDK's
 * `DefinitionConfigurationsApi`): list every limit the portal set, or those of one pair of object
 * types; create, update and purge them in batch. A limit names one of the pair's types (HubSpot's
 * or a label) and the most records of the other type one record may hold by it
 * (`maxToObjectIds`); the API's association writes enforce it (association-limit-check.ts).
 *
 * As HubSpot's changelog states, a label's limit may not exceed the limit of the pair's unlabeled
 * type, which bounds all of a record's associations of the pair (its examples suggest a strictly
 * lower bound; the stated rule is followed): a batch that would leave it so is refused whole. Creating a limit that is set already, or updating one that is not, is an error of that
 * input alone (a 207). The lists hold only the limits that are set.
 */
import express from 'express';
import { z } from 'zod';
import type { AssociationLimit } from '../association-limits.js';
import { OBJECT_TYPES, type AssociationTypeDefinition, type ObjectType, type PortalData } from '../store.js';
import { answerBatch } from './association-removals.js';
import { batch, batchBody, fromTo, readBoth, standardError, typesOrFail, writeFrom } from './associations.js';
import { callerOf } from './auth.js';
import { parseInput, validationError } from './errors.js';
import type { ApiGuard, ScopeRule } from './guards.js';
import { readScopes } from './object-types.js';
import { portalOf } from './records.js';
import { PREFIXES, routes } from './version.js';

const category = z.enum(['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED', 'WORK']);
const limitInput = z.object({
  category,
  typeId: z.number().int(),
  maxToObjectIds: z.number().int().min(1, 'maxToObjectIds must be at least 1'),
});
const specInput = z.object({ category, typeId: z.number().int() });

/** Listing all of a portal's limits needs the read scope of any one object type. */
const readAnyType: ScopeRule = () => ({ anyOf: OBJECT_TYPES.map((type) => readScopes(type)) });

/** The pair's types named by `inputs`, or a 400 for one the pair does not have. */
function pairTypes(
  portal: PortalData,
  fromType: ObjectType,
  toType: ObjectType,
  inputs: readonly z.infer<typeof specInput>[],
): AssociationTypeDefinition[] {
  return typesOrFail(
    portal,
    fromType,
    toType,
    inputs.map((input) => ({ associationCategory: input.category, associationTypeId: input.typeId })),
  );
}

/** `PublicAssociationDefinitionUserConfiguration`: a limit with its type's label. */
function configurationOf(
  portal: PortalData,
  fromType: ObjectType,
  toType: ObjectType,
  limit: AssociationLimit,
) {
  const type = portal
    .associationTypesBetween(fromType, toType)
    .find((candidate) => candidate.category === limit.category && candidate.typeId === limit.typeId);
  if (!type) return undefined;
  return {
    category: limit.category,
    typeId: limit.typeId,
    label: type.label,
    userEnforcedMaxToObjectIds: limit.maxToObjectIds,
  };
}

function configurationsBetween(portal: PortalData, fromType: ObjectType, toType: ObjectType) {
  return portal.associationLimits
    .between(fromType, toType)
    .flatMap((limit) => configurationOf(portal, fromType, toType, limit) ?? []);
}

/** The limit an input sets, with the category of the type it names. */
function limitOf(input: z.infer<typeof limitInput>, type: AssociationTypeDefinition): AssociationLimit {
  return { category: type.category, typeId: type.typeId, maxToObjectIds: input.maxToObjectIds };
}

/** One limit per type, the last given: what stays after a batch that names a type twice. */
function lastPerType(limits: readonly AssociationLimit[]): AssociationLimit[] {
  return [...new Map(limits.map((limit) => [`${limit.category}:${limit.typeId}`, limit])).values()];
}

/**
 * Refuses, with a 400 naming the allowed range, limits that would leave a label's limit above the
 * limit of the pair's unlabeled type; `changed` are the limits the batch sets, over those set now.
 */
function assertLabelLimitsWithinPairLimit(
  portal: PortalData,
  fromType: ObjectType,
  toType: ObjectType,
  changed: readonly AssociationLimit[],
): void {
  const unlabeled = portal.associationTypesBetween(fromType, toType).find((type) => type.label === null);
  if (!unlabeled) return;
  const after = lastPerType([...portal.associationLimits.between(fromType, toType), ...changed]);
  const isUnlabeled = (limit: AssociationLimit) =>
    limit.category === unlabeled.category && limit.typeId === unlabeled.typeId;
  const pairLimit = after.find(isUnlabeled)?.maxToObjectIds;
  const labelLimits = after.filter((limit) => !isUnlabeled(limit));
  const over = labelLimits.find((limit) => pairLimit !== undefined && limit.maxToObjectIds > pairLimit);
  if (pairLimit === undefined || !over) return;
  if (changed.some(isUnlabeled)) {
    const highest = Math.max(...labelLimits.map((limit) => limit.maxToObjectIds));
    throw validationError(
      `maxToObjectIds for the unlabeled type ${unlabeled.typeId} must be at least ${highest}, ` +
        `the highest limit of a label from ${fromType} to ${toType}.`,
    );
  }
  throw validationError(
    `maxToObjectIds for type ${over.typeId} must be from 1 to ${pairLimit}, ` +
      `the limit of the unlabeled type ${unlabeled.typeId} from ${fromType} to ${toType}.`,
  );
}

export function createAssociationConfigurationsRouter(guard: ApiGuard): express.Router {
  const router = express.Router();
  const pairPath = (suffix: string) =>
    routes(PREFIXES.associations, `/definitions/configurations/:fromObjectType/:toObjectType${suffix}`);

  router.get(
    routes(PREFIXES.associations, '/definitions/configurations/all'),
    ...guard(readAnyType),
    (_req, res) => {
      const portal = portalOf(callerOf(res));
      const results = portal.associationLimits
        .all()
        .flatMap(({ fromType, toType, limit }) => configurationOf(portal, fromType, toType, limit) ?? []);
      res.json({ results });
    },
  );

  router.get(pairPath(''), ...guard(readBoth), (req, res) => {
    const portal = portalOf(callerOf(res));
    const [fromType, toType] = fromTo(req);
    res.json({ results: configurationsBetween(portal, fromType, toType) });
  });

  router.post(pairPath('/batch/create'), ...guard(writeFrom), (req, res) => {
    const startedAt = new Date();
    const portal = portalOf(callerOf(res));
    const [fromType, toType] = fromTo(req);
    const { inputs } = parseInput(batch(limitInput), req.body);
    const types = pairTypes(portal, fromType, toType, inputs);
    const setAlready = inputs.map(
      (input) => portal.associationLimits.get(fromType, toType, input.category, input.typeId) !== undefined,
    );
    const fresh = inputs.flatMap((input, index) =>
      setAlready[index] ? [] : [limitOf(input, types[index]!)],
    );
    assertLabelLimitsWithinPairLimit(portal, fromType, toType, fresh);
    for (const limit of fresh) portal.associationLimits.set(fromType, toType, limit);
    const errors = inputs
      .filter((_input, index) => setAlready[index])
      .map((input) =>
        standardError(
          `A limit is set already for type ${input.typeId} from ${fromType} to ${toType}; change it with batch/update.`,
          { typeId: [String(input.typeId)] },
          'VALIDATION_ERROR',
        ),
      );
    const results = lastPerType(fresh).flatMap(
      (limit) => configurationOf(portal, fromType, toType, limit) ?? [],
    );
    res.status(errors.length > 0 ? 207 : 201).json(batchBody(startedAt, results, errors));
  });

  router.post(pairPath('/batch/update'), ...guard(writeFrom), (req, res) => {
    const startedAt = new Date();
    const portal = portalOf(callerOf(res));
    const [fromType, toType] = fromTo(req);
    const { inputs } = parseInput(batch(limitInput), req.body);
    const types = pairTypes(portal, fromType, toType, inputs);
    const isSet = inputs.map(
      (input) => portal.associationLimits.get(fromType, toType, input.category, input.typeId) !== undefined,
    );
    const changed = inputs.flatMap((input, index) => (isSet[index] ? [limitOf(input, types[index]!)] : []));
    assertLabelLimitsWithinPairLimit(portal, fromType, toType, changed);
    for (const limit of changed) portal.associationLimits.set(fromType, toType, limit);
    const errors = inputs
      .filter((_input, index) => !isSet[index])
      .map((input) =>
        standardError(`No limit is set for type ${input.typeId} from ${fromType} to ${toType}.`, {
          typeId: [String(input.typeId)],
        }),
      );
    const results = lastPerType(changed).map((limit) => ({
      category: limit.category,
      typeId: limit.typeId,
      userEnforcedMaxToObjectIds: limit.maxToObjectIds,
    }));
    res.status(errors.length > 0 ? 207 : 200).json(batchBody(startedAt, results, errors));
  });

  router.post(pairPath('/batch/purge'), ...guard(writeFrom), (req, res) => {
    const startedAt = new Date();
    const portal = portalOf(callerOf(res));
    const [fromType, toType] = fromTo(req);
    const { inputs } = parseInput(batch(specInput), req.body);
    pairTypes(portal, fromType, toType, inputs);
    for (const input of inputs)
      portal.associationLimits.remove(fromType, toType, input.category, input.typeId);
    answerBatch(req, res, startedAt);
  });

  return router;
}
