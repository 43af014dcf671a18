/**
 * Checks and normalises property values an app writes, the way HubSpot does: unknown names,
 * read-only properties, enumeration options, numbers, booleans and dates. Problems are reported
 * together in HubSpot's "Property values were not valid" body.
 */
import { z } from 'zod';
import type { ObjectType, PortalData, PropertyDefinition } from '../store.js';
import { validationError } from './errors.js';

/** Values as JSON may carry them; HubSpot stores every one as a string. */
export const propertyValues = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
export type PropertyValuesInput = z.infer<typeof propertyValues>;

interface Problem {
  isValid: false;
  message: string;
  error: string;
  name: string;
  localizedErrorMessage: string;
  portalId: number;
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const EPOCH_MS = /^-?\d+$/;

function timestampOf(value: string): number | undefined {
  const ms = EPOCH_MS.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The stored form of one value, or the HubSpot error code and message for it. */
function normalise(
  definition: PropertyDefinition,
  raw: string,
): { value: string } | { error: string; message: string } {
  const value = raw.trim();
  if (value === '') return { value: '' };
  switch (definition.type) {
    case 'number':
      return NUMBER.test(value)
        ? { value }
        : { error: 'INVALID_FLOAT', message: `${JSON.stringify(raw)} is not a valid number.` };
    case 'bool': {
      const lower = value.toLowerCase();
      return lower === 'true' || lower === 'false'
        ? { value: lower }
        : {
            error: 'INVALID_BOOLEAN',
            message: `${JSON.stringify(raw)} is not a valid boolean (true or false).`,
          };
    }
    case 'datetime': {
      const ms = timestampOf(value);
      return ms === undefined
        ? {
            error: 'INVALID_DATETIME',
            message: `${JSON.stringify(raw)} is not epoch milliseconds or an ISO 8601 date.`,
          }
        : { value: new Date(ms).toISOString() };
    }
    case 'date': {
      const ms = DATE_ONLY.test(value) ? Date.parse(`${value}T00:00:00Z`) : timestampOf(value);
      if (ms === undefined)
        return { error: 'INVALID_DATE', message: `${JSON.stringify(raw)} is not a date.` };
      if (ms % 86_400_000 !== 0) {
        return {
          error: 'INVALID_DATE',
          message: `${JSON.stringify(raw)} is not midnight UTC, as date properties need.`,
        };
      }
      return { value: new Date(ms).toISOString().slice(0, 10) };
    }
    case 'enumeration': {
      if (definition.externalOptions) return { value };
      const allowed = new Set(definition.options.map((option) => option.value));
      const chosen = definition.fieldType === 'checkbox' ? value.split(';') : [value];
      const wrong = chosen.find((choice) => !allowed.has(choice));
      if (wrong === undefined) return { value };
      const labels = definition.options.map((option) => `${option.label} (${option.value})`).join(', ');
      return {
        error: 'INVALID_OPTION',
        message: `${JSON.stringify(wrong)} was not one of the allowed options: [${labels}]`,
      };
    }
    default:
      return { value: raw };
  }
}

/**
 * Returns the values to store, or throws HubSpot's 400 listing every bad one. Read-only
 * properties (hs_object_id, createdate, lastmodifieddate…) cannot be written at all.
 */
export function checkPropertyValues(
  portal: PortalData,
  type: ObjectType,
  input: PropertyValuesInput,
): Record<string, string> {
  const definitions = portal.properties.get(type)!;
  const values: Record<string, string> = {};
  const problems: Problem[] = [];
  const fail = (name: string, error: string, message: string) =>
    problems.push({
      isValid: false,
      message,
      error,
      name,
      localizedErrorMessage: message,
      portalId: portal.portalId,
    });
  for (const [name, raw] of Object.entries(input)) {
    const definition = definitions.get(name);
    if (!definition) {
      fail(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`);
      continue;
    }
    if (definition.readOnlyValue) {
      fail(name, 'READ_ONLY_VALUE', `"${name}" is a read only property; its value cannot be set.`);
      continue;
    }
    const result = normalise(definition, raw === null ? '' : String(raw));
    if ('error' in result) fail(name, result.error, result.message);
    else values[name] = result.value;
  }
  if (problems.length > 0) {
    throw validationError(
      `Property values were not valid: ${JSON.stringify(problems)}`,
      problems.map((problem) => ({
        message: problem.message,
        code: problem.error,
        context: { propertyName: [problem.name] },
      })),
    );
  }
  return values;
}
