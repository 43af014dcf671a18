/**
 * Rules that span several fields of the manifest. Each returns problems with the path of the value
 * to fix, so an error reads `workflowActions[0].labels.en.outputFieldLabels.offer_code: …`.
 */
import {
  FIELD_TYPES_FOR,
  PROPERTY_OBJECT_TYPES,
  PROPERTY_TYPES,
  WEBHOOK_OBJECT_READ_SCOPES,
  type PropertyObjectType,
  type PropertyType,
} from './hubspot-vocabulary.js';
import { PUBLIC_URL_TOKEN } from './public-url.js';
import type { AppManifest, ManifestWorkflowAction } from './schema.js';

export interface ManifestProblem {
  path: (string | number)[];
  message: string;
}

type Path = ManifestProblem['path'];
type Option = { value: string };

export function manifestProblems(manifest: AppManifest): ManifestProblem[] {
  return [
    ...uniqueUids(manifest),
    ...uniqueKeys(manifest),
    ...authRules(manifest),
    ...manifest.cards.flatMap((_, i) => cardRules(manifest, i)),
    ...manifest.workflowActions.flatMap((action, i) => actionRules(action, ['workflowActions', i])),
    ...webhookRules(manifest),
    ...propertyRules(manifest),
  ];
}

function duplicates<T>(items: readonly T[]): Set<T> {
  const seen = new Set<T>();
  const repeated = new Set<T>();
  for (const item of items) (seen.has(item) ? repeated : seen).add(item);
  return repeated;
}

/** HubSpot refuses a project in which two components share a uid. */
function uniqueUids(manifest: AppManifest): ManifestProblem[] {
  const owners: { uid: string; path: Path }[] = [
    { uid: manifest.uid, path: ['uid'] },
    ...manifest.cards.map((card, i) => ({ uid: card.uid, path: ['cards', i, 'uid'] })),
    ...manifest.workflowActions.map((action, i) => ({
      uid: action.uid,
      path: ['workflowActions', i, 'uid'],
    })),
    ...(manifest.webhooks ? [{ uid: manifest.webhooks.uid, path: ['webhooks', 'uid'] }] : []),
  ];
  const repeated = duplicates(owners.map((owner) => owner.uid));
  return owners
    .filter((owner, i) => repeated.has(owner.uid) && owners.findIndex((o) => o.uid === owner.uid) !== i)
    .map((owner) => ({ path: owner.path, message: `uid "${owner.uid}" is used by another component` }));
}

/** Keys name generated files and routes, so two components of a kind cannot share one. */
function uniqueKeys(manifest: AppManifest): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  for (const section of ['cards', 'workflowActions'] as const) {
    const keys = manifest[section].map((item) => item.key);
    keys.forEach((key, i) => {
      if (keys.indexOf(key) !== i)
        problems.push({ path: [section, i, 'key'], message: `key "${key}" is used twice` });
    });
  }
  return problems;
}

function authRules({ auth, distribution }: AppManifest): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  if (distribution === 'marketplace' && auth.type !== 'oauth') {
    problems.push({ path: ['auth', 'type'], message: 'a marketplace app must use "oauth"' });
  }
  if (auth.type === 'oauth' && !auth.requiredScopes.includes('oauth')) {
    problems.push({
      path: ['auth', 'requiredScopes'],
      message: 'an OAuth app must require the "oauth" scope',
    });
  }
  if (auth.type === 'oauth' && auth.redirectUrls.length === 0) {
    problems.push({
      path: ['auth', 'redirectUrls'],
      message: 'an OAuth app needs at least one redirect URL',
    });
  }
  const lists = ['requiredScopes', 'optionalScopes', 'conditionallyRequiredScopes'] as const;
  const seen = new Map<string, string>();
  for (const list of lists) {
    auth[list].forEach((scope, i) => {
      const first = seen.get(scope);
      if (first) {
        problems.push({ path: ['auth', list, i], message: `scope "${scope}" is already listed in ${first}` });
      } else {
        seen.set(scope, list);
      }
    });
  }
  return problems;
}

function cardRules(manifest: AppManifest, index: number): ManifestProblem[] {
  const fetchesOwnServer = manifest.permittedUrls.fetch.some((url) => url.startsWith(PUBLIC_URL_TOKEN));
  // Cards reach the server only through hubspot.fetch, which HubSpot limits to permitted URLs.
  return fetchesOwnServer
    ? []
    : [
        {
          path: ['cards', index],
          message: `the card needs ${PUBLIC_URL_TOKEN} in permittedUrls.fetch to reach the app's server`,
        },
      ];
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

function actionRules(action: ManifestWorkflowAction, path: Path): ManifestProblem[] {
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
function fieldTypeProblems(
  field: { type: string; fieldType?: string | undefined; options?: Option[] | undefined },
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

function webhookRules({ webhooks, auth }: AppManifest): ManifestProblem[] {
  if (!webhooks) return [];
  const problems: ManifestProblem[] = [];
  const granted = new Set<string>([...auth.requiredScopes, ...auth.optionalScopes]);
  const { crmObjects, legacyCrmObjects } = webhooks.subscriptions;
  const anySubscription = crmObjects.length + legacyCrmObjects.length > 0;
  if (anySubscription && !auth.requiredScopes.includes('crm.objects.contacts.read')) {
    problems.push({
      path: ['auth', 'requiredScopes'],
      message: 'HubSpot creates no webhook subscription unless the app requires "crm.objects.contacts.read"',
    });
  }
  const identities = crmObjects.map((s) => `${s.subscriptionType} ${s.objectType} ${s.propertyName ?? ''}`);
  crmObjects.forEach((subscription, i) => {
    const path = ['webhooks', 'subscriptions', 'crmObjects', i];
    const readScopes: readonly string[] = WEBHOOK_OBJECT_READ_SCOPES[subscription.objectType];
    if (!readScopes.some((scope) => granted.has(scope))) {
      problems.push({
        path: [...path, 'objectType'],
        message: `events for ${subscription.objectType} need one of the scopes ${readScopes.join(', ')}`,
      });
    }
    problems.push(...propertyNameProblems(subscription, path));
    if (identities.indexOf(identities[i]!) !== i) {
      problems.push({ path, message: 'the same subscription is listed twice' });
    }
  });
  legacyCrmObjects.forEach((subscription, i) =>
    problems.push(
      ...propertyNameProblems(subscription, ['webhooks', 'subscriptions', 'legacyCrmObjects', i]),
    ),
  );
  return problems;
}

function propertyNameProblems(
  subscription: { subscriptionType: string; propertyName?: string | undefined },
  path: Path,
): ManifestProblem[] {
  const isPropertyChange = subscription.subscriptionType.endsWith('.propertyChange');
  if (isPropertyChange && !subscription.propertyName) {
    return [{ path: [...path, 'propertyName'], message: 'a propertyChange subscription names its property' }];
  }
  if (!isPropertyChange && subscription.propertyName) {
    return [
      { path: [...path, 'propertyName'], message: 'only a propertyChange subscription names a property' },
    ];
  }
  return [];
}

function propertyRules({ crmProperties, auth }: AppManifest): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  for (const [objectType, declared] of Object.entries(crmProperties) as [
    PropertyObjectType,
    NonNullable<AppManifest['crmProperties'][PropertyObjectType]>,
  ][]) {
    const path = ['crmProperties', objectType];
    const writeScope = PROPERTY_OBJECT_TYPES[objectType];
    if (declared.properties.length > 0 && !auth.requiredScopes.includes(writeScope)) {
      problems.push({
        path,
        message: `creating ${objectType} properties needs the required scope "${writeScope}"`,
      });
    }
    const groupNames = declared.groups.map((group) => group.name);
    for (const name of duplicates(groupNames)) {
      problems.push({ path: [...path, 'groups'], message: `group "${name}" is declared twice` });
    }
    const propertyNames = declared.properties.map((property) => property.name);
    declared.properties.forEach((property, i) => {
      const propertyPath = [...path, 'properties', i];
      if (propertyNames.indexOf(property.name) !== i) {
        problems.push({
          path: [...propertyPath, 'name'],
          message: `property "${property.name}" is declared twice`,
        });
      }
      if (!groupNames.includes(property.groupName)) {
        problems.push({
          path: [...propertyPath, 'groupName'],
          message: `group "${property.groupName}" is not declared in crmProperties.${objectType}.groups`,
        });
      }
      if (property.numberDisplayHint && property.type !== 'number') {
        problems.push({
          path: [...propertyPath, 'numberDisplayHint'],
          message: 'only a number has a display hint',
        });
      }
      problems.push(...fieldTypeProblems(property, propertyPath));
    });
  }
  return problems;
}
