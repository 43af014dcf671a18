/**
 * Checks and normalises property values an app writes, the way HubSpot does: unknown names,
 * read-only properties, enumeration options, numbers, booleans and dates. Problems are reported
 * together in HubSpot's "Property values were not valid" body.
 */
import { z } from 'zod';
import type { ObjectType, PortalData, PropertyDefinition } from '../store.js';
import { DEFAULT_PIPELINE_IDS, PIPELINE_PROPERTIES, pipelineProblem } from '../pipelines.js';
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
 * What HubSpot needs to create a record: a ticket needs its name and status (the default pipeline
 * is used when none is given), an engagement (email, note, call) its timestamp.
 */
const REQUIRED_ON_CREATE: Partial<Record<ObjectType, string[]>> = {
  tickets: ['subject', 'hs_pipeline_stage'],
  emails: ['hs_timestamp'],
  notes: ['hs_timestamp'],
  calls: ['hs_timestamp'],
};
const DEFAULTS_ON_CREATE: Partial<Record<ObjectType, Record<string, string>>> = {
  tickets: { hs_pipeline: '0' },
};

/** The values of a new record with HubSpot's defaults filled in, or a 400 naming what is missing. */
export function completeForCreate(
  portal: PortalData,
  type: ObjectType,
  values: Record<string, string>,
): Record<string, string> {
  const missing = (REQUIRED_ON_CREATE[type] ?? []).filter((name) => !values[name]);
  if (missing.length > 0) {
    throw reportProblems(
      portal,
      missing.map((name) => ({
        name,
        error: 'REQUIRED_PROPERTY',
        message: `"${name}" is required to create a record of ${type}.`,
      })),
    );
  }
  const completed = { ...DEFAULTS_ON_CREATE[type], ...values };
  assertPipelineStage(portal, type, completed);
  return completed;
}

/**
 * A new deal or ticket must name a pipeline the portal has (the default one when it names none)
 * and, when it names a stage, one of that pipeline's stages.
 */
function assertPipelineStage(portal: PortalData, type: ObjectType, values: Record<string, string>): void {
  if (type !== 'deals' && type !== 'tickets') return;
  const names = PIPELINE_PROPERTIES[type];
  const pipelineId = values[names.pipeline] || DEFAULT_PIPELINE_IDS[type];
  const problem = pipelineProblem(portal.pipelines.get(type)!, pipelineId, values[names.stage]);
  if (!problem) return;
  const name = problem.name === 'pipeline' ? names.pipeline : names.stage;
  throw reportProblems(portal, [{ name, error: 'INVALID_OPTION', message: problem.message }]);
}

/** HubSpot's 400 "Property values were not valid", listing each problem. */
export function reportProblems(
  portal: PortalData,
  found: { name: string; error: string; message: string }[],
) {
  const problems: Problem[] = found.map(({ name, error, message }) => ({
    isValid: false,
    message,
    error,
    name,
    localizedErrorMessage: message,
    portalId: portal.portalId,
  }));
  return validationError(
    `Property values were not valid: ${JSON.stringify(problems)}`,
    problems.map((problem) => ({
      message: problem.message,
      code: problem.error,
      context: { propertyName: [problem.name] },
    })),
  );
}

function isPipelineProperty(type: ObjectType, name: string): type is 'deals' | 'tickets' {
  if (type !== 'deals' && type !== 'tickets') return false;
  return PIPELINE_PROPERTIES[type].pipeline === name || PIPELINE_PROPERTIES[type].stage === name;
}

/** A pipeline or stage value: one of the portal's pipelines, or a stage of one of them. */
function pipelineValue(
  portal: PortalData,
  type: 'deals' | 'tickets',
  name: string,
  raw: string,
): { value: string } | { error: string; message: string } {
  const value = raw.trim();
  if (value === '') return { value };
  const pipelines = [...portal.pipelines.get(type)!.values()].filter((p) => !p.archived);
  const allowed =
    name === PIPELINE_PROPERTIES[type].pipeline
      ? pipelines.map((p) => p.id)
      : pipelines.flatMap((p) => p.stages.filter((s) => !s.archived).map((s) => s.id));
  if (allowed.includes(value)) return { value };
  return {
    error: 'INVALID_OPTION',
    message: `${JSON.stringify(raw)} was not one of the allowed options: [${allowed.join(', ')}]`,
  };
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
  const problems: { name: string; error: string; message: string }[] = [];
  const fail = (name: string, error: string, message: string) => problems.push({ name, error, message });
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
    const result = isPipelineProperty(type, name)
      ? pipelineValue(portal, type, name, raw === null ? '' : String(raw))
      : normalise(definition, raw === null ? '' : String(raw));
    if ('error' in result) fail(name, result.error, result.message);
    else values[name] = result.value;
  }
  if (problems.length > 0) throw reportProblems(portal, problems);
  return values;
}
