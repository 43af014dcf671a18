/**
 * What a generated HubSpot project must satisfy offline. HubSpot's full component schemas are only
 * served to an authenticated CLI, so this combines HubSpot's own parser (which silently skips
 * misplaced files and accepts missing uids when validation is skipped) with hand-written JSON
 * schemas for the fields the generator writes (app, card, workflow-action, webhooks).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ALLOWED_TOP_LEVEL_FIELDS, Components } from '@hubspot/project-parsing-lib/constants';
import { getProjectMetadata, parseProjectConfig } from '@hubspot/project-parsing-lib/projects';
import { mapToUserFacingType } from '@hubspot/project-parsing-lib/transform';
import { translate, type IntermediateRepresentationNode } from '@hubspot/project-parsing-lib/translate';
import { validateUid } from '@hubspot/project-parsing-lib/uid';

/** A public https address: HubSpot refuses http:// and loopback hosts for fetch and action URLs. */
const httpsUrl = {
  type: 'string',
  format: 'uri',
  pattern: '^https://(?!localhost|127\\.|0\\.0\\.0\\.0|\\[::1\\])[^\\s/?#]+(/[^\\s]*)?$',
};
const strings = { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true };
const option = {
  type: 'object',
  required: ['value', 'label'],
  additionalProperties: false,
  properties: {
    value: { type: 'string', minLength: 1 },
    label: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    displayOrder: { type: 'integer' },
  },
};

const appConfig = {
  type: 'object',
  required: ['name', 'description', 'distribution', 'auth', 'permittedUrls'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1 },
    description: { type: 'string', minLength: 1 },
    distribution: { enum: ['marketplace', 'private'] },
    auth: {
      type: 'object',
      required: ['type', 'redirectUrls', 'requiredScopes', 'optionalScopes', 'conditionallyRequiredScopes'],
      additionalProperties: false,
      properties: {
        type: { enum: ['oauth', 'static'] },
        redirectUrls: { type: 'array', items: { type: 'string', format: 'uri' }, minItems: 1 },
        requiredScopes: { ...strings, minItems: 1, contains: { const: 'oauth' } },
        optionalScopes: strings,
        conditionallyRequiredScopes: strings,
      },
    },
    permittedUrls: {
      type: 'object',
      required: ['fetch', 'iframe', 'img'],
      additionalProperties: false,
      properties: {
        fetch: { type: 'array', items: httpsUrl },
        iframe: { type: 'array', items: httpsUrl },
        img: { type: 'array', items: httpsUrl },
      },
    },
    support: {
      type: 'object',
      required: ['supportEmail', 'documentationUrl', 'supportUrl'],
      additionalProperties: false,
      properties: {
        supportEmail: { type: 'string', format: 'email' },
        documentationUrl: httpsUrl,
        supportUrl: httpsUrl,
        supportPhone: { type: 'string' },
      },
    },
  },
  // A marketplace app can only authenticate with OAuth.
  if: { properties: { distribution: { const: 'marketplace' } } },
  then: { properties: { auth: { properties: { type: { const: 'oauth' } } } } },
};

const cardConfig = {
  type: 'object',
  required: ['name', 'location', 'entrypoint', 'objectTypes'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    location: { enum: ['crm.record.tab', 'crm.record.sidebar', 'crm.preview', 'helpdesk.sidebar'] },
    entrypoint: { type: 'string', pattern: '^/app/cards/[^\\s]+\\.(tsx|jsx)$' },
    objectTypes: {
      type: 'array',
      items: { enum: ['contacts', 'companies', 'deals', 'tickets'] },
      minItems: 1,
    },
  },
};

const typeDefinition = {
  type: 'object',
  required: ['name', 'type'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', pattern: '^[a-z][a-z0-9_]*$' },
    type: {
      enum: [
        'bool',
        'currency_number',
        'date',
        'datetime',
        'enumeration',
        'json',
        'number',
        'object_coordinates',
        'phone_number',
        'string',
      ],
    },
    fieldType: {
      enum: [
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
      ],
    },
    options: { type: 'array', items: option, minItems: 1 },
  },
  if: { properties: { type: { const: 'enumeration' } } },
  then: { required: ['options'] },
  else: { not: { required: ['options'] } },
};

const fieldLabels = { type: 'object', additionalProperties: { type: 'string', minLength: 1 } };

const workflowActionConfig = {
  type: 'object',
  required: ['actionUrl', 'isPublished', 'supportedClients', 'inputFields', 'labels', 'objectTypes'],
  additionalProperties: false,
  properties: {
    actionUrl: httpsUrl,
    isPublished: { type: 'boolean' },
    supportedClients: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['client'],
        additionalProperties: false,
        properties: { client: { enum: ['WORKFLOWS', 'AGENTS'] } },
      },
    },
    inputFields: {
      type: 'array',
      items: {
        type: 'object',
        required: ['typeDefinition', 'supportedValueTypes', 'isRequired'],
        additionalProperties: false,
        properties: {
          typeDefinition,
          supportedValueTypes: {
            type: 'array',
            minItems: 1,
            items: { enum: ['STATIC_VALUE', 'OBJECT_PROPERTY'] },
          },
          isRequired: { type: 'boolean' },
        },
      },
    },
    outputFields: {
      type: 'array',
      items: {
        type: 'object',
        required: ['typeDefinition'],
        additionalProperties: false,
        properties: { typeDefinition },
      },
    },
    labels: {
      type: 'object',
      required: ['en'],
      additionalProperties: false,
      patternProperties: {
        '^[a-z]{2}(-[a-z]{2})?$': {
          type: 'object',
          required: ['actionName', 'actionDescription', 'actionCardContent', 'inputFieldLabels'],
          additionalProperties: false,
          properties: {
            actionName: { type: 'string', minLength: 1 },
            actionDescription: { type: 'string', minLength: 1 },
            actionCardContent: { type: 'string', minLength: 1 },
            appDisplayName: { type: 'string' },
            inputFieldLabels: fieldLabels,
            inputFieldDescriptions: fieldLabels,
            outputFieldLabels: fieldLabels,
          },
        },
      },
    },
    objectTypes: { type: 'array', minItems: 1, items: { enum: ['CONTACT', 'COMPANY', 'DEAL', 'TICKET'] } },
  },
};

const subscription = (types: object, extra: Record<string, object> = {}) => ({
  type: 'object',
  required: ['subscriptionType', 'active', ...Object.keys(extra).filter((name) => name !== 'propertyName')],
  additionalProperties: false,
  properties: { subscriptionType: types, active: { type: 'boolean' }, ...extra },
  if: { properties: { subscriptionType: { pattern: '\\.propertyChange$' } } },
  then: { required: ['propertyName'] },
  else: { not: { required: ['propertyName'] } },
});

const webhooksConfig = {
  type: 'object',
  required: ['settings', 'subscriptions'],
  additionalProperties: false,
  properties: {
    settings: {
      type: 'object',
      required: ['targetUrl', 'maxConcurrentRequests'],
      additionalProperties: false,
      properties: { targetUrl: httpsUrl, maxConcurrentRequests: { type: 'integer', minimum: 1 } },
    },
    subscriptions: {
      type: 'object',
      additionalProperties: false,
      properties: {
        crmObjects: {
          type: 'array',
          items: subscription(
            { type: 'string', pattern: '^object\\.' },
            { objectType: { type: 'string', pattern: '^[a-z_]+$' }, propertyName: { type: 'string' } },
          ),
        },
        legacyCrmObjects: {
          type: 'array',
          items: subscription(
            { type: 'string', pattern: '^(contact|company|deal|ticket)\\.' },
            { propertyName: { type: 'string' } },
          ),
        },
        hubEvents: { type: 'array', items: subscription({ enum: ['contact.privacyDeletion'] }) },
      },
    },
  },
};

const component = (type: string, config: object) => ({
  type: 'object',
  required: ['uid', 'type', 'config'],
  additionalProperties: false,
  properties: {
    uid: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
    type: { const: type },
    config,
  },
});

export const HSMETA_SCHEMAS = {
  app: component('app', appConfig),
  card: component('card', cardConfig),
  'workflow-action': component('workflow-action', workflowActionConfig),
  webhooks: component('webhooks', webhooksConfig),
} as const;

type ComponentType = keyof typeof HSMETA_SCHEMAS;

let validators: Record<ComponentType, ValidateFunction> | undefined;

function validatorFor(type: string): ValidateFunction | undefined {
  if (!validators) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    validators = Object.fromEntries(
      Object.entries(HSMETA_SCHEMAS).map(([name, schema]) => [name, ajv.compile(schema)]),
    ) as Record<ComponentType, ValidateFunction>;
  }
  return validators[type as ComponentType];
}

/** Problems of one `*-hsmeta.json` against our schema for its type, as `file: /path message`. */
export function hsmetaSchemaProblems(file: string, content: unknown): string[] {
  const type = (content as { type?: unknown } | null)?.type;
  const validate = validatorFor(String(type));
  if (!validate) return [`${file}: no schema for component type ${JSON.stringify(type)}`];
  if (validate(content)) return [];
  return (validate.errors ?? []).map((error) => `${file}: ${error.instancePath || '/'} ${error.message}`);
}

/** Every `*-hsmeta.json` under `dir`, relative with `/` separators, as the parser names them. */
export function hsmetaFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('-hsmeta.json'))
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

export interface ParsedProject {
  platformVersion: string;
  nodes: Record<string, IntermediateRepresentationNode>;
  problems: string[];
}

/**
 * Runs HubSpot's parser on a project folder and lists everything that would make `hs project
 * upload` drop or refuse a component: skipped hsmeta files, components without a (valid) uid,
 * files outside their type's folder, too many singular components, unexpected top-level keys,
 * and config that breaks our schema.
 */
export async function checkHubSpotProject(projectDir: string): Promise<ParsedProject> {
  const config = parseProjectConfig(projectDir);
  const projectSourceDir = join(projectDir, config.srcDir);
  const { intermediateRepresentation, skippedHsMetaFiles } = await translate(
    { projectSourceDir, platformVersion: config.platformVersion },
    { skipValidation: true },
  );
  const nodes = intermediateRepresentation.intermediateNodesIndexedByUid;
  const problems = skippedHsMetaFiles.map((file) => `${file}: skipped by HubSpot's parser`);
  for (const [key, node] of Object.entries(nodes)) {
    if (key === 'undefined' || !node.uid) problems.push(`${node.metaFilePath}: component has no uid`);
    const uidProblem = node.uid ? validateUid(node.uid) : undefined;
    if (uidProblem) problems.push(`${node.metaFilePath}: ${uidProblem}`);
    const type = mapToUserFacingType(node.componentType);
    const expected = Components[type];
    if (!expected) {
      problems.push(`${node.metaFilePath}: unknown component type ${type}`);
    } else {
      const folder = expected.parentComponent
        ? `${Components[expected.parentComponent]!.dir}/${expected.dir}`
        : expected.dir;
      if (dirname(node.metaFilePath) !== folder)
        problems.push(`${node.metaFilePath}: a ${type} belongs in ${folder}/`);
    }
    const content: unknown = JSON.parse(readFileSync(join(projectSourceDir, node.metaFilePath), 'utf8'));
    const allowed: ReadonlySet<string> = ALLOWED_TOP_LEVEL_FIELDS;
    const extraKeys = Object.keys(content as object).filter((name) => !allowed.has(name));
    if (extraKeys.length > 0)
      problems.push(`${node.metaFilePath}: unexpected top-level ${extraKeys.join(', ')}`);
    problems.push(...hsmetaSchemaProblems(node.metaFilePath, content));
  }
  // The parser drops a file it cannot read (invalid JSON) without a word: every file must be a node.
  const read = new Set([...Object.values(nodes).map((node) => node.metaFilePath), ...skippedHsMetaFiles]);
  for (const file of hsmetaFiles(projectSourceDir).filter((name) => !read.has(name))) {
    problems.push(`${file}: not read by HubSpot's parser (is it valid JSON?)`);
  }
  const metadata = await getProjectMetadata(projectSourceDir);
  for (const [type, { count, maxCount }] of Object.entries(metadata.components)) {
    if (count > maxCount) problems.push(`${count} ${type} components where HubSpot allows ${maxCount}`);
  }
  return { platformVersion: config.platformVersion, nodes, problems };
}
