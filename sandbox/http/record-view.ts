/**
 * How a CRM record looks on the wire (`SimplePublicObject` and friends): which properties it
 * carries, its timestamps, and the `associations` a list or get asked for.
 */
import type { Request } from 'express';
import { ASSOCIATION_TYPE_IDS, type CrmRecord, type ObjectType, type PortalData } from '../store.js';
import { SINGULAR } from './object-types.js';

export interface PublicObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
  associations?: Record<string, { results: { id: string; type: string }[] }>;
}

/** What a list or search returns when the request names no `properties`, as HubSpot does. */
const DEFAULT_RETURNED_PROPERTIES: Record<ObjectType, string[]> = {
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  companies: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
  deals: [
    'amount',
    'closedate',
    'createdate',
    'dealname',
    'dealstage',
    'hs_lastmodifieddate',
    'hs_object_id',
    'pipeline',
  ],
  tickets: [
    'content',
    'createdate',
    'hs_lastmodifieddate',
    'hs_object_id',
    'hs_pipeline',
    'hs_pipeline_stage',
    'hs_ticket_category',
    'hs_ticket_priority',
    'subject',
  ],
  emails: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  feedback_submissions: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  notes: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  calls: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
};

/** Reads a list query parameter that may repeat (`a&a`) or be comma-separated (`a,b`), or both. */
export function listParam(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((item) => String(item).split(','));
  return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}

/**
 * The properties to send: the requested ones (null when a defined property has no value, as
 * HubSpot does; names the portal does not know are left out), or the type's defaults.
 */
export function selectProperties(
  portal: PortalData,
  type: ObjectType,
  record: CrmRecord,
  requested: string[] | undefined,
): Record<string, string | null> {
  const names = requested && requested.length > 0 ? requested : DEFAULT_RETURNED_PROPERTIES[type];
  const defined = portal.properties.get(type)!;
  const selected: Record<string, string | null> = {};
  for (const name of names) {
    const value = record.properties[name];
    if (value !== undefined) selected[name] = value;
    else if (defined.has(name)) selected[name] = null;
  }
  return selected;
}

export function toPublicObject(record: CrmRecord, properties: Record<string, string | null>): PublicObject {
  return {
    id: record.id,
    properties,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    archived: record.archived,
    ...(record.archivedAt ? { archivedAt: record.archivedAt.toISOString() } : {}),
  };
}

/**
 * A record's associations to `toType` as HubSpot's v3 APIs show them: one `{id, type}` per type of
 * each association, named by the v3 names (`contact_to_company` for a primary company,
 * `contact_to_company_unlabeled` beside it, a label's internal name for a label), so that the v3
 * views (object reads, `/crm/v3/associations`) list what the v4 ones do.
 */
export function v3Associations(
  portal: PortalData,
  type: ObjectType,
  id: string,
  toType: ObjectType,
): { id: string; type: string }[] {
  const known = portal.associationTypesBetween(type, toType);
  return portal.associationsOf(type, id, toType).map((association) => ({
    id: association.toId,
    type:
      known.find((t) => t.category === association.category && t.typeId === association.typeId)?.name ??
      `${SINGULAR[type]}_to_${SINGULAR[toType]}`,
  }));
}

/** `{toType: {results: [{id, type}]}}` for each type asked for that has any (`v3Associations`). */
export function associationsOf(
  portal: PortalData,
  type: ObjectType,
  record: CrmRecord,
  toTypes: ObjectType[],
): PublicObject['associations'] {
  const associations: NonNullable<PublicObject['associations']> = {};
  for (const toType of toTypes) {
    const results = v3Associations(portal, type, record.id, toType);
    if (results.length > 0) associations[toType] = { results };
  }
  return associations;
}

/** The HubSpot-defined association type id from one type to another, if the two can be linked. */
export function associationTypeId(fromType: ObjectType, toType: ObjectType): number | undefined {
  const forward = ASSOCIATION_TYPE_IDS[`${fromType}:${toType}`];
  if (forward) return forward[0];
  return ASSOCIATION_TYPE_IDS[`${toType}:${fromType}`]?.[1];
}

/** The pair of ids `PortalData.associate` needs, in the order of its arguments. */
export function associationTypePair(fromType: ObjectType, toType: ObjectType): [number, number] | undefined {
  const forward = ASSOCIATION_TYPE_IDS[`${fromType}:${toType}`];
  if (forward) return forward;
  const backward = ASSOCIATION_TYPE_IDS[`${toType}:${fromType}`];
  return backward ? [backward[1], backward[0]] : undefined;
}

export function archivedParam(req: Request): boolean {
  return String(req.query.archived ?? 'false').toLowerCase() === 'true';
}
