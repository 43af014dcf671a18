/**
 * Custom workflow action definitions, per app, with their revisions, as HubSpot's Automation
 * Actions API (v4 / 2026-03) stores them. Bodies are parsed here with the API's field names;
 * responses are filled out to the spec's `PublicActionDefinition` (output fields carry the
 * defaults HubSpot adds, such as `externalOptions` and a value `schema`).
 */
import { z } from 'zod';

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
const VALUE_TYPES = [
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
] as const;

const option = z.object({
  label: z.string(),
  value: z.string(),
  description: z.string().optional(),
  displayOrder: z.number().int().optional(),
});

const typeDefinition = z.object({
  name: z.string().min(1),
  type: z.enum(VALUE_TYPES),
  fieldType: z.enum(FIELD_TYPES).optional(),
  label: z.string().optional(),
  description: z.string().optional(),
  helpText: z.string().optional(),
  options: z.array(option).default([]),
  optionsUrl: z.string().optional(),
  referencedObjectType: z.string().optional(),
});

const inputField = z.object({
  typeDefinition,
  isRequired: z.boolean(),
  supportedValueTypes: z.array(z.enum(['STATIC_VALUE', 'OBJECT_PROPERTY'])).optional(),
});

const outputField = z.object({ typeDefinition });

const labels = z.record(
  z.string(),
  z.object({
    actionName: z.string().min(1),
    actionDescription: z.string().optional(),
    actionCardContent: z.string().optional(),
    appDisplayName: z.string().optional(),
    inputFieldLabels: z.record(z.string(), z.string()).optional(),
    outputFieldLabels: z.record(z.string(), z.string()).optional(),
    inputFieldDescriptions: z.record(z.string(), z.string()).optional(),
    inputFieldOptionLabels: z.record(z.string(), z.record(z.string(), z.string())).optional(),
    executionRules: z.record(z.string(), z.string()).optional(),
  }),
);

const fn = z.object({
  functionType: z.enum([
    'PRE_ACTION_EXECUTION',
    'POST_ACTION_EXECUTION',
    'PRE_FETCH_OPTIONS',
    'POST_FETCH_OPTIONS',
  ]),
  functionSource: z.string(),
  id: z.string().optional(),
});

const editable = {
  actionUrl: z.url({ protocol: /^https?$/, error: 'actionUrl must be an http(s) URL' }),
  published: z.boolean(),
  inputFields: z.array(inputField),
  outputFields: z.array(outputField),
  objectTypes: z.array(z.string().min(1)),
  labels,
  objectRequestOptions: z.object({ properties: z.array(z.string()) }),
  executionRules: z.array(z.object({ labelName: z.string(), conditions: z.record(z.string(), z.unknown()) })),
  inputFieldDependencies: z.array(z.record(z.string(), z.unknown())),
};

/** `PublicActionDefinitionEgg`; `functions` and `inputFields` may be left out (taken as empty). */
export const definitionEgg = z.object({
  ...editable,
  inputFields: editable.inputFields.default([]),
  outputFields: editable.outputFields.optional(),
  objectRequestOptions: editable.objectRequestOptions.optional(),
  executionRules: editable.executionRules.optional(),
  inputFieldDependencies: editable.inputFieldDependencies.optional(),
  functions: z.array(fn).default([]),
});
export type DefinitionEgg = z.infer<typeof definitionEgg>;

/** `PublicActionDefinitionPatch`: any editable field. */
export const definitionPatch = z.object(editable).partial();
export type DefinitionPatch = z.infer<typeof definitionPatch>;

export interface ActionDefinition extends Omit<DefinitionEgg, 'functions'> {
  id: string;
  appId: number;
  revisionId: number;
  functions: { functionType: string; functionSource: string; id: string }[];
  archivedAt?: number;
}

interface Revision {
  revisionId: number;
  createdAt: Date;
  definition: ActionDefinition;
}

export class ActionDefinitionRegistry {
  private readonly byId = new Map<string, ActionDefinition>();
  private readonly revisions = new Map<string, Revision[]>();
  private nextId = 1;

  create(appId: number, egg: DefinitionEgg, at: Date): ActionDefinition {
    const id = String(this.nextId++);
    const definition: ActionDefinition = {
      ...egg,
      id,
      appId,
      revisionId: 1,
      functions: egg.functions.map((f, index) => ({ ...f, id: f.id ?? `${id}-${index + 1}` })),
    };
    this.byId.set(id, definition);
    this.revisions.set(id, [{ revisionId: 1, createdAt: at, definition: structuredClone(definition) }]);
    return definition;
  }

  get(appId: number, id: string): ActionDefinition | undefined {
    const definition = this.byId.get(id);
    return definition?.appId === appId ? definition : undefined;
  }

  /** Any app's definition, as the workflow engine looks it up. */
  byDefinitionId(id: string): ActionDefinition | undefined {
    return this.byId.get(id);
  }

  list(appId: number, archived: boolean): ActionDefinition[] {
    return [...this.byId.values()].filter(
      (definition) => definition.appId === appId && (definition.archivedAt !== undefined) === archived,
    );
  }

  update(appId: number, id: string, patch: DefinitionPatch, at: Date): ActionDefinition | undefined {
    const definition = this.get(appId, id);
    if (!definition || definition.archivedAt !== undefined) return undefined;
    Object.assign(definition, patch, { revisionId: definition.revisionId + 1 });
    this.revisions.get(id)!.push({
      revisionId: definition.revisionId,
      createdAt: at,
      definition: structuredClone(definition),
    });
    return definition;
  }

  archive(appId: number, id: string, at: Date): boolean {
    const definition = this.get(appId, id);
    if (!definition) return false;
    definition.archivedAt ??= at.getTime();
    return true;
  }

  revisionsOf(appId: number, id: string): Revision[] | undefined {
    return this.get(appId, id) ? this.revisions.get(id) : undefined;
  }
}

const OUTPUT_VALUE_SCHEMAS: Record<string, { type: string; format?: string }> = {
  bool: { type: 'BOOLEAN' },
  number: { type: 'DOUBLE' },
  currency_number: { type: 'DOUBLE' },
  date: { type: 'STRING', format: 'DATE' },
  datetime: { type: 'STRING', format: 'DATE_TIME' },
};

/** The definition as the API returns it (`PublicActionDefinition`). */
export function definitionBody(definition: ActionDefinition) {
  const { appId: _appId, functions, outputFields, revisionId, ...rest } = definition;
  return {
    ...rest,
    revisionId: String(revisionId),
    functions: functions.map(({ functionType, id }) => ({ functionType, id })),
    outputFields: (outputFields ?? []).map(({ typeDefinition }) => ({
      typeDefinition: {
        ...typeDefinition,
        externalOptions: false,
        useChirp: false,
        schema: OUTPUT_VALUE_SCHEMAS[typeDefinition.type] ?? { type: 'STRING' },
        options: typeDefinition.options.map((o, index) => ({
          label: o.label,
          value: o.value,
          description: o.description ?? '',
          displayOrder: o.displayOrder ?? index,
          doubleData: 0,
          hidden: false,
          readOnly: false,
        })),
      },
    })),
  };
}
