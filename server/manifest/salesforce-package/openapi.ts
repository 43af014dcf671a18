/**
 * The Flow actions as an OpenAPI 3.0 description, for admins who register them through External
 * Services against the Churn_Radar Named Credential instead of using the package's Apex actions.
 * The same endpoint and body as the Apex: a list of records in, one answer per record out.
 */
import { ORG_API_PATH, ORG_HEADER, SECRET_HEADER, USER_HEADER } from '../../crm/salesforce/org-package.js';
import type { ManifestActionField, ManifestWorkflowAction } from '../schema.js';

type Schema = Record<string, unknown>;

function fieldSchema(field: ManifestActionField, text?: string): Schema {
  const description = text ? { description: text } : {};
  switch (field.type) {
    case 'number':
    case 'currency_number':
      return { type: 'number', ...description };
    case 'bool':
      return { type: 'boolean', ...description };
    case 'datetime':
      return { type: 'string', format: 'date-time', ...description };
    case 'date':
      return { type: 'string', format: 'date', ...description };
    case 'enumeration':
      return { type: 'string', enum: (field.options ?? []).map((o) => o.value), ...description };
    default:
      return { type: 'string', ...description };
  }
}

const operationId = (key: string) => key.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
const schemaName = (key: string, suffix: string) =>
  `${key.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}${suffix}`;

const errorSchema: Schema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
};

export function flowActionsOpenApi(actions: ManifestWorkflowAction[], publicUrl: string): Schema {
  const paths: Schema = {};
  const schemas: Schema = { Error: errorSchema };
  for (const action of actions) {
    const labels = action.labels.en;
    const request = schemaName(action.key, 'Record');
    const answer = schemaName(action.key, 'Answer');
    schemas[request] = {
      type: 'object',
      properties: {
        contactId: { type: 'string', description: 'The Salesforce id of the contact.' },
        requestKey: {
          type: 'string',
          description:
            'A key used twice acts once; when absent, the action acts once per contact and campaign.',
        },
        ...Object.fromEntries(
          action.inputFields.map((f) => [
            f.typeDefinition.name,
            fieldSchema(f.typeDefinition, labels?.inputFieldDescriptions[f.typeDefinition.name]),
          ]),
        ),
      },
      required: [
        'contactId',
        ...action.inputFields.filter((f) => f.isRequired).map((f) => f.typeDefinition.name),
      ],
    };
    schemas[answer] = {
      type: 'object',
      properties: {
        contactId: { type: 'string' },
        ok: { type: 'boolean', description: 'False when this record was refused; `error` says why.' },
        group: { type: 'string', enum: ['treatment', 'control'] },
        status: { type: 'string', enum: ['completed', 'pending'] },
        replayed: { type: 'boolean' },
        error: { type: 'string' },
        outputs: {
          type: 'object',
          properties: Object.fromEntries(
            action.outputFields.map((f) => [
              f.typeDefinition.name,
              fieldSchema(f.typeDefinition, labels?.outputFieldLabels[f.typeDefinition.name]),
            ]),
          ),
        },
      },
      required: ['contactId', 'ok'],
    };
    paths[`${ORG_API_PATH}/actions/${action.key}`] = {
      post: {
        operationId: operationId(action.key),
        summary: labels?.actionName ?? action.key,
        description: labels?.actionDescription ?? '',
        parameters: [
          {
            name: ORG_HEADER,
            in: 'header',
            required: true,
            description: 'The calling org id: {!$Organization.Id}.',
            schema: { type: 'string' },
          },
          {
            name: USER_HEADER,
            in: 'header',
            required: false,
            description: 'The user the flow runs for.',
            schema: { type: 'string' },
          },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  requests: {
                    type: 'array',
                    maxItems: 200,
                    items: { $ref: `#/components/schemas/${request}` },
                  },
                },
                required: ['requests'],
              },
            },
          },
        },
        responses: {
          '200': {
            description: 'One answer per record, in the records’ order.',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    results: { type: 'array', items: { $ref: `#/components/schemas/${answer}` } },
                  },
                  required: ['results'],
                },
              },
            },
          },
          '400': {
            description: 'The body is not a list of records.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
          '401': {
            description: 'The org is not connected, or the secret does not match.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        },
      },
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Churn Radar Flow actions',
      version: '1.0.0',
      description:
        'Retention actions for Salesforce Flow. Register with External Services against the Churn_Radar Named Credential, which adds the org secret header.',
    },
    servers: [{ url: publicUrl }],
    security: [{ orgSecret: [] }],
    paths,
    components: {
      schemas,
      securitySchemes: { orgSecret: { type: 'apiKey', in: 'header', name: SECRET_HEADER } },
    },
  };
}
