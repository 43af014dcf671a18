/**
 * HubSpot's own association types between the objects the product syncs: the v3 name an object
 * read gives each (`?associations=companies`), its type id, the id of the type the other way, and
 * whether it is the primary link (a contact's primary company: typeId 1, beside the unlabeled 279).
 * Labels a portal defines have ids of their own and are kept without an inverse.
 */
import type { AssociationKind } from '../connector.js';

interface HubSpotDefinedType {
  name: string;
  typeId: number;
  inverseTypeId: number;
  primary: boolean;
}

const pair = (from: string, to: string, typeId: number, inverseTypeId: number, primary = false) => [
  { name: `${from}_to_${to}`, typeId, inverseTypeId, primary },
  { name: `${to}_to_${from}`, typeId: inverseTypeId, inverseTypeId: typeId, primary },
];

const HUBSPOT_DEFINED: HubSpotDefinedType[] = [
  ...pair('contact', 'company', 1, 2, true),
  { name: 'contact_to_company_unlabeled', typeId: 279, inverseTypeId: 280, primary: false },
  { name: 'company_to_contact_unlabeled', typeId: 280, inverseTypeId: 279, primary: false },
  ...pair('contact', 'deal', 4, 3),
  ...pair('contact', 'ticket', 15, 16),
  ...pair('contact', 'email', 197, 198),
  ...pair('contact', 'feedback_submission', 1182, 1183),
  ...pair('company', 'deal', 342, 341),
  ...pair('company', 'ticket', 25, 26),
];

const BY_NAME = new Map(HUBSPOT_DEFINED.map((type) => [type.name, type]));
const BY_ID = new Map(HUBSPOT_DEFINED.map((type) => [type.typeId, type]));

/**
 * The kind of an association with these HubSpot-defined type ids (others are kept, uninverted),
 * a primary type first: the warehouse names a link by its first type.
 */
export function kindOfTypeIds(typeIds: readonly number[]): AssociationKind {
  const isPrimary = (id: number) => BY_ID.get(id)?.primary === true;
  const unique = [...new Set(typeIds)].sort((a, b) => Number(isPrimary(b)) - Number(isPrimary(a)));
  const known = unique.flatMap((id) => BY_ID.get(id) ?? []);
  return {
    typeIds: unique,
    inverseTypeIds: known.map((type) => type.inverseTypeId),
    primary: known.some((type) => type.primary),
  };
}

/** The kind of an association from the v3 type names an object read gives it. */
export function kindOfTypeNames(names: readonly string[]): AssociationKind {
  return kindOfTypeIds(names.flatMap((name) => BY_NAME.get(name)?.typeId ?? []));
}
