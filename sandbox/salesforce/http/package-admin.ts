/**
 * The admin API's package routes, on the instance origin beside ./admin.ts's (no authentication):
 * - `POST /_sandbox/salesforce/orgs/{orgId}/packages` (`{projectDir, assignPermissionSetsTo?}`):
 *   installs the SFDX project at `projectDir` (an absolute path) in the org, replacing an earlier
 *   install (its custom fields created where the org lacks them, never removed); 201 with what was
 *   installed, 400 `INVALID_PACKAGE` for a missing folder, bad JSON or
 *   malformed metadata. Its permission sets are assigned to `assignPermissionSetsTo` (user ids, or
 *   `all`), the org's admin by default, `[]` for nobody;
 * - `GET …/orgs/{orgId}/packages`: the installed package, if any;
 * - `GET …/orgs/{orgId}/credentials`: every named principal, whether a credential is set for it,
 *   its value names and when it was set (never a value);
 * - `POST …/orgs/{orgId}/callouts` (`{endpoint, method?, headers?, body?, userId?, timeoutMs?}`): a
 *   callout as the org's Apex makes it (see ../callouts.ts); 200 with the remote answer
 *   `{statusCode, status, headers, body}` or `{exception: {type: "System.CalloutException", message}}`;
 * - `GET|DELETE …/orgs/{orgId}/callouts`: the callout log, newest last.
 */
import express, { type Request } from 'express';
import { z } from 'zod';
import { findUser } from '../auth.js';
import { type Callouts, DEFAULT_CALLOUT_TIMEOUT_MS, MAX_CALLOUT_TIMEOUT_MS } from '../callouts.js';
import type { InstalledPackage, NamedCredentials } from '../named-credentials.js';
import { PackageError, readSfdxProject, type PackageMetadata } from '../package-metadata.js';
import type { SalesforceOrg, SalesforceStore } from '../store.js';
import { SalesforceApiError } from '../types.js';
import { notFound, parseOrThrow } from './errors.js';

const ADMIN = '/_sandbox/salesforce';

const installRequest = z
  .object({
    projectDir: z.string().min(1),
    assignPermissionSetsTo: z.union([z.literal('all'), z.array(z.string().min(1))]).optional(),
  })
  .strict();

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const calloutRequest = z
  .object({
    endpoint: z.string().min(1),
    method: z
      .string()
      .transform((method) => method.toUpperCase())
      .pipe(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']))
      .default('GET'),
    headers: z
      .record(
        z.string().regex(HEADER_NAME, 'not a header name'),
        z.string().refine((value) => !/[\r\n\0]/.test(value), 'a header value may not hold CR, LF or NUL'),
      )
      .default({}),
    body: z.string().optional(),
    userId: z.string().min(1).optional(),
    timeoutMs: z.number().int().min(1).max(MAX_CALLOUT_TIMEOUT_MS).default(DEFAULT_CALLOUT_TIMEOUT_MS),
  })
  .strict();

async function readProject(projectDir: string): Promise<PackageMetadata> {
  try {
    return await readSfdxProject(projectDir);
  } catch (error) {
    if (error instanceof PackageError) throw new SalesforceApiError(400, 'INVALID_PACKAGE', error.message);
    throw error;
  }
}

function packageSummary(installed: InstalledPackage): Record<string, unknown> {
  return {
    name: installed.name,
    versionNumber: installed.versionNumber,
    namespace: installed.namespace,
    projectDir: installed.projectDir,
    installedAt: installed.installedAt.toISOString(),
    installedById: installed.installedById,
    customFields: installed.customFields.map((field) => field.fullName),
    externalCredentials: installed.externalCredentials,
    namedCredentials: installed.namedCredentials,
    permissionSets: installed.permissionSets,
    apexClasses: installed.apexClasses,
  };
}

export interface PackageAdminDeps {
  store: SalesforceStore;
  credentials: NamedCredentials;
  callouts: Callouts;
}

export function createPackageAdminRouter({ store, credentials, callouts }: PackageAdminDeps): express.Router {
  const router = express.Router();
  const orgOf = (req: Request): SalesforceOrg => {
    const org = store.org(String(req.params.orgId));
    if (!org) throw notFound(`No org ${String(req.params.orgId)} in this sandbox.`);
    return org;
  };

  router.post(`${ADMIN}/orgs/:orgId/packages`, async (req, res) => {
    const org = orgOf(req);
    const input = parseOrThrow(installRequest, req.body ?? {});
    const metadata = await readProject(input.projectDir);
    const installed = credentials.install(org, metadata, {
      projectDir: input.projectDir,
      assignPermissionSetsTo: input.assignPermissionSetsTo,
    });
    res.status(201).json(packageSummary(installed));
  });

  router.get(`${ADMIN}/orgs/:orgId/packages`, (req, res) => {
    const installed = credentials.installed(orgOf(req).orgId);
    res.json({ packages: installed ? [packageSummary(installed)] : [] });
  });

  router.get(`${ADMIN}/orgs/:orgId/credentials`, (req, res) => {
    res.json({ credentials: credentials.principalStatuses(orgOf(req).orgId) });
  });

  router.post(`${ADMIN}/orgs/:orgId/callouts`, async (req, res) => {
    const org = orgOf(req);
    const input = parseOrThrow(calloutRequest, req.body ?? {});
    const user = input.userId ? findUser(org, input.userId) : org.adminUser;
    if (!user) throw notFound(`No user ${input.userId ?? ''} in org ${org.orgId}.`);
    res.json(
      await callouts.perform(org, {
        endpoint: input.endpoint,
        method: input.method,
        headers: input.headers,
        body: input.body,
        userId: user.Id,
        timeoutMs: input.timeoutMs,
      }),
    );
  });

  router.get(`${ADMIN}/orgs/:orgId/callouts`, (req, res) => {
    res.json({ callouts: callouts.recent(orgOf(req).orgId) });
  });
  router.delete(`${ADMIN}/orgs/:orgId/callouts`, (req, res) => {
    callouts.clear(orgOf(req).orgId);
    res.status(204).end();
  });

  return router;
}
