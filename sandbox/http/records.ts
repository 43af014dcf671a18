/**
 * Record lookups and writes shared by the single-record, batch and search handlers: records in id
 * order (the list cursor), lookup by id or by a unique property, and creation with associations
 * (within the portal's association limits). Writes keep unique properties unique
 * (./unique-values.ts).
 */
import { z } from 'zod';
import type { AssociationTypeDefinition, CrmRecord, ObjectType, PortalData } from '../store.js';
import { seedDefaultProperties } from '../default-properties.js';
import { assertWithinLimits } from './association-limit-check.js';
import { changeSource, type ApiCaller } from './auth.js';
import { HubSpotError, validationError } from './errors.js';
import { resolveObjectType } from './object-types.js';
import {
  checkPropertyValues,
  completeForCreate,
  propertyValues,
  type PropertyValuesInput,
} from './property-values.js';
import { assertUniqueValues } from './unique-values.js';

export const associationInput = z.object({
  to: z.object({ id: z.coerce.string() }),
  types: z
    .array(
      z.object({
        associationCategory: z.enum(['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED', 'WORK']),
        associationTypeId: z.number().int(),
      }),
    )
    .min(1),
});

export const createInput = z.object({
  properties: propertyValues,
  associations: z.array(associationInput).optional(),
  objectWriteTraceId: z.string().optional(),
});
export type CreateInput = z.infer<typeof createInput>;

/** The caller's portal with HubSpot's standard properties in place. */
export function portalOf(caller: ApiCaller): PortalData {
  seedDefaultProperties(caller.portal);
  return caller.portal;
}

const idOrder = new WeakMap<Map<string, CrmRecord>, { size: number; ids: string[] }>();

/** Record ids in ascending numeric order, cached until a record is added. */
export function sortedIds(records: Map<string, CrmRecord>): string[] {
  const cached = idOrder.get(records);
  if (cached && cached.size === records.size) return cached.ids;
  const ids = [...records.keys()].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  idOrder.set(records, { size: records.size, ids });
  return ids;
}

/** Whether `name` may identify records of `type` (the `idProperty` parameter). */
export function assertIdProperty(portal: PortalData, type: ObjectType, name: string): void {
  if (name === 'hs_object_id') return;
  const definition = portal.properties.get(type)!.get(name);
  if (!definition?.hasUniqueValue) {
    throw validationError(`${name} is not a unique property of ${type}, so it cannot be an idProperty.`);
  }
}

/** Finds a record by id, or by the value of a unique property when `idProperty` is given. */
export function findRecord(
  portal: PortalData,
  type: ObjectType,
  key: string,
  idProperty?: string,
): CrmRecord | undefined {
  const records = portal.recordsOf(type);
  if (!idProperty || idProperty === 'hs_object_id') return records.get(key);
  assertIdProperty(portal, type, idProperty);
  const wanted = key.toLowerCase();
  for (const record of records.values()) {
    if (!record.archived && record.properties[idProperty]?.toLowerCase() === wanted) return record;
  }
  return undefined;
}

/** Contacts are unique by email: HubSpot refuses a second contact with the same address. */
function assertNoDuplicateEmails(
  portal: PortalData,
  type: ObjectType,
  inputs: Record<string, string>[],
): void {
  if (type !== 'contacts') return;
  const wanted = new Map<string, number>();
  inputs.forEach((values, index) => {
    const email = values.email?.toLowerCase();
    if (!email) return;
    if (wanted.has(email)) throw validationError(`Duplicate email in the batch: ${email}`);
    wanted.set(email, index);
  });
  if (wanted.size === 0) return;
  for (const record of portal.recordsOf('contacts').values()) {
    const email = record.properties.email?.toLowerCase();
    if (!record.archived && email && wanted.has(email)) {
      throw new HubSpotError(409, 'CONFLICT', `Contact already exists. Existing ID: ${record.id}`);
    }
  }
}

interface PlannedLink {
  toType: ObjectType;
  toId: string;
  types: AssociationTypeDefinition[];
}

/**
 * Finds what each association input points at: the object type whose types from `type` hold the
 * first type id (the primary company's typeId 1 too); every type given must be one of that pair's.
 */
function planAssociations(portal: PortalData, type: ObjectType, input: CreateInput): PlannedLink[] {
  return (input.associations ?? []).map((association) => {
    const first = association.types[0]!;
    for (const toType of portal.objects.keys()) {
      const known = portal.associationTypesBetween(type, toType);
      const matches = (spec: { associationCategory: string; associationTypeId: number }) =>
        known.find((t) => t.category === spec.associationCategory && t.typeId === spec.associationTypeId);
      if (!matches(first)) continue;
      if (!portal.recordsOf(toType).get(association.to.id)) {
        throw validationError(`No ${toType} with id ${association.to.id} to associate with.`);
      }
      const types = association.types.map((spec) => {
        const found = matches(spec);
        if (!found)
          throw validationError(
            `${spec.associationTypeId} is not an association type from ${type} to ${toType}.`,
          );
        return found;
      });
      return { toType, toId: association.to.id, types };
    }
    throw validationError(
      `${first.associationTypeId} is not an association type from ${type} that this portal knows.`,
    );
  });
}

/** Validates every input first, so a bad one leaves nothing half-created, then creates them all. */
export function createRecords(caller: ApiCaller, type: ObjectType, inputs: CreateInput[]): CrmRecord[] {
  const portal = portalOf(caller);
  const checked = inputs.map((input) =>
    completeForCreate(portal, type, checkPropertyValues(portal, type, input.properties)),
  );
  assertNoDuplicateEmails(portal, type, checked);
  assertUniqueValues(
    portal,
    type,
    checked.map((values) => ({ values })),
  );
  const links = inputs.map((input) => planAssociations(portal, type, input));
  // The new records have no ids yet: each is named by its place in the request.
  assertWithinLimits(
    portal,
    links.flatMap((planned, index) =>
      planned.map((link) => ({ fromType: type, fromId: `(input ${index + 1})`, ...link })),
    ),
  );
  const now = caller.store.now();
  return checked.map((values, index) => {
    const record = portal.createRecord(type, values, now, undefined, changeSource(caller));
    for (const link of links[index]!)
      portal.addAssociationTypes(
        type,
        record.id,
        link.toType,
        link.toId,
        link.types,
        now,
        changeSource(caller),
      );
    return record;
  });
}

export function updateRecord(
  caller: ApiCaller,
  type: ObjectType,
  record: CrmRecord,
  properties: PropertyValuesInput,
): CrmRecord {
  const portal = portalOf(caller);
  const values = checkPropertyValues(portal, type, properties);
  assertUniqueValues(portal, type, [{ values, selfId: record.id }]);
  return portal.updateRecord(type, record.id, values, caller.store.now(), changeSource(caller));
}

export function objectTypeParam(value: string | string[] | undefined): ObjectType {
  return resolveObjectType(Array.isArray(value) ? value[0] : value);
}
