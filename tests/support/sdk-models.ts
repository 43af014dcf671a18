/**
 * Checks a response body against a model of the official Node SDK (`@hubspot/api-client` 13.5),
 * for APIs whose OpenAPI spec is not among HubSpot's 2026-03 specs (the v3 associations API): the
 * model's attribute map gives each wire name and type, its declaration file which attributes are
 * optional. A body fits when it has every required attribute, no attribute the model lacks, and
 * each value of the declared type (dates as ISO strings, enums as one of their values).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

interface Attribute {
  name: string;
  baseName: string;
  type: string;
}

interface ModelClass {
  getAttributeTypeMap(): Attribute[];
}

type Exports = Record<string, unknown>;

const require = createRequire(import.meta.url);
const CODEGEN = join(dirname(require.resolve('@hubspot/api-client/package.json')), 'lib', 'codegen');

function isModel(value: unknown): value is ModelClass {
  return typeof value === 'function' && 'getAttributeTypeMap' in value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The models of one codegen folder, such as `crm/associations` or `crm/associations/schema`. */
export class SdkModels {
  private readonly exports: Exports;
  private readonly optional = new Map<string, Set<string>>();

  constructor(private readonly folder: string) {
    this.exports = require(join(CODEGEN, folder, 'models', 'all.js')) as Exports;
  }

  /** Problems with `body` as an instance of `model`; empty when it fits. */
  errors(model: string, body: unknown): string[] {
    return this.check(model, body, '');
  }

  private optionalOf(model: string): Set<string> {
    let names = this.optional.get(model);
    if (!names) {
      const declaration = readFileSync(join(CODEGEN, this.folder, 'models', `${model}.d.ts`), 'utf8');
      names = new Set([...declaration.matchAll(/^\s+'(\w+)'\?:/gm)].map((match) => match[1]!));
      this.optional.set(model, names);
    }
    return names;
  }

  private check(type: string, value: unknown, path: string): string[] {
    const at = path || '/';
    if (type === 'any') return [];
    if (type === 'string') return typeof value === 'string' ? [] : [`${at} is not a string`];
    if (type === 'number') return typeof value === 'number' ? [] : [`${at} is not a number`];
    if (type === 'boolean') return typeof value === 'boolean' ? [] : [`${at} is not a boolean`];
    if (type === 'Date') {
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? [] : [`${at} is not a date`];
    }
    const array = /^Array<(.+)>$/.exec(type);
    if (array) {
      if (!Array.isArray(value)) return [`${at} is not an array`];
      return value.flatMap((item, index) => this.check(array[1]!, item, `${path}/${index}`));
    }
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
    if (map) {
      if (!isObject(value)) return [`${at} is not an object`];
      return Object.entries(value).flatMap(([key, item]) => this.check(map[1]!, item, `${path}/${key}`));
    }
    const found = this.exports[type];
    if (isModel(found)) return this.checkModel(type, found, value, path);
    if (isObject(found)) {
      return Object.values(found).includes(value) ? [] : [`${at} is not one of ${type}'s values`];
    }
    throw new Error(`no model or enum ${type} in ${this.folder}`);
  }

  private checkModel(model: string, found: ModelClass, value: unknown, path: string): string[] {
    if (!isObject(value)) return [`${path || '/'} is not an object (${model})`];
    const attributes = found.getAttributeTypeMap();
    const optional = this.optionalOf(model);
    const problems: string[] = [];
    for (const attribute of attributes) {
      const item = value[attribute.baseName];
      if (item === undefined) {
        if (!optional.has(attribute.name))
          problems.push(`${path}/${attribute.baseName} is missing (${model})`);
        continue;
      }
      problems.push(...this.check(attribute.type, item, `${path}/${attribute.baseName}`));
    }
    const known = new Set(attributes.map((attribute) => attribute.baseName));
    for (const key of Object.keys(value)) {
      if (!known.has(key)) problems.push(`${path}/${key} is not in ${model}`);
    }
    return problems;
  }
}
