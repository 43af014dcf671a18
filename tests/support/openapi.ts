/**
 * Checks response bodies against HubSpot's OpenAPI specs for API version 2026-03, read from
 * `../shared/hubspot/specs/2026-03/` (never copied into the repository). Tests that need the specs
 * use `describeWithSpecs`, which skips them, saying why, when the folder is absent.
 *
 * One deliberate relaxation: HubSpot sends `null` for optional values that are unset (a requested
 * property with no value, an association without a label), which OpenAPI 3.0 can only allow with
 * `nullable`, and the specs leave it out. So optional properties and string-valued maps accept
 * null here; required fields stay strict.
 */
import { describe } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export const SPECS_DIR = fileURLToPath(new URL('../../../shared/hubspot/specs/2026-03/', import.meta.url));
export const specsPresent = existsSync(SPECS_DIR);

/** `describe` when the specs are there; otherwise `describe.skip`, with the reason logged once. */
export function describeWithSpecs(name: string, body: () => void): void {
  if (!specsPresent) {
    console.warn(`${name}: skipped, HubSpot's OpenAPI specs are not at ${SPECS_DIR}`);
    describe.skip(name, body);
    return;
  }
  describe(name, body);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Marks optional typed properties and string maps as nullable, walking the whole document. */
function allowNullWhereHubSpotSendsIt(node: Json): void {
  if (Array.isArray(node)) return node.forEach(allowNullWhereHubSpotSendsIt);
  if (!isObject(node)) return;
  const required = Array.isArray(node.required) ? node.required : [];
  if (isObject(node.properties)) {
    for (const [name, schema] of Object.entries(node.properties)) {
      if (isObject(schema) && typeof schema.type === 'string' && !required.includes(name))
        schema.nullable = true;
    }
  }
  const extra = node.additionalProperties;
  if (isObject(extra) && extra.type === 'string') extra.nullable = true;
  Object.values(node).forEach(allowNullWhereHubSpotSendsIt);
}

function templateRegex(template: string): RegExp {
  const pattern = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${pattern}$`);
}

/** Numbered paths the SDK calls, as the date-based paths the 2026-03 specs describe. */
export function toDatedPath(path: string): string {
  return path
    .replace(/^\/crm\/v3\/objects\//, '/crm/objects/2026-03/')
    .replace(/^\/crm\/v4\/objects\//, '/crm/objects/2026-03/')
    .replace(/^\/crm\/v4\/associations\//, '/crm/associations/2026-03/')
    .replace(/^\/crm\/v3\/properties\//, '/crm/properties/2026-03/')
    .replace(/^\/oauth\/v[13]\//, '/oauth/2026-03/')
    .replace(/^\/settings\/v3\/users(\/|$)/, '/settings/users/2026-03$1')
    .replace(/^(\/settings\/users\/2026-03)\/$/, '$1');
}

export class OpenApiSpec {
  private readonly ajv: Ajv;
  private readonly document: JsonObject;
  private readonly compiled = new Map<string, ValidateFunction>();

  /** Loads one spec file by name, such as `contacts` for `contacts.json`. */
  constructor(readonly name: string) {
    this.document = JSON.parse(readFileSync(`${SPECS_DIR}${name}.json`, 'utf8')) as JsonObject;
    allowNullWhereHubSpotSendsIt(this.document);
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    addFormats.default(this.ajv);
    for (const format of ['int32', 'int64']) this.ajv.addFormat(format, true);
    this.ajv.addSchema(this.document, 'spec');
  }

  /** The spec's path template for a concrete request path (the most literal one that matches). */
  pathTemplate(method: string, path: string): string {
    const concrete = toDatedPath(path.split('?')[0]!);
    const paths = this.document.paths as JsonObject;
    const candidates = Object.keys(paths).filter(
      (template) => isObject(paths[template]) && method.toLowerCase() in (paths[template] as JsonObject),
    );
    const matching = candidates.filter((template) => templateRegex(template).test(concrete));
    if (matching.length === 0)
      throw new Error(`${this.name}.json has no ${method} operation for ${concrete}`);
    const literalLength = (template: string) => template.replace(/\{[^}]+\}/g, '').length;
    return matching.sort((a, b) => literalLength(b) - literalLength(a))[0]!;
  }

  /** Problems with `body` as the response of `method path` with `status`; empty when it fits. */
  responseErrors(method: string, path: string, status: number, body: unknown): string[] {
    const template = this.pathTemplate(method, path);
    const operation = (this.document.paths as JsonObject)[template] as JsonObject;
    const responses = (operation[method.toLowerCase()] as JsonObject).responses as JsonObject;
    const statusKey = String(status) in responses ? String(status) : 'default';
    if (!(statusKey in responses)) return [`${method} ${template} declares no ${status} response`];
    return this.validate(this.contentPointer(template, method, statusKey), body);
  }

  /** Problems with `body` as an instance of `#/components/schemas/{component}`. */
  schemaErrors(component: string, body: unknown): string[] {
    return this.validate(`#/components/schemas/${component}`, body);
  }

  private contentPointer(template: string, method: string, status: string): string {
    const escape = (part: string) => part.replace(/~/g, '~0').replace(/\//g, '~1');
    const operation = ((this.document.paths as JsonObject)[template] as JsonObject)[
      method.toLowerCase()
    ] as JsonObject;
    let response = (operation.responses as JsonObject)[status] as JsonObject;
    let base = `#/paths/${escape(template)}/${method.toLowerCase()}/responses/${status}`;
    if (typeof response.$ref === 'string') {
      base = response.$ref;
      response = this.resolve(response.$ref);
    }
    const content = (response.content ?? {}) as JsonObject;
    const mediaType = ['application/json', '*/*'].find((type) => type in content);
    if (!mediaType) throw new Error(`${method} ${template} ${status} has no JSON body in ${this.name}.json`);
    return `${base}/content/${escape(mediaType)}/schema`;
  }

  private resolve(ref: string): JsonObject {
    const parts = ref.replace(/^#\//, '').split('/');
    let node: Json = this.document;
    for (const part of parts) node = (node as JsonObject)[part.replace(/~1/g, '/').replace(/~0/g, '~')]!;
    return node as JsonObject;
  }

  private validate(pointer: string, body: unknown): string[] {
    let validate = this.compiled.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `spec${pointer}` });
      this.compiled.set(pointer, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map((error) =>
      `${error.instancePath || '/'} ${error.message ?? ''}`.trim(),
    );
  }
}

const loaded = new Map<string, OpenApiSpec>();

/** A spec by file name, loaded once per test file. */
export function spec(name: string): OpenApiSpec {
  let found = loaded.get(name);
  if (!found) {
    found = new OpenApiSpec(name);
    loaded.set(name, found);
  }
  return found;
}
