/**
 * Reads an SFDX project folder (source format, as `sf project deploy` or a package version build
 * reads it) for the metadata the sandbox acts on: custom fields (`objects/{T}/fields/*`), external
 * credentials (their protocol, named principals and auth headers), named credentials (URL and
 * external credential), the field permissions, external credential principal accesses and custom
 * permissions of permission sets, and the names of Apex classes. Files are found
 * by their suffix anywhere under the project's package directories (`force-app/main/default/...`
 * in practice). A deploy of the same folder would fail on any error found here, so each is a
 * `PackageError` naming the file and what is wrong.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import type { CustomFieldMetadata } from './org.js';

/** A principal of an external credential that every permitted user shares (`NamedPrincipal`). */
export interface PrincipalDef {
  name: string;
  sequenceNumber: number;
}

/** A header the external credential adds to every callout; `value` is a formula. */
export interface AuthHeaderDef {
  /** The header's name (`X-Churn-Radar-Secret`). */
  name: string;
  /** `{!$Credential.Churn_Radar.Secret}`, or text around such merge fields. */
  value: string;
  sequenceNumber: number;
}

export interface ExternalCredentialDef {
  /** The developer name: the file's base name. */
  name: string;
  label: string;
  authenticationProtocol: string;
  principals: PrincipalDef[];
  authHeaders: AuthHeaderDef[];
}

export interface NamedCredentialDef {
  name: string;
  label: string;
  /** The `Url` parameter: what `callout:Name` stands for. */
  url: string;
  /** The external credential that authenticates its callouts, if any. */
  externalCredential: string | null;
  type: string;
  /** `Enabled` unless the metadata says otherwise. */
  calloutStatus: string;
  allowMergeFieldsInHeader: boolean;
  allowMergeFieldsInBody: boolean;
  generateAuthorizationHeader: boolean;
}

/** A custom field the package adds to an object. */
export interface CustomFieldDef {
  /** `Case.Churn_Radar_Action_Key__c`. */
  fullName: string;
  metadata: CustomFieldMetadata;
}

/** What a permission set lets its users do with one field (`Object.Field__c`). */
export interface FieldPermissionDef {
  field: string;
  readable: boolean;
  editable: boolean;
}

export interface PermissionSetDef {
  name: string;
  label: string;
  fieldPermissions: FieldPermissionDef[];
  /** Enabled `externalCredentialPrincipalAccesses`, as `ExternalCredential-Principal`. */
  externalCredentialPrincipals: string[];
  /** Names of the custom permissions it enables (`customPermissions`). */
  customPermissions: string[];
}

export interface PackageMetadata {
  /** The package name of the default package directory, or the project's name. */
  name: string | null;
  versionNumber: string | null;
  namespace: string | null;
  customFields: CustomFieldDef[];
  externalCredentials: ExternalCredentialDef[];
  namedCredentials: NamedCredentialDef[];
  permissionSets: PermissionSetDef[];
  /** Class names (file base names of `*.cls`). */
  apexClasses: string[];
}

/** Why a project cannot be installed: a missing folder, unreadable JSON, malformed XML… */
export class PackageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackageError';
  }
}

/** Salesforce's rule for API names: a letter first, no double or trailing underscore. */
const DEVELOPER_NAME = /^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)$/;

const sfdxProject = z.object({
  packageDirectories: z
    .array(
      z.object({
        path: z.string().min(1),
        default: z.boolean().optional(),
        package: z.string().optional(),
        versionNumber: z.string().optional(),
      }),
    )
    .min(1),
  name: z.string().optional(),
  namespace: z.string().optional(),
});

const text = z.string();
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
const number = z.string().regex(/^\d+$/).transform(Number);

const externalCredentialXml = z.object({
  authenticationProtocol: text,
  label: text,
  externalCredentialParameters: z
    .array(
      z.object({
        parameterName: text,
        parameterType: text,
        parameterGroup: text.optional(),
        parameterValue: text.optional(),
        sequenceNumber: number.optional(),
      }),
    )
    .default([]),
});

const namedCredentialXml = z.object({
  label: text,
  namedCredentialType: text.optional(),
  calloutStatus: text.optional(),
  allowMergeFieldsInHeader: flag.optional(),
  allowMergeFieldsInBody: flag.optional(),
  generateAuthorizationHeader: flag.optional(),
  namedCredentialParameters: z
    .array(
      z.object({
        parameterName: text,
        parameterType: text,
        parameterValue: text.optional(),
        externalCredential: text.optional(),
      }),
    )
    .default([]),
});

const permissionSetXml = z.object({
  label: text,
  fieldPermissions: z.array(z.object({ field: text, readable: flag, editable: flag })).default([]),
  externalCredentialPrincipalAccesses: z
    .array(z.object({ enabled: flag, externalCredentialPrincipal: text }))
    .default([]),
  customPermissions: z.array(z.object({ enabled: flag, name: text })).default([]),
});

const customFieldXml = z.object({
  label: text,
  type: z.enum(['Number', 'Text', 'LongTextArea', 'DateTime', 'Date', 'Checkbox']),
  description: text.optional(),
  length: number.optional(),
  precision: number.optional(),
  scale: number.optional(),
  visibleLines: number.optional(),
  defaultValue: text.optional(),
  externalId: flag.optional(),
  unique: flag.optional(),
  caseSensitive: flag.optional(),
});

/** Elements that may repeat, always read as arrays (one occurrence or many). */
const REPEATED = new Set([
  'fieldPermissions',
  'externalCredentialParameters',
  'namedCredentialParameters',
  'externalCredentialPrincipalAccesses',
  'customPermissions',
]);

const parser = new XMLParser({
  ignoreDeclaration: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => REPEATED.has(name),
});

/** The root element's children of a metadata file, checked against `schema`. */
function readXml<T>(file: string, xml: string, root: string, schema: z.ZodType<T>): T {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new PackageError(
      `${file}: malformed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`,
    );
  }
  const document = parser.parse(xml) as Record<string, unknown>;
  const rootNames = Object.keys(document);
  if (rootNames.length !== 1 || rootNames[0] !== root) {
    throw new PackageError(`${file}: expected a <${root}> root element, found <${rootNames.join('>, <')}>`);
  }
  const parsed = schema.safeParse(document[root] === '' ? {} : document[root]);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || root}: ${issue.message}`)
      .join('; ');
    throw new PackageError(`${file}: ${detail}`);
  }
  return parsed.data;
}

/** The developer name a metadata file stands for: its name without the suffix. */
function developerName(file: string, suffix: string): string {
  const name = path.basename(file).slice(0, -suffix.length);
  if (!DEVELOPER_NAME.test(name)) throw new PackageError(`${file}: "${name}" is not a valid API name`);
  return name;
}

function toExternalCredential(file: string, xml: string): ExternalCredentialDef {
  const name = developerName(file, '.externalCredential-meta.xml');
  const meta = readXml(file, xml, 'ExternalCredential', externalCredentialXml);
  const principals: PrincipalDef[] = [];
  const authHeaders: AuthHeaderDef[] = [];
  for (const parameter of meta.externalCredentialParameters) {
    const sequenceNumber = parameter.sequenceNumber ?? 1;
    if (parameter.parameterType === 'NamedPrincipal') {
      principals.push({ name: parameter.parameterName, sequenceNumber });
    } else if (parameter.parameterType === 'AuthHeader') {
      if (parameter.parameterValue === undefined) {
        throw new PackageError(`${file}: auth header ${parameter.parameterName} has no parameterValue`);
      }
      authHeaders.push({ name: parameter.parameterName, value: parameter.parameterValue, sequenceNumber });
    }
  }
  principals.sort((a, b) => a.sequenceNumber - b.sequenceNumber);
  authHeaders.sort((a, b) => a.sequenceNumber - b.sequenceNumber);
  return {
    name,
    label: meta.label,
    authenticationProtocol: meta.authenticationProtocol,
    principals,
    authHeaders,
  };
}

function toNamedCredential(file: string, xml: string): NamedCredentialDef {
  const name = developerName(file, '.namedCredential-meta.xml');
  const meta = readXml(file, xml, 'NamedCredential', namedCredentialXml);
  const url = meta.namedCredentialParameters.find((p) => p.parameterType === 'Url')?.parameterValue;
  if (!url) throw new PackageError(`${file}: no parameter of type Url`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PackageError(`${file}: the Url parameter "${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new PackageError(`${file}: the Url parameter "${url}" is not an http(s) URL`);
  }
  const authentication = meta.namedCredentialParameters.find((p) => p.parameterName === 'ExternalCredential');
  return {
    name,
    label: meta.label,
    url,
    externalCredential: authentication?.externalCredential ?? null,
    type: meta.namedCredentialType ?? 'SecuredEndpoint',
    calloutStatus: meta.calloutStatus ?? 'Enabled',
    allowMergeFieldsInHeader: meta.allowMergeFieldsInHeader ?? false,
    allowMergeFieldsInBody: meta.allowMergeFieldsInBody ?? false,
    generateAuthorizationHeader: meta.generateAuthorizationHeader ?? false,
  };
}

/** A field file at `objects/{Object}/fields/{Field__c}.field-meta.xml`. */
function toCustomField(file: string, xml: string): CustomFieldDef {
  const field = path.basename(file).slice(0, -SUFFIXES.customField.length);
  const parts = file.split(path.sep);
  const object = parts.at(-3) ?? '';
  if (parts.at(-2) !== 'fields' || parts.at(-4) !== 'objects' || !DEVELOPER_NAME.test(object)) {
    throw new PackageError(`${file}: a field file belongs in objects/{Object}/fields/`);
  }
  if (!field.endsWith('__c') || !DEVELOPER_NAME.test(field.slice(0, -3))) {
    throw new PackageError(`${file}: "${field}" is not a custom field's API name`);
  }
  const meta = readXml(file, xml, 'CustomField', customFieldXml);
  const metadata: CustomFieldMetadata = Object.fromEntries(
    Object.entries(meta).filter(([, value]) => value !== undefined),
  ) as typeof meta;
  return { fullName: `${object}.${field}`, metadata };
}

function toPermissionSet(file: string, xml: string): PermissionSetDef {
  const name = developerName(file, '.permissionset-meta.xml');
  const meta = readXml(file, xml, 'PermissionSet', permissionSetXml);
  return {
    name,
    label: meta.label,
    fieldPermissions: meta.fieldPermissions,
    externalCredentialPrincipals: meta.externalCredentialPrincipalAccesses
      .filter((access) => access.enabled)
      .map((access) => access.externalCredentialPrincipal),
    customPermissions: meta.customPermissions
      .filter((permission) => permission.enabled)
      .map((permission) => permission.name),
  };
}

/** What a deploy checks across files: every reference names something the package has. */
function checkReferences(metadata: PackageMetadata): void {
  const externals = new Map(metadata.externalCredentials.map((ec) => [ec.name, ec]));
  for (const named of metadata.namedCredentials) {
    if (named.externalCredential !== null && !externals.has(named.externalCredential)) {
      throw new PackageError(
        `Named credential ${named.name}: no external credential named ${named.externalCredential} in the project`,
      );
    }
  }
  for (const set of metadata.permissionSets) {
    for (const access of set.externalCredentialPrincipals) {
      const [ecName = '', ...rest] = access.split('-');
      const principal = rest.join('-');
      const ec = externals.get(ecName);
      if (!ec || !ec.principals.some((p) => p.name === principal)) {
        throw new PackageError(
          `Permission set ${set.name}: no external credential principal ${access} in the project`,
        );
      }
    }
  }
}

const SUFFIXES = {
  customField: '.field-meta.xml',
  externalCredential: '.externalCredential-meta.xml',
  namedCredential: '.namedCredential-meta.xml',
  permissionSet: '.permissionset-meta.xml',
  apexClass: '.cls',
} as const;

async function readText(file: string): Promise<string> {
  return readFile(file, 'utf8');
}

/** Reads the project at `projectDir` (an absolute path), or throws a `PackageError`. */
export async function readSfdxProject(folder: string): Promise<PackageMetadata> {
  if (!path.isAbsolute(folder)) throw new PackageError(`projectDir must be an absolute path`);
  const projectDir = path.resolve(folder);
  const found = await stat(projectDir).catch(() => null);
  if (!found?.isDirectory()) throw new PackageError(`No project folder at ${projectDir}`);
  const projectFile = path.join(projectDir, 'sfdx-project.json');
  const raw = await readText(projectFile).catch(() => null);
  if (raw === null) throw new PackageError(`No sfdx-project.json in ${projectDir}`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new PackageError(`sfdx-project.json is not JSON: ${(error as Error).message}`);
  }
  const project = sfdxProject.safeParse(json);
  if (!project.success) {
    throw new PackageError(
      `sfdx-project.json: ${project.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }

  const files: string[] = [];
  for (const directory of project.data.packageDirectories) {
    const root = path.resolve(projectDir, directory.path);
    if (root !== projectDir && !root.startsWith(projectDir + path.sep)) {
      throw new PackageError(`sfdx-project.json: package directory ${directory.path} is outside the project`);
    }
    const listing = await readdir(root, { recursive: true }).catch(() => null);
    if (listing === null) {
      throw new PackageError(`sfdx-project.json: package directory ${directory.path} does not exist`);
    }
    files.push(...listing.sort().map((entry) => path.join(root, entry)));
  }

  const metadata: PackageMetadata = {
    name: null,
    versionNumber: null,
    namespace: project.data.namespace || null,
    customFields: [],
    externalCredentials: [],
    namedCredentials: [],
    permissionSets: [],
    apexClasses: [],
  };
  const main =
    project.data.packageDirectories.find((directory) => directory.default) ??
    project.data.packageDirectories[0];
  metadata.name = main?.package ?? project.data.name ?? null;
  metadata.versionNumber = main?.versionNumber ?? null;

  for (const file of files) {
    const shown = path.relative(projectDir, file);
    if (file.endsWith(SUFFIXES.customField)) {
      metadata.customFields.push(toCustomField(shown, await readText(file)));
    } else if (file.endsWith(SUFFIXES.externalCredential)) {
      metadata.externalCredentials.push(toExternalCredential(shown, await readText(file)));
    } else if (file.endsWith(SUFFIXES.namedCredential)) {
      metadata.namedCredentials.push(toNamedCredential(shown, await readText(file)));
    } else if (file.endsWith(SUFFIXES.permissionSet)) {
      metadata.permissionSets.push(toPermissionSet(shown, await readText(file)));
    } else if (file.endsWith(SUFFIXES.apexClass)) {
      metadata.apexClasses.push(developerName(shown, SUFFIXES.apexClass));
    }
  }
  for (const [kind, names] of [
    ['custom field', metadata.customFields.map((field) => field.fullName)],
    ['external credential', metadata.externalCredentials.map((ec) => ec.name)],
    ['named credential', metadata.namedCredentials.map((nc) => nc.name)],
    ['permission set', metadata.permissionSets.map((set) => set.name)],
    ['Apex class', metadata.apexClasses],
  ] as const) {
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name.toLowerCase())) throw new PackageError(`Two ${kind}s are named ${name}`);
      seen.add(name.toLowerCase());
    }
  }
  checkReferences(metadata);
  return metadata;
}
