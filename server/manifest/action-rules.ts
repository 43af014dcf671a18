/**
 * Rules for workflow actions and for any typed field (action fields and CRM properties): HubSpot
 * pairs each value type with certain field types, and an enumeration needs its options.
 */
import { FIELD_TYPES_FOR, PROPERTY_TYPES, type PropertyType } from './hubspot-vocabulary.js';
import { PUBLIC_URL_TOKEN } from './public-url.js';
import type { ManifestWorkflowAction } from './schema.js';

export interface ManifestProblem {
  path: (string | number)[];
  message: string;
}

type Path = ManifestProblem['path'];

export function duplicates<T>(items: readonly T[]): Set<T> {
  const seen = new Set<T>();
  const repeated = new Set<T>();
  for (const item of items) (seen.has(item) ? repeated : seen).add(item);
  return repeated;
}

function labelKeyProblems(
  labels: Record<string, string>,
  known: readonly string[],
  path: Path,
  everyFieldNeedsOne: boolean,
): ManifestProblem[] {
  const problems: ManifestProblem[] = Object.keys(labels)
    .filter((name) => !known.includes(name))
    .map((name) => ({ path: [...path, name], message: `"${name}" is not a field of this action` }));
  if (everyFieldNeedsOne) {
    for (const name of known.filter((field) => !(field in labels))) {
      problems.push({ path, message: `field "${name}" has no label` });
    }
  }
  return problems;
}

export function actionRules(action: ManifestWorkflowAction, path: Path): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const expectedPath = `/workflow-actions/${action.key}`;
  if (!action.actionUrl.startsWith(PUBLIC_URL_TOKEN) || !action.actionUrl.endsWith(expectedPath)) {
    problems.push({
      path: [...path, 'actionUrl'],
      message: `must be ${PUBLIC_URL_TOKEN}${expectedPath}, the route the server handles this action at`,
    });
  }
  const inputs = action.inputFields.map((field) => field.typeDefinition);
  const outputs = action.outputFields.map((field) => field.typeDefinition);
  for (const [list, fields] of [
    ['inputFields', inputs],
    ['outputFields', outputs],
  ] as const) {
    const names = fields.map((field) => field.name);
    fields.forEach((field, i) => {
      const fieldPath = [...path, list, i, 'typeDefinition'];
      if (names.indexOf(field.name) !== i) {
        problems.push({ path: [...fieldPath, 'name'], message: `field "${field.name}" is declared twice` });
      }
      problems.push(...fieldTypeProblems(field, fieldPath));
    });
  }
  const inputNames = inputs.map((field) => field.name);
  const outputNames = outputs.map((field) => field.name);
  for (const [language, labels] of Object.entries(action.labels)) {
    const labelsPath = [...path, 'labels', language];
    problems.push(
      ...labelKeyProblems(labels.inputFieldLabels, inputNames, [...labelsPath, 'inputFieldLabels'], true),
      ...labelKeyProblems(
        labels.inputFieldDescriptions,
        inputNames,
        [...labelsPath, 'inputFieldDescriptions'],
        false,
      ),
      ...labelKeyProblems(labels.outputFieldLabels, outputNames, [...labelsPath, 'outputFieldLabels'], true),
    );
    for (const [, placeholder] of labels.actionCardContent.matchAll(/\{\{\s*([^}\s]+)\s*\}\}/g)) {
      if (placeholder && !inputNames.includes(placeholder)) {
        problems.push({
          path: [...labelsPath, 'actionCardContent'],
          message: `{{${placeholder}}} is not an input field of this action`,
        });
      }
    }
  }
  return problems;
}

function isPropertyType(type: string): type is PropertyType {
  return (PROPERTY_TYPES as readonly string[]).includes(type);
}

/** A value type shown with a field type HubSpot pairs it with, and options exactly for enumerations. */
export function fieldTypeProblems(
  field: { type: string; fieldType?: string | undefined; options?: { value: string }[] | undefined },
  path: Path,
): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  if (
    field.fieldType &&
    isPropertyType(field.type) &&
    !FIELD_TYPES_FOR[field.type].includes(field.fieldType)
  ) {
    problems.push({
      path: [...path, 'fieldType'],
      message: `a ${field.type} cannot be shown as "${field.fieldType}"; use one of ${FIELD_TYPES_FOR[field.type].join(', ')}`,
    });
  }
  if (field.type === 'enumeration') {
    if (!field.options?.length) {
      problems.push({ path: [...path, 'options'], message: 'an enumeration needs at least one option' });
    }
    const values = (field.options ?? []).map((option) => option.value);
    for (const value of duplicates(values)) {
      problems.push({ path: [...path, 'options'], message: `option value "${value}" is listed twice` });
    }
  } else if (field.options?.length) {
    problems.push({
      path: [...path, 'options'],
      message: `only an enumeration has options, not a ${field.type}`,
    });
  }
  return problems;
}
