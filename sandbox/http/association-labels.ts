/**
 * Association label definitions between two object types (`/crm/associations/2026-03/{from}/{to}/labels`
 * and `/crm/v4/associations/…/labels`): HubSpot's own types and the portal's labels are listed; an
 * app creates, renames and deletes the portal's labels. Deleting a label removes it from every
 * association that held it; the records stay linked by their other types.
 */
import express from 'express';
import { z } from 'zod';
import type { AssociationTypeDefinition, ObjectType, PortalData } from '../store.js';
import { callerOf } from './auth.js';
import { HubSpotError, notFound, parseInput, validationError } from './errors.js';
import type { ApiGuard } from './guards.js';
import { fromTo, readBoth, typesOrFail, writeFrom } from './associations.js';
import { portalOf } from './records.js';
import { PREFIXES, routes } from './version.js';

const labelText = z.string().trim().min(1).max(100);
const createRequest = z.object({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,100}$/, 'name may hold letters, digits and underscores (at most 100)'),
  label: labelText,
  inverseLabel: labelText.optional(),
});
const updateRequest = z.object({
  associationTypeId: z.number().int(),
  label: labelText,
  inverseLabel: labelText.optional(),
});

const specWithLabel = (type: AssociationTypeDefinition) => ({
  category: type.category,
  typeId: type.typeId,
  label: type.label,
});

/** The portal's label with `typeId` from `fromType` to `toType`, as defined (either way round). */
function definedLabel(portal: PortalData, fromType: ObjectType, toType: ObjectType, typeId: number) {
  const forward = portal.userLabelOf(fromType, toType, typeId);
  if (forward) return { fromType, toType, typeId };
  const inverse = (portal.associationLabels.get(`${toType}:${fromType}`) ?? []).find(
    (label) => label.inverseTypeId === typeId,
  );
  return inverse ? { fromType: toType, toType: fromType, typeId: inverse.typeId } : undefined;
}

function labelOrFail(portal: PortalData, fromType: ObjectType, toType: ObjectType, typeId: number) {
  const hubspot = portal
    .associationTypesBetween(fromType, toType)
    .some((type) => type.category === 'HUBSPOT_DEFINED' && type.typeId === typeId);
  if (hubspot) throw validationError(`${typeId} is defined by HubSpot and cannot be changed.`);
  const defined = definedLabel(portal, fromType, toType, typeId);
  if (!defined) throw notFound(`No association label ${typeId} from ${fromType} to ${toType}.`);
  return defined;
}

export function createAssociationLabelsRouter(guard: ApiGuard): express.Router {
  const router = express.Router();
  const labelsPath = routes(PREFIXES.associations, '/:fromObjectType/:toObjectType/labels');

  router.get(labelsPath, ...guard(readBoth), (req, res) => {
    const portal = portalOf(callerOf(res));
    const [fromType, toType] = fromTo(req);
    res.json({ results: portal.associationTypesBetween(fromType, toType).map(specWithLabel) });
  });

  router.post(labelsPath, ...guard(writeFrom), (req, res) => {
    const portal = portalOf(callerOf(res));
    const [fromType, toType] = fromTo(req);
    const input = parseInput(createRequest, req.body);
    typesOrFail(portal, fromType, toType, []);
    const taken = [
      ...(portal.associationLabels.get(`${fromType}:${toType}`) ?? []),
      ...(portal.associationLabels.get(`${toType}:${fromType}`) ?? []),
    ].some((label) => label.name.toLowerCase() === input.name.toLowerCase());
    if (taken)
      throw new HubSpotError(409, 'CONFLICT', `An association label named ${input.name} exists already.`);
    const defined = portal.defineAssociationLabel(fromType, toType, {
      name: input.name,
      label: input.label,
      inverseLabel: input.inverseLabel ?? null,
    });
    const both = portal
      .associationTypesBetween(fromType, toType)
      .filter((type) => type.category === 'USER_DEFINED' && type.typeId === defined.typeId);
    const inverse = portal
      .associationTypesBetween(toType, fromType)
      .filter(
        (type) =>
          type.category === 'USER_DEFINED' &&
          type.typeId === defined.inverseTypeId &&
          defined.inverseTypeId !== defined.typeId,
      );
    res.json({ results: [...both, ...inverse].map(specWithLabel) });
  });

  router.put(labelsPath, ...guard(writeFrom), (req, res) => {
    const portal = portalOf(callerOf(res));
    const [fromType, toType] = fromTo(req);
    const input = parseInput(updateRequest, req.body);
    const defined = labelOrFail(portal, fromType, toType, input.associationTypeId);
    const forward = defined.fromType === fromType;
    portal.relabelAssociationType(
      defined.fromType,
      defined.toType,
      defined.typeId,
      forward
        ? input.label
        : (input.inverseLabel ?? portal.userLabelOf(defined.fromType, defined.toType, defined.typeId)!.label),
      forward ? (input.inverseLabel ?? null) : input.label,
    );
    res.status(204).end();
  });

  router.delete(
    routes(PREFIXES.associations, '/:fromObjectType/:toObjectType/labels/:associationTypeId'),
    ...guard(writeFrom),
    (req, res) => {
      const portal = portalOf(callerOf(res));
      const [fromType, toType] = fromTo(req);
      const typeId = Number(req.params.associationTypeId);
      if (!Number.isInteger(typeId))
        throw validationError(`${req.params.associationTypeId} is not a type id.`);
      const defined = labelOrFail(portal, fromType, toType, typeId);
      portal.removeAssociationLabel(defined.fromType, defined.toType, defined.typeId);
      res.status(204).end();
    },
  );

  return router;
}
