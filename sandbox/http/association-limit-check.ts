/**
 * Enforces the portal's association limits (../association-limits.ts) on every API path that makes
 * associations: single and batch writes of the v3 and v4 associations APIs, and the associations
 * given with a record on create. Everything a request would make is checked before any of it is
 * made, so a refused request changes nothing.
 */
import {
  hubspotDefinedTypes,
  PRIMARY_COMPANY_TYPE_IDS,
  type Association,
  type AssociationTypeDefinition,
  type ObjectType,
  type PortalData,
} from '../store.js';
import { HubSpotError } from './errors.js';
import { SINGULAR } from './object-types.js';

/** An association about to be made; `types` come from `associationTypesBetween(fromType, toType)`. */
export interface PlannedAssociation {
  fromType: ObjectType;
  fromId: string;
  toType: ObjectType;
  toId: string;
  types: readonly AssociationTypeDefinition[];
}

/** A record that would hold more records by one type than the portal's limit allows. */
export interface LimitBreach {
  recordType: ObjectType;
  recordId: string;
  otherType: ObjectType;
  otherId: string;
  category: Association['category'];
  typeId: number;
  maxToObjectIds: number;
}

/**
 * The first limit that making `planned` in order would break, on top of what the portal holds, or
 * undefined. Each association also holds its pair's unlabeled type, and every type its inverse on
 * the other record, as `PortalData.addAssociationTypes` makes them. A contact's primary company
 * replaces the former one, so the primary type never adds a company to the count.
 */
export function firstLimitBreach(
  portal: PortalData,
  planned: readonly PlannedAssociation[],
): LimitBreach | undefined {
  const held = new Map<string, Set<string>>();
  const adds = (
    recordType: ObjectType,
    recordId: string,
    otherType: ObjectType,
    otherId: string,
    type: Pick<Association, 'category' | 'typeId'>,
  ): LimitBreach | undefined => {
    const max = portal.associationLimits.get(recordType, otherType, type.category, type.typeId);
    if (max === undefined || isContactPrimaryCompany(recordType, otherType, type)) return undefined;
    const key = `${recordType}:${recordId}:${otherType}:${type.category}:${type.typeId}`;
    let targets = held.get(key);
    if (!targets) {
      targets = new Set(
        portal
          .associationsOf(recordType, recordId, otherType)
          .filter((a) => a.category === type.category && a.typeId === type.typeId)
          .map((a) => a.toId),
      );
      held.set(key, targets);
    }
    targets.add(otherId);
    if (targets.size <= max) return undefined;
    return { recordType, recordId, otherType, otherId, ...type, maxToObjectIds: max };
  };
  for (const { fromType, fromId, toType, toId, types } of planned) {
    const unlabeled = hubspotDefinedTypes(fromType, toType).filter((type) => type.label === null);
    for (const type of [...unlabeled, ...types]) {
      const inverse = { category: type.category, typeId: type.inverseTypeId };
      const breach =
        adds(fromType, fromId, toType, toId, type) ?? adds(toType, toId, fromType, fromId, inverse);
      if (breach) return breach;
    }
  }
  return undefined;
}

/**
 * Throws a 400 when making `planned` would break a limit. HubSpot documents that an association
 * past a configured limit is refused with an error, but not the error's body: this category,
 * message and context are the sandbox's own.
 */
export function assertWithinLimits(portal: PortalData, planned: readonly PlannedAssociation[]): void {
  const breach = firstLimitBreach(portal, planned);
  if (!breach) return;
  const record = `${SINGULAR[breach.recordType]} ${breach.recordId}`;
  throw new HubSpotError(
    400,
    'VALIDATION_ERROR',
    `Association limit reached: ${record} may hold at most ${breach.maxToObjectIds} ` +
      `${breach.otherType} by association type ${breach.typeId} (${breach.category}), so it cannot ` +
      `also be associated with ${SINGULAR[breach.otherType]} ${breach.otherId}.`,
    {
      subCategory: 'ASSOCIATION_LIMIT_EXCEEDED',
      context: {
        fromObjectId: [breach.recordId],
        toObjectId: [breach.otherId],
        associationTypeId: [String(breach.typeId)],
        maxToObjectIds: [String(breach.maxToObjectIds)],
      },
    },
  );
}

function isContactPrimaryCompany(
  recordType: ObjectType,
  otherType: ObjectType,
  type: Pick<Association, 'category' | 'typeId'>,
): boolean {
  return (
    recordType === 'contacts' &&
    otherType === 'companies' &&
    type.category === 'HUBSPOT_DEFINED' &&
    type.typeId === PRIMARY_COMPANY_TYPE_IDS[0]
  );
}
