/**
 * The shape of `app/manifest.json`: what Churn Radar is, as the CRM sees it. Objects are strict so a
 * misspelt key is an error, not a silently ignored setting. Rules that span several fields (unique
 * uids, labels for every field, scopes for every subscription…) live in `manifest-rules.ts`.
 */
import { z } from 'zod';
import { manifestProblems } from './manifest-rules.js';
import {
  ACTION_CLIENTS,
  ACTION_FIELD_TYPES,
  ACTION_OBJECT_TYPES,
  ACTION_VALUE_SOURCES,
  CARD_LOCATIONS,
  CARD_OBJECT_TYPES,
  HUB_EVENT_SUBSCRIPTION_TYPES,
  KNOWN_SCOPES,
  LEGACY_SUBSCRIPTION_TYPES,
  NUMBER_DISPLAY_HINTS,
  OBJECT_SUBSCRIPTION_TYPES,
  PROPERTY_FIELD_TYPES,
  PROPERTY_OBJECT_TYPES,
  PROPERTY_TYPES,
  type PropertyObjectType,
  UID_MAX_LENGTH,
  UID_PATTERN,
  WEBHOOK_OBJECT_READ_SCOPES,
} from './hubspot-vocabulary.js';
import { PUBLIC_URL_TOKEN } from './public-url.js';

const uid = z
  .string()
  .min(1, 'a uid cannot be empty')
  .max(UID_MAX_LENGTH, `a uid has at most ${UID_MAX_LENGTH} characters`)
  .regex(UID_PATTERN, 'a uid may only hold letters, digits, "_", "." and "-"');

/** A file-name-safe slug: names the generated hsmeta file and, for actions, the route. */
const key = z.string().regex(/^[a-z][a-z0-9-]*$/, 'a key holds lower-case letters, digits and "-"');

/** A machine name as HubSpot wants it for properties and action fields. */
const fieldName = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'a name starts with a letter and holds only a-z, 0-9 and _');

const text = z.string().trim().min(1, 'cannot be empty');

/** An absolute https URL, or one on the app's own public address (filled in when generating). */
const urlTemplate = z.string().refine((value) => {
  if (value.startsWith(PUBLIC_URL_TOKEN)) return /^(\/[^\s]*)?$/.test(value.slice(PUBLIC_URL_TOKEN.length));
  return URL.canParse(value) && new URL(value).protocol === 'https:';
}, `must be an https:// URL or start with ${PUBLIC_URL_TOKEN} followed by a path`);

const scope = z.enum(KNOWN_SCOPES, {
  error: (issue) => `unknown OAuth scope ${JSON.stringify(issue.input)}`,
});

const option = z.strictObject({
  value: text,
  label: text,
  description: z.string().optional(),
  displayOrder: z.number().int().optional(),
});

const auth = z.strictObject({
  type: z.enum(['oauth', 'static']),
  redirectUrls: z.array(urlTemplate),
  requiredScopes: z.array(scope).min(1),
  optionalScopes: z.array(scope).default([]),
  conditionallyRequiredScopes: z.array(scope).default([]),
});

const card = z.strictObject({
  key,
  uid,
  name: text,
  description: z.string().optional(),
  location: z.enum(CARD_LOCATIONS),
  entrypoint: z
    .string()
    .regex(
      /^\/app\/cards\/[A-Za-z0-9_./-]+\.(tsx|jsx)$/,
      'an entrypoint is a .tsx or .jsx file under /app/cards/',
    ),
  objectTypes: z.array(z.enum(CARD_OBJECT_TYPES)).min(1),
});

const actionTypeDefinition = z.strictObject({
  name: fieldName,
  type: z.enum(ACTION_FIELD_TYPES),
  fieldType: z.enum(PROPERTY_FIELD_TYPES).optional(),
  options: z.array(option).optional(),
});

const actionLabels = z.strictObject({
  actionName: text,
  actionDescription: text,
  actionCardContent: text,
  appDisplayName: z.string().optional(),
  inputFieldLabels: z.record(z.string(), text).default({}),
  inputFieldDescriptions: z.record(z.string(), text).default({}),
  outputFieldLabels: z.record(z.string(), text).default({}),
});

const workflowAction = z.strictObject({
  key,
  uid,
  actionUrl: urlTemplate,
  isPublished: z.boolean(),
  supportedClients: z.array(z.strictObject({ client: z.enum(ACTION_CLIENTS) })).min(1),
  objectTypes: z.array(z.enum(ACTION_OBJECT_TYPES)).min(1),
  inputFields: z.array(
    z.strictObject({
      typeDefinition: actionTypeDefinition,
      supportedValueTypes: z.array(z.enum(ACTION_VALUE_SOURCES)).min(1),
      isRequired: z.boolean(),
    }),
  ),
  outputFields: z.array(z.strictObject({ typeDefinition: actionTypeDefinition })).default([]),
  labels: z
    .record(z.string().regex(/^[a-z]{2}(-[a-z]{2})?$/, 'a language code such as "en"'), actionLabels)
    .refine((labels) => 'en' in labels, 'labels need English ("en")'),
});

const objectSubscription = z.strictObject({
  subscriptionType: z.enum(OBJECT_SUBSCRIPTION_TYPES),
  objectType: z.enum(Object.keys(WEBHOOK_OBJECT_READ_SCOPES) as [keyof typeof WEBHOOK_OBJECT_READ_SCOPES]),
  propertyName: fieldName.optional(),
  active: z.boolean(),
});

const webhooks = z.strictObject({
  uid,
  targetUrl: urlTemplate,
  maxConcurrentRequests: z.number().int().positive(),
  subscriptions: z.strictObject({
    crmObjects: z.array(objectSubscription).default([]),
    legacyCrmObjects: z
      .array(
        z.strictObject({
          subscriptionType: z.enum(LEGACY_SUBSCRIPTION_TYPES),
          propertyName: fieldName.optional(),
          active: z.boolean(),
        }),
      )
      .default([]),
    hubEvents: z
      .array(z.strictObject({ subscriptionType: z.enum(HUB_EVENT_SUBSCRIPTION_TYPES), active: z.boolean() }))
      .default([]),
  }),
});

const propertyGroup = z.strictObject({
  name: fieldName,
  label: text,
  displayOrder: z.number().int().default(-1),
});

/** A property exactly as the properties API's `PropertyCreate` takes it, so bootstrap can send it as is. */
const propertyDefinition = z.strictObject({
  name: fieldName,
  label: text,
  description: z.string().default(''),
  groupName: fieldName,
  type: z.enum(PROPERTY_TYPES),
  fieldType: z.enum(PROPERTY_FIELD_TYPES),
  options: z.array(option).optional(),
  displayOrder: z.number().int().default(-1),
  numberDisplayHint: z.enum(NUMBER_DISPLAY_HINTS).optional(),
  formField: z.boolean().default(false),
  hasUniqueValue: z.boolean().default(false),
  hidden: z.boolean().default(false),
});

const objectProperties = z.strictObject({
  groups: z.array(propertyGroup).default([]),
  properties: z.array(propertyDefinition).default([]),
});

const manifestShape = z.strictObject({
  uid,
  name: text,
  description: text,
  distribution: z.enum(['marketplace', 'private']),
  auth,
  permittedUrls: z.strictObject({
    fetch: z.array(urlTemplate).default([]),
    iframe: z.array(urlTemplate).default([]),
    img: z.array(urlTemplate).default([]),
  }),
  support: z
    .strictObject({
      supportEmail: z.email(),
      documentationUrl: urlTemplate,
      supportUrl: urlTemplate,
      supportPhone: z.string().optional(),
    })
    .optional(),
  cards: z.array(card).default([]),
  workflowActions: z.array(workflowAction).default([]),
  webhooks: webhooks.optional(),
  crmProperties: z
    .partialRecord(z.enum(Object.keys(PROPERTY_OBJECT_TYPES) as [PropertyObjectType]), objectProperties)
    .default({}),
});

export type AppManifest = z.output<typeof manifestShape>;

export const appManifestSchema = manifestShape.superRefine((manifest, ctx) => {
  for (const problem of manifestProblems(manifest)) {
    ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  }
});

export type ManifestCard = AppManifest['cards'][number];
export type ManifestWorkflowAction = AppManifest['workflowActions'][number];
export type ManifestActionField = ManifestWorkflowAction['inputFields'][number]['typeDefinition'];
export type ManifestWebhooks = NonNullable<AppManifest['webhooks']>;
export type ManifestPropertyGroup = z.output<typeof propertyGroup>;
export type ManifestProperty = z.output<typeof propertyDefinition>;
