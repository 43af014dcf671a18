/**
 * Turns the app manifest into a Salesforce DX project for an unlocked package (no namespace, so a
 * field the server created before the package was installed is adopted rather than duplicated):
 * the written Contact and Account fields, the key field of the cases the app opens, the permission
 * sets and custom permission, the External
 * and Named Credential pointing at this server, the risk card (Lightning Web Component) with its
 * Apex controller, one Flow action (Apex `@InvocableMethod`) per manifest action with its Apex
 * test, and an OpenAPI description of those actions for External Services. Output is deterministic.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { SALESFORCE_API_VERSION } from '../../crm/salesforce/api-version.js';
import { PROJECT_ROOT } from '../../project-root.js';
import { CASE_KEY_FIELD, CASE_OBJECT } from '../../crm/salesforce/case-key.js';
import { customFieldName, FIELDS_OBJECTS } from '../../crm/salesforce/fields.js';
import { RUN_PLAYS_PERMISSION } from '../../crm/salesforce/org-package.js';
import { listFiles, prepareGeneratedFolder } from '../project-folder.js';
import { PublicUrlError } from '../public-url.js';
import type { AppManifest } from '../schema.js';
import { writtenFields } from '../written-fields.js';
import { actionClass, actionTestClass, type ApexClassSource } from './apex-actions.js';
import {
  ADVISOR_PERMISSION_SET,
  advisorPermissionSetXml,
  apexClassMetaXml,
  caseKeyFieldXml,
  customFieldXml,
  EXTERNAL_CREDENTIAL_FILE,
  externalCredentialXml,
  NAMED_CREDENTIAL_FILE,
  namedCredentialXml,
  type ObjectField,
  PLAYS_PERMISSION_SET,
  playsPermissionSetXml,
  runPlaysPermissionXml,
} from './metadata.js';
import { flowActionsOpenApi } from './openapi.js';

export { ADVISOR_PERMISSION_SET, PLAYS_PERMISSION_SET } from './metadata.js';
export { actionClassName } from './apex-actions.js';

/** The hand-written part of the package: the card component and the Apex it calls. */
export const DEFAULT_SALESFORCE_SOURCE_DIR = join(PROJECT_ROOT, 'app/salesforce/force-app/main/default');

export const PACKAGE_NAME = 'Churn Radar';
const SOURCE_ROOT = 'force-app/main/default';
export const OPENAPI_FILE = 'openapi/churn-radar-flow-actions.json';

export class SalesforcePackageError extends Error {
  readonly code = 'salesforce_package_output';
  constructor(message: string) {
    super(message);
    this.name = 'SalesforcePackageError';
  }
}

export interface SalesforcePackageOptions {
  /** The address the org's Apex calls this server at (https://, or loopback when `allowLoopback`). */
  publicUrl: string;
  outDir: string;
  /** Folder holding `lwc/` and `classes/` to copy in; `null` copies none. */
  sourceDir?: string | null;
  /** Lets the Named Credential point at http:// on this machine: for the local sandbox only. */
  allowLoopback?: boolean;
  apiVersion?: string;
}

export interface GeneratedSalesforcePackage {
  outDir: string;
  publicUrl: string;
  /** Every file written, relative to `outDir`, sorted. */
  files: string[];
  /** The Apex classes in the package, generated and copied, sorted. */
  apexClasses: string[];
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** The org calls out to HTTPS addresses; a loopback http:// one only for the local sandbox. */
export function checkSalesforcePublicUrl(publicUrl: string, allowLoopback = false): string {
  if (!URL.canParse(publicUrl))
    throw new PublicUrlError(`The public URL ${JSON.stringify(publicUrl)} is not a URL.`);
  const url = new URL(publicUrl);
  const loopback = LOOPBACK.test(url.hostname);
  if (loopback && !allowLoopback) {
    throw new PublicUrlError(
      `The public URL ${publicUrl} points at this machine; a Salesforce org cannot call it. Pass the https:// address the org can reach.`,
    );
  }
  if (url.protocol !== 'https:' && !(loopback && url.protocol === 'http:')) {
    throw new PublicUrlError(`The public URL ${publicUrl} must use https://: Salesforce calls out over TLS.`);
  }
  if (url.search || url.hash || url.username || url.password || url.pathname !== '/') {
    throw new PublicUrlError(
      `The public URL ${publicUrl} must be a plain origin (no path, query or credentials).`,
    );
  }
  return url.origin;
}

export interface SalesforcePackageFile {
  /** Relative to the project folder, with `/` separators. */
  path: string;
  content: string;
}

/** The generated files (not the copied sources), in a stable order. */
export function salesforcePackageFiles(
  manifest: AppManifest,
  options: { publicUrl: string; allowLoopback?: boolean; apiVersion?: string; copiedClasses?: string[] },
): SalesforcePackageFile[] {
  const publicUrl = checkSalesforcePublicUrl(options.publicUrl, options.allowLoopback);
  const apiVersion = options.apiVersion ?? SALESFORCE_API_VERSION;
  const written = writtenFields(manifest);
  const fields: ObjectField[] = [
    ...written.contact.map((spec) => ({ sobject: FIELDS_OBJECTS.contacts, spec })),
    ...(written.company?.properties ?? []).map((spec) => ({ sobject: FIELDS_OBJECTS.companies, spec })),
  ];
  const caseKey = caseKeyFieldXml();
  const readable = [
    ...fields.map(({ sobject, spec }) => `${sobject}.${customFieldName(spec.name)}`),
    `${CASE_OBJECT}.${CASE_KEY_FIELD}`,
  ];
  const actionSources = manifest.workflowActions.flatMap((a): ApexClassSource[] => [
    actionClass(a),
    actionTestClass(a),
  ]);
  const actionClasses = manifest.workflowActions.map((a) => actionClass(a).name);
  const classMeta = [...actionSources.map((c) => c.name), ...(options.copiedClasses ?? [])];
  const at = (path: string) => `${SOURCE_ROOT}/${path}`;
  const files: SalesforcePackageFile[] = [
    {
      path: 'sfdx-project.json',
      content: `${JSON.stringify(
        {
          packageDirectories: [
            {
              path: 'force-app',
              default: true,
              package: PACKAGE_NAME,
              versionName: manifest.name,
              versionNumber: '1.0.0.NEXT',
              versionDescription: manifest.description,
            },
          ],
          name: 'churn-radar',
          namespace: '',
          sfdcLoginUrl: 'https://login.salesforce.com',
          sourceApiVersion: apiVersion,
        },
        null,
        2,
      )}\n`,
    },
    ...fields.map(({ sobject, spec }) => {
      const field = customFieldXml(spec);
      return { path: at(`objects/${sobject}/fields/${field.name}.field-meta.xml`), content: field.xml };
    }),
    { path: at(`objects/${CASE_OBJECT}/fields/${caseKey.name}.field-meta.xml`), content: caseKey.xml },
    {
      path: at(`permissionsets/${ADVISOR_PERMISSION_SET}.permissionset-meta.xml`),
      content: advisorPermissionSetXml(readable),
    },
    {
      path: at(`permissionsets/${PLAYS_PERMISSION_SET}.permissionset-meta.xml`),
      content: playsPermissionSetXml(readable, actionClasses),
    },
    {
      path: at(`customPermissions/${RUN_PLAYS_PERMISSION}.customPermission-meta.xml`),
      content: runPlaysPermissionXml(),
    },
    { path: at(EXTERNAL_CREDENTIAL_FILE), content: externalCredentialXml() },
    { path: at(NAMED_CREDENTIAL_FILE), content: namedCredentialXml(publicUrl) },
    ...actionSources.map((c) => ({ path: at(`classes/${c.name}.cls`), content: c.source })),
    ...classMeta.map((name) => ({
      path: at(`classes/${name}.cls-meta.xml`),
      content: apexClassMetaXml(apiVersion),
    })),
    {
      path: OPENAPI_FILE,
      content: `${JSON.stringify(flowActionsOpenApi(manifest.workflowActions, publicUrl), null, 2)}\n`,
    },
  ];
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Everything a generated project holds; the rest of an existing folder is left alone. */
const GENERATED_PATHS = ['sfdx-project.json', 'force-app', 'openapi'];

function prepareOutDir(outDir: string): void {
  prepareGeneratedFolder(
    outDir,
    'sfdx-project.json',
    GENERATED_PATHS,
    (message) => new SalesforcePackageError(message),
  );
}

/** Tests and local tooling stay behind: the org gets the component and the classes only. */
const NOT_PACKAGED = /(^|[/\\])(__tests__|__mocks__|jsconfig\.json|\.eslintrc.*)$/;

function copySources(sourceDir: string, targetRoot: string): string[] {
  for (const folder of ['lwc', 'classes']) {
    const from = join(sourceDir, folder);
    if (!existsSync(from)) continue;
    cpSync(from, join(targetRoot, folder), { recursive: true, filter: (path) => !NOT_PACKAGED.test(path) });
  }
  const classes = join(sourceDir, 'classes');
  return existsSync(classes)
    ? readdirSync(classes)
        .filter((file) => file.endsWith('.cls'))
        .map((file) => basename(file, '.cls'))
    : [];
}

export function generateSalesforcePackage(
  manifest: AppManifest,
  options: SalesforcePackageOptions,
): GeneratedSalesforcePackage {
  const outDir = resolve(options.outDir);
  const publicUrl = checkSalesforcePublicUrl(options.publicUrl, options.allowLoopback);
  prepareOutDir(outDir);
  const sourceDir = options.sourceDir === undefined ? DEFAULT_SALESFORCE_SOURCE_DIR : options.sourceDir;
  const copiedClasses = sourceDir ? copySources(sourceDir, join(outDir, SOURCE_ROOT)) : [];
  const files = salesforcePackageFiles(manifest, { ...options, copiedClasses });
  for (const file of files) {
    const target = join(outDir, file.path);
    if (existsSync(target) && file.path.endsWith('.cls')) {
      throw new SalesforcePackageError(`${file.path} is both generated and copied from ${sourceDir}.`);
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
  const all = listFiles(outDir);
  return {
    outDir,
    publicUrl,
    files: all,
    apexClasses: all
      .filter((file) => file.endsWith('.cls'))
      .map((file) => basename(file, '.cls'))
      .sort(),
  };
}
