/**
 * The properties API (`/crm/properties/2026-03/{objectType}` and `/crm/v3/properties/…`): list,
 * read, create (409 when the name is taken; type and fieldType must fit together, as HubSpot
 * checks), update and archive of custom properties (an archived one is listed and read only with
 * `archived=true`, and its values are neither read nor written), and property groups.
 */
import express from 'express';
import { z } from 'zod';
import type { ObjectType, PortalData, PropertyDefinition, PropertyGroup } from '../store.js';
import { callerOf } from './auth.js';
import { HubSpotError, notFound, parseInput, validationError } from './errors.js';
import type { ApiGuard, ScopeRule } from './guards.js';
import { readScopes, schemaWriteScopes } from './object-types.js';
import { archivedParam } from './record-view.js';
import { objectTypeParam, portalOf } from './records.js';
import { PREFIXES, routes } from './version.js';

const TYPES = ['bool', 'date', 'datetime', 'enumeration', 'number', 'phone_number', 'string'] as const;
const FIELD_TYPES = [
  'booleancheckbox',
  'calculation_equation',
  'checkbox',
  'date',
  'file',
  'html',
  'number',
  'phonenumber',
  'radio',
  'select',
  'text',
  'textarea',
] as const;

/** Which field types can show each value type in HubSpot's UI. */
const FIELD_TYPES_FOR: Record<(typeof TYPES)[number], readonly string[]> = {
  bool: ['booleancheckbox', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  enumeration: ['booleancheckbox', 'checkbox', 'radio', 'select', 'calculation_equation'],
  number: ['number', 'calculation_equation'],
  phone_number: ['phonenumber'],
  string: ['text', 'textarea', 'html', 'file', 'phonenumber', 'calculation_equation'],
};

const optionInput = z.object({
  label: z.string().min(1),
  value: z.string().min(1),
  displayOrder: z.number().int().optional(),
  hidden: z.boolean().default(false),
  description: z.string().optional(),
});

const propertyCreate = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'name must start with a letter and hold only a-z, 0-9 and _'),
  label: z.string().min(1),
  type: z.enum(TYPES),
  fieldType: z.enum(FIELD_TYPES),
  groupName: z.string().min(1),
  description: z.string().default(''),
  displayOrder: z.number().int().default(-1),
  hasUniqueValue: z.boolean().default(false),
  hidden: z.boolean().default(false),
  formField: z.boolean().default(false),
  externalOptions: z.boolean().default(false),
  options: z.array(optionInput).default([]),
  calculationFormula: z.string().optional(),
  numberDisplayHint: z.string().optional(),
  dataSensitivity: z.enum(['highly_sensitive', 'non_sensitive', 'sensitive']).optional(),
});

const propertyUpdate = z.object({
  label: z.string().min(1).optional(),
  description: z.string().optional(),
  groupName: z.string().min(1).optional(),
  type: z.enum(TYPES).optional(),
  fieldType: z.enum(FIELD_TYPES).optional(),
  displayOrder: z.number().int().optional(),
  hidden: z.boolean().optional(),
  formField: z.boolean().optional(),
  options: z.array(optionInput).optional(),
});

const groupCreate = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'name must start with a letter and hold only a-z, 0-9 and _'),
  label: z.string().min(1),
  displayOrder: z.number().int().default(-1),
});

const readScope: ScopeRule = (req) => readScopes(objectTypeParam(req.params.objectType));
const schemaWriteScope: ScopeRule = (req) => schemaWriteScopes(objectTypeParam(req.params.objectType));

export function propertyBody(property: PropertyDefinition) {
  return {
    name: property.name,
    label: property.label,
    type: property.type,
    fieldType: property.fieldType,
    description: property.description,
    groupName: property.groupName,
    options: property.options,
    displayOrder: property.displayOrder,
    calculated: property.calculated,
    externalOptions: property.externalOptions,
    hasUniqueValue: property.hasUniqueValue,
    hidden: property.hidden,
    hubspotDefined: property.hubspotDefined,
    formField: property.formField,
    archived: property.archivedAt !== undefined,
    ...(property.archivedAt ? { archivedAt: property.archivedAt.toISOString() } : {}),
    createdAt: property.createdAt.toISOString(),
    updatedAt: property.updatedAt.toISOString(),
    modificationMetadata: {
      archivable: !property.hubspotDefined,
      readOnlyDefinition: property.hubspotDefined,
      readOnlyValue: property.readOnlyValue ?? false,
    },
  };
}

function checkFieldType(type: (typeof TYPES)[number], fieldType: string, options: unknown[]): void {
  if (!FIELD_TYPES_FOR[type].includes(fieldType)) {
    throw validationError(
      `fieldType ${fieldType} cannot show a ${type} property; use one of: ${FIELD_TYPES_FOR[type].join(', ')}.`,
    );
  }
  if (type === 'enumeration' && ['checkbox', 'radio', 'select'].includes(fieldType) && options.length === 0) {
    throw validationError(`An enumeration property shown as ${fieldType} needs at least one option.`);
  }
}

/** The type's live properties, or its archived ones when the request says `archived=true`. */
function definitionsOf(
  portal: PortalData,
  type: ObjectType,
  archived: boolean,
): Map<string, PropertyDefinition> {
  return (archived ? portal.archivedProperties : portal.properties).get(type)!;
}

/** Moves a custom property to the archived ones; HubSpot's own cannot be archived. */
function archiveProperty(portal: PortalData, type: ObjectType, name: string, at: Date): void {
  const property = portal.properties.get(type)!.get(name);
  if (!property) throw notFound(`Unable to find property ${name}.`);
  if (property.hubspotDefined) throw validationError(`${name} is defined by HubSpot and cannot be archived.`);
  portal.properties.get(type)!.delete(name);
  portal.archivedProperties.get(type)!.set(name, { ...property, archivedAt: at, updatedAt: at });
}

const batchArchive = z.object({ inputs: z.array(z.object({ name: z.string().min(1) })).max(100) });

function groupsOf(portal: PortalData, type: ObjectType): Map<string, PropertyGroup> {
  return portal.propertyGroups.get(type)!;
}

export function createPropertiesRouter(guard: ApiGuard): express.Router {
  const router = express.Router();
  const path = (suffix: string) => routes(PREFIXES.properties, `/:objectType${suffix}`);

  router.get(path('/groups'), ...guard(readScope), (req, res) => {
    const portal = portalOf(callerOf(res));
    res.json({ results: [...groupsOf(portal, objectTypeParam(req.params.objectType)).values()] });
  });

  router.get(path('/groups/:groupName'), ...guard(readScope), (req, res) => {
    const portal = portalOf(callerOf(res));
    const group = groupsOf(portal, objectTypeParam(req.params.objectType)).get(String(req.params.groupName));
    if (!group) throw notFound(`No property group named ${String(req.params.groupName)}.`);
    res.json(group);
  });

  router.post(path('/groups'), ...guard(schemaWriteScope), (req, res) => {
    const portal = portalOf(callerOf(res));
    const groups = groupsOf(portal, objectTypeParam(req.params.objectType));
    const input = parseInput(groupCreate, req.body);
    if (groups.has(input.name)) {
      throw new HubSpotError(
        409,
        'OBJECT_ALREADY_EXISTS',
        `A property group named '${input.name}' already exists.`,
      );
    }
    const group: PropertyGroup = { ...input, archived: false };
    groups.set(group.name, group);
    res.status(201).json(group);
  });

  router.get(path(''), ...guard(readScope), (req, res) => {
    const portal = portalOf(callerOf(res));
    const properties = definitionsOf(portal, objectTypeParam(req.params.objectType), archivedParam(req));
    res.json({ results: [...properties.values()].map(propertyBody) });
  });

  router.get(path('/:propertyName'), ...guard(readScope), (req, res) => {
    const portal = portalOf(callerOf(res));
    const name = String(req.params.propertyName);
    const type = objectTypeParam(req.params.objectType);
    const property = definitionsOf(portal, type, archivedParam(req)).get(name);
    if (!property) throw notFound(`Unable to find property ${name}.`);
    res.json(propertyBody(property));
  });

  router.delete(path('/:propertyName'), ...guard(schemaWriteScope), (req, res) => {
    const caller = callerOf(res);
    const type = objectTypeParam(req.params.objectType);
    archiveProperty(portalOf(caller), type, String(req.params.propertyName), caller.store.now());
    res.status(204).end();
  });

  router.post(path('/batch/archive'), ...guard(schemaWriteScope), (req, res) => {
    const caller = callerOf(res);
    const portal = portalOf(caller);
    const type = objectTypeParam(req.params.objectType);
    const { inputs } = parseInput(batchArchive, req.body);
    // Every name is checked first, so a bad one leaves the batch undone.
    for (const { name } of inputs) {
      const property = portal.properties.get(type)!.get(name);
      if (!property) throw notFound(`Unable to find property ${name}.`);
      if (property.hubspotDefined)
        throw validationError(`${name} is defined by HubSpot and cannot be archived.`);
    }
    const now = caller.store.now();
    for (const name of new Set(inputs.map((input) => input.name))) archiveProperty(portal, type, name, now);
    res.status(204).end();
  });

  router.post(path(''), ...guard(schemaWriteScope), (req, res) => {
    const caller = callerOf(res);
    const portal = portalOf(caller);
    const type = objectTypeParam(req.params.objectType);
    const input = parseInput(propertyCreate, req.body);
    const properties = portal.properties.get(type)!;
    if (properties.has(input.name)) {
      throw new HubSpotError(
        409,
        'OBJECT_ALREADY_EXISTS',
        `A property named '${input.name}' already exists.`,
      );
    }
    if (!groupsOf(portal, type).has(input.groupName)) {
      throw validationError(`No property group named ${input.groupName}; create the group first.`);
    }
    checkFieldType(input.type, input.fieldType, input.options);
    const now = caller.store.now();
    const property: PropertyDefinition = {
      ...input,
      calculated: input.fieldType === 'calculation_equation',
      hubspotDefined: false,
      readOnlyValue: false,
      options: input.options.map((option, index) => ({
        ...option,
        displayOrder: option.displayOrder ?? index,
      })),
      createdAt: now,
      updatedAt: now,
    };
    properties.set(property.name, property);
    res.status(201).json(propertyBody(property));
  });

  router.patch(path('/:propertyName'), ...guard(schemaWriteScope), (req, res) => {
    const caller = callerOf(res);
    const portal = portalOf(caller);
    const type = objectTypeParam(req.params.objectType);
    const name = String(req.params.propertyName);
    const property = portal.properties.get(type)!.get(name);
    if (!property) throw notFound(`Unable to find property ${name}.`);
    if (property.hubspotDefined)
      throw validationError(`${name} is defined by HubSpot and cannot be changed.`);
    const change = parseInput(propertyUpdate, req.body);
    if (change.groupName && !groupsOf(portal, type).has(change.groupName)) {
      throw validationError(`No property group named ${change.groupName}.`);
    }
    const type_ = change.type ?? (property.type as (typeof TYPES)[number]);
    const options = change.options?.map((option, index) => ({
      ...option,
      displayOrder: option.displayOrder ?? index,
    }));
    checkFieldType(type_, change.fieldType ?? property.fieldType, options ?? property.options);
    Object.assign(property, change, options ? { options } : {}, { updatedAt: caller.store.now() });
    res.json(propertyBody(property));
  });

  return router;
}
