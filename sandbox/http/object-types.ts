/**
 * Object types as HubSpot names them on the wire: plural names, singular names and type ids
 * (`0-1` is contacts; HubSpot's deals spec even uses `0-3` as the path), and the scopes each needs.
 */
import { isObjectType, SINGULAR_NAMES, type ObjectType } from '../store.js';
import { HubSpotError } from './errors.js';

export const OBJECT_TYPE_IDS: Record<ObjectType, string> = {
  contacts: '0-1',
  companies: '0-2',
  deals: '0-3',
  tickets: '0-5',
  emails: '0-49',
  feedback_submissions: '0-19',
  notes: '0-46',
  calls: '0-48',
};

export const SINGULAR: Record<ObjectType, string> = SINGULAR_NAMES;

const ALIASES = new Map<string, ObjectType>();
for (const [type, id] of Object.entries(OBJECT_TYPE_IDS) as [ObjectType, string][]) {
  ALIASES.set(type, type);
  ALIASES.set(id, type);
  ALIASES.set(SINGULAR[type], type);
}

/** Resolves a path's object type, or throws HubSpot's 400 for a type it cannot infer. */
export function resolveObjectType(value: string | undefined): ObjectType {
  const type = ALIASES.get((value ?? '').toLowerCase());
  if (type && isObjectType(type)) return type;
  throw new HubSpotError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${value ?? ''}`);
}

/**
 * Scopes per object type, each inner list being scopes that must all be granted. Emails need
 * `sales-email-read` together with the contact scopes; notes and calls need the contact scopes,
 * as HubSpot's guides for them say; feedback submissions are read-only.
 */
const READ_SCOPES: Record<ObjectType, string[]> = {
  contacts: ['crm.objects.contacts.read'],
  companies: ['crm.objects.companies.read'],
  deals: ['crm.objects.deals.read'],
  tickets: ['tickets'],
  emails: ['crm.objects.contacts.read', 'sales-email-read'],
  feedback_submissions: ['crm.objects.feedback_submissions.read'],
  notes: ['crm.objects.contacts.read'],
  calls: ['crm.objects.contacts.read'],
};

const WRITE_SCOPES: Record<ObjectType, string[] | null> = {
  contacts: ['crm.objects.contacts.write'],
  companies: ['crm.objects.companies.write'],
  deals: ['crm.objects.deals.write'],
  tickets: ['tickets'],
  emails: ['crm.objects.contacts.write', 'sales-email-read'],
  feedback_submissions: null,
  notes: ['crm.objects.contacts.write'],
  calls: ['crm.objects.contacts.write'],
};

/** Alternatives, any one of which lets an app change the type's properties (the spec's list). */
const SCHEMA_WRITE_SCOPES: Record<ObjectType, string[][] | null> = {
  contacts: [['crm.schemas.contacts.write']],
  companies: [['crm.schemas.companies.write']],
  deals: [['crm.schemas.deals.write']],
  tickets: [['tickets'], ['crm.schemas.tickets.write']],
  emails: [['crm.schemas.contacts.write']],
  feedback_submissions: null,
  notes: [['crm.schemas.contacts.write']],
  calls: [['crm.schemas.contacts.write']],
};

export function readScopes(type: ObjectType): string[] {
  return READ_SCOPES[type];
}

/** Write scopes, or a 405-style refusal for object types the API only lets apps read. */
export function writeScopes(type: ObjectType): string[] {
  const scopes = WRITE_SCOPES[type];
  if (!scopes) throw readOnlyType(type);
  return scopes;
}

export function schemaWriteScopes(type: ObjectType): { anyOf: string[][] } {
  const alternatives = SCHEMA_WRITE_SCOPES[type];
  if (!alternatives) throw readOnlyType(type);
  return { anyOf: alternatives };
}

function readOnlyType(type: ObjectType): HubSpotError {
  return new HubSpotError(405, 'METHOD_NOT_ALLOWED', `${type} are read-only through the API.`);
}
