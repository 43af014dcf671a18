/**
 * Associations between records: batch read (`/crm/associations/2026-03/{from}/{to}/batch/read`
 * and `/crm/v4/associations/…`), one record's associations with paging, and the writes an app
 * needs to link records (default association, labelled PUT, batch create and associate/default).
 * Each association holds a set of types (the default one always; a contact's primary company also
 * typeId 1), within the portal's association limits (association-limit-check.ts); removals are in
 * association-removals.ts, label definitions in association-labels.ts, the v3 API in
 * associations-v3.ts.
 */
import express, { type Request } from 'express';
import { z } from 'zod';
import type { Association, AssociationTypeDefinition, ObjectType, PortalData } from '../store.js';
import { callerOf, changeSource, type ApiCaller } from './auth.js';
import { notFound, parseInput, validationError } from './errors.js';
import type { ApiGuard, ScopeRule } from './guards.js';
import { assertWithinLimits } from './association-limit-check.js';
import { OBJECT_TYPE_IDS, readScopes, SINGULAR, writeScopes } from './object-types.js';
import { objectTypeParam, portalOf } from './records.js';
import { PREFIXES, routes } from './version.js';

const MAX_ASSOCIATION_INPUTS = 1000;
const PAGE_SIZE = 500;

export const fromTo = (req: Request): [ObjectType, ObjectType] => [
  objectTypeParam(req.params.fromObjectType ?? req.params.objectType),
  objectTypeParam(req.params.toObjectType),
];
export const readBoth: ScopeRule = (req) => [...new Set(fromTo(req).flatMap((type) => readScopes(type)))];
export const writeFrom: ScopeRule = (req) => writeScopes(fromTo(req)[0]);

export const objectId = z.object({ id: z.coerce.string() });
export const spec = z.object({
  associationCategory: z.enum(['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED', 'WORK']),
  associationTypeId: z.number().int(),
});
export const batch = <T extends z.ZodType>(item: T) =>
  z.object({ inputs: z.array(item).max(MAX_ASSOCIATION_INPUTS, `at most ${MAX_ASSOCIATION_INPUTS} inputs`) });

/** One target with every association type that links to it. */
function grouped(associations: Association[]) {
  const byTarget = new Map<string, { category: string; typeId: number; label: string | null }[]>();
  for (const association of associations) {
    const types = byTarget.get(association.toId) ?? [];
    types.push({ category: association.category, typeId: association.typeId, label: association.label });
    byTarget.set(association.toId, types);
  }
  return [...byTarget].map(([toObjectId, associationTypes]) => ({ toObjectId, associationTypes }));
}

function page<T>(items: T[], after: string | undefined, limit: number) {
  const offset = after === undefined ? 0 : Number(after);
  if (!Number.isInteger(offset) || offset < 0) throw validationError(`after is not a valid cursor: ${after}`);
  const end = offset + limit;
  return {
    results: items.slice(offset, end),
    ...(end < items.length ? { paging: { next: { after: String(end) } } } : {}),
  };
}

/** One input's error in a batch answer (HubSpot's `StandardError`). */
export function standardError(
  message: string,
  context: Record<string, string[]>,
  category = 'OBJECT_NOT_FOUND',
) {
  return { status: 'error', category, message, context, errors: [], links: {} };
}

export function batchBody(startedAt: Date, results: unknown[], errors: ReturnType<typeof standardError>[]) {
  return {
    status: 'COMPLETE',
    results,
    ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}),
    startedAt: startedAt.toISOString(),
    completedAt: new Date().toISOString(),
  };
}

/**
 * The portal's types named by `specs`, from `fromType` to `toType`; a type the pair does not have
 * (another pair's, an unknown label, a category the sandbox has none of) is refused.
 */
export function typesOrFail(
  portal: PortalData,
  fromType: ObjectType,
  toType: ObjectType,
  specs: readonly z.infer<typeof spec>[],
): AssociationTypeDefinition[] {
  const known = portal.associationTypesBetween(fromType, toType);
  if (known.length === 0)
    throw validationError(`${fromType} cannot be associated with ${toType} in this sandbox.`);
  return specs.map((item) => {
    const type = known.find(
      (candidate) =>
        candidate.category === item.associationCategory && candidate.typeId === item.associationTypeId,
    );
    if (!type)
      throw validationError(
        `${item.associationCategory} ${item.associationTypeId} is not an association type from ${fromType} to ${toType}.`,
      );
    return type;
  });
}

function defaultTypeOrFail(portal: PortalData, fromType: ObjectType, toType: ObjectType) {
  const unlabeled = portal.associationTypesBetween(fromType, toType).find((type) => type.label === null);
  if (!unlabeled) throw validationError(`${fromType} cannot be associated with ${toType} in this sandbox.`);
  return unlabeled;
}

/** `LabelsBetweenObjectPair`: the labels the association of two records now holds. */
function labelsBetween(
  portal: PortalData,
  fromType: ObjectType,
  from: string,
  toType: ObjectType,
  to: string,
) {
  return {
    fromObjectTypeId: OBJECT_TYPE_IDS[fromType],
    fromObjectId: from,
    toObjectTypeId: OBJECT_TYPE_IDS[toType],
    toObjectId: to,
    labels: portal
      .associationsOf(fromType, from, toType)
      .flatMap((association) => (association.toId === to && association.label ? [association.label] : [])),
  };
}

function link(
  caller: ApiCaller,
  fromType: ObjectType,
  from: string,
  toType: ObjectType,
  to: string,
  types: readonly AssociationTypeDefinition[],
): void {
  caller.portal.addAssociationTypes(
    fromType,
    from,
    toType,
    to,
    types,
    caller.store.now(),
    changeSource(caller),
  );
}

export function exists(portal: PortalData, type: ObjectType, id: string): boolean {
  const record = portal.recordsOf(type).get(id);
  return record !== undefined && !record.archived;
}

export function createAssociationsRouter(guard: ApiGuard): express.Router {
  const router = express.Router();
  const batchPath = (action: string) =>
    routes(PREFIXES.associations, `/:fromObjectType/:toObjectType/batch/${action}`);

  router.post(batchPath('read'), ...guard(readBoth), (req, res) => {
    const startedAt = new Date();
    const portal = portalOf(callerOf(res));
    const [fromType, toType] = fromTo(req);
    const { inputs } = parseInput(batch(objectId.extend({ after: z.string().optional() })), req.body);
    const results: unknown[] = [];
    const errors: ReturnType<typeof standardError>[] = [];
    for (const input of inputs) {
      const targets = exists(portal, fromType, input.id)
        ? grouped(portal.associationsOf(fromType, input.id, toType))
        : [];
      if (targets.length === 0) {
        errors.push(
          standardError(`No ${SINGULAR[toType]} is associated with ${SINGULAR[fromType]} ${input.id}.`, {
            fromObjectId: [input.id],
          }),
        );
        continue;
      }
      const { results: to, ...paging } = page(targets, input.after, PAGE_SIZE);
      results.push({ from: { id: input.id }, to, ...paging });
    }
    res.status(errors.length > 0 ? 207 : 200).json(batchBody(startedAt, results, errors));
  });

  router.get(
    routes(PREFIXES.objectAssociations, '/:objectType/:objectId/associations/:toObjectType'),
    ...guard(readBoth),
    (req, res) => {
      const portal = portalOf(callerOf(res));
      const [fromType, toType] = fromTo(req);
      const id = String(req.params.objectId);
      if (!exists(portal, fromType, id)) throw notFound('Object not found.  objectId are usually numeric.');
      const limit = req.query.limit === undefined ? PAGE_SIZE : Number(req.query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_SIZE) {
        throw validationError(`limit must be a whole number from 1 to ${PAGE_SIZE}`);
      }
      const after = req.query.after === undefined ? undefined : String(req.query.after);
      res.json(page(grouped(portal.associationsOf(fromType, id, toType)), after, limit));
    },
  );

  const associateDefault = (
    caller: ApiCaller,
    fromType: ObjectType,
    toType: ObjectType,
    from: string,
    to: string,
  ) => {
    const unlabeled = defaultTypeOrFail(caller.portal, fromType, toType);
    assertWithinLimits(caller.portal, [{ fromType, fromId: from, toType, toId: to, types: [] }]);
    link(caller, fromType, from, toType, to, []);
    return {
      from: { id: from },
      to: { id: to },
      associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: unlabeled.typeId },
    };
  };

  router.put(
    routes(
      PREFIXES.objectAssociations,
      '/:fromObjectType/:fromObjectId/associations/default/:toObjectType/:toObjectId',
    ),
    ...guard(writeFrom),
    (req, res) => {
      const startedAt = new Date();
      const portal = portalOf(callerOf(res));
      const [fromType, toType] = fromTo(req);
      const from = String(req.params.fromObjectId);
      const to = String(req.params.toObjectId);
      if (!exists(portal, fromType, from) || !exists(portal, toType, to)) {
        throw notFound('Object not found.  objectId are usually numeric.');
      }
      res.json(batchBody(startedAt, [associateDefault(callerOf(res), fromType, toType, from, to)], []));
    },
  );

  router.put(
    routes(PREFIXES.objectAssociations, '/:objectType/:objectId/associations/:toObjectType/:toObjectId'),
    ...guard(writeFrom),
    (req, res) => {
      const portal = portalOf(callerOf(res));
      const [fromType, toType] = fromTo(req);
      const from = String(req.params.objectId);
      const to = String(req.params.toObjectId);
      const specs = parseInput(z.array(spec).min(1), req.body);
      const types = typesOrFail(portal, fromType, toType, specs);
      if (!exists(portal, fromType, from) || !exists(portal, toType, to)) {
        throw notFound('Object not found.  objectId are usually numeric.');
      }
      assertWithinLimits(portal, [{ fromType, fromId: from, toType, toId: to, types }]);
      link(callerOf(res), fromType, from, toType, to, types);
      res.status(201).json(labelsBetween(portal, fromType, from, toType, to));
    },
  );

  router.post(batchPath('create'), ...guard(writeFrom), (req, res) => {
    const startedAt = new Date();
    const portal = portalOf(callerOf(res));
    const [fromType, toType] = fromTo(req);
    const { inputs } = parseInput(
      batch(z.object({ from: objectId, to: objectId, types: z.array(spec).min(1) })),
      req.body,
    );
    const typesOf = inputs.map((input) => typesOrFail(portal, fromType, toType, input.types));
    const found = inputs.flatMap((input, index) =>
      exists(portal, fromType, input.from.id) && exists(portal, toType, input.to.id)
        ? [{ fromType, fromId: input.from.id, toType, toId: input.to.id, types: typesOf[index]! }]
        : [],
    );
    assertWithinLimits(portal, found);
    const errors = inputs
      .filter((input) => !exists(portal, fromType, input.from.id) || !exists(portal, toType, input.to.id))
      .map((input) =>
        standardError(
          `No ${SINGULAR[fromType]} ${input.from.id} or ${SINGULAR[toType]} ${input.to.id} to associate.`,
          { ids: [input.from.id, input.to.id] },
        ),
      );
    const results = found.map((planned) => {
      link(callerOf(res), fromType, planned.fromId, toType, planned.toId, planned.types);
      return labelsBetween(portal, fromType, planned.fromId, toType, planned.toId);
    });
    res.status(errors.length > 0 ? 207 : 201).json(batchBody(startedAt, results, errors));
  });

  router.post(batchPath('associate/default'), ...guard(writeFrom), (req, res) => {
    const startedAt = new Date();
    const portal = portalOf(callerOf(res));
    const [fromType, toType] = fromTo(req);
    const { inputs } = parseInput(batch(z.object({ from: objectId, to: objectId })), req.body);
    defaultTypeOrFail(portal, fromType, toType);
    const missing = inputs.filter(
      (input) => !exists(portal, fromType, input.from.id) || !exists(portal, toType, input.to.id),
    );
    if (missing.length > 0) {
      throw notFound('Some records to associate do not exist.', {
        ids: missing.flatMap((input) => [input.from.id, input.to.id]),
      });
    }
    assertWithinLimits(
      portal,
      inputs.map((input) => ({ fromType, fromId: input.from.id, toType, toId: input.to.id, types: [] })),
    );
    const results = inputs.map((input) =>
      associateDefault(callerOf(res), fromType, toType, input.from.id, input.to.id),
    );
    res.json(batchBody(startedAt, results, []));
  });

  return router;
}
