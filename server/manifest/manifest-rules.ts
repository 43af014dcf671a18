/**
 * Rules that span several fields of the manifest. Each returns problems with the path of the value
 * to fix, so an error reads `workflowActions[0].labels.en.outputFieldLabels.offer_code: …`.
 */
import { actionRules, duplicates, fieldTypeProblems, type ManifestProblem } from './action-rules.js';
import {
  PROPERTY_OBJECT_TYPES,
  WEBHOOK_OBJECT_READ_SCOPES,
  type PropertyObjectType,
} from './hubspot-vocabulary.js';
import { PUBLIC_URL_TOKEN } from './public-url.js';
import type { AppManifest } from './schema.js';

export type { ManifestProblem };

type Path = ManifestProblem['path'];

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
    const writeScopes: readonly string[] = PROPERTY_OBJECT_TYPES[objectType];
    const granted: readonly string[] = auth.requiredScopes;
    if (declared.properties.length > 0 && !writeScopes.some((scope) => granted.includes(scope))) {
      problems.push({
        path,
        message: `creating ${objectType} properties needs the required scope ${writeScopes
          .map((scope) => `"${scope}"`)
          .join(' or ')}`,
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
