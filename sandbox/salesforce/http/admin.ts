/**
 * The Salesforce sandbox's own admin API on the instance origin, under `/_sandbox/salesforce` and
 * never under Salesforce's paths (no authentication: the sandbox listens on loopback):
 * - `GET /_sandbox/salesforce/healthz`;
 * - `GET|POST /_sandbox/salesforce/orgs` (`{name?, dailyApiLimit?, contacts?, seed?, months?}`:
 *   a new org, filled with generated customers when `contacts` is given), `GET …/orgs/{orgId}`;
 * - `GET …/orgs/{orgId}/contacts/{contactId}/truth`: what the generator decided about a contact;
 * - `GET|POST /_sandbox/salesforce/clock` (`{advanceMs}`);
 * - `GET|POST /_sandbox/salesforce/apps`: connected apps;
 * - `POST …/orgs/{orgId}/tokens` (`{clientId, userId?, scope?}`): tokens without the browser step;
 * - `GET|POST|DELETE …/orgs/{orgId}/faults` (see ../faults.ts);
 * - `GET …/orgs/{orgId}/writes?client=&limit=`: recent record writes and who made them;
 * - `GET|DELETE …/orgs/{orgId}/calls`: API calls by endpoint, and today's usage.
 * Packages, their credentials and Apex callouts have their own routes (./package-admin.ts), mounted
 * before these.
 */
import express, { type Request } from 'express';
import { z } from 'zod';
import { findUser, type SalesforceAuth } from '../auth.js';
import { salesforceFaultInput, type SalesforceFaults } from '../faults.js';
import { generateOrg } from '../from-generator.js';
import type { ApiLimits } from '../limits.js';
import { formatDateTime } from '../soql/index.js';
import type { SalesforceOrg, SalesforceStore } from '../store.js';
import { SalesforceApiError } from '../types.js';
import { notFound, parseOrThrow } from './errors.js';
import type { WriteLog } from './write-log.js';

const ADMIN = '/_sandbox/salesforce';

const orgCreate = z
  .object({
    name: z.string().min(1).max(80).optional(),
    dailyApiLimit: z.number().int().min(0).max(1_000_000_000).optional(),
    contacts: z.number().int().min(0).max(1_000_000).optional(),
    seed: z.number().int().optional(),
    months: z.number().int().min(1).max(120).optional(),
  })
  .strict();

export const connectedAppRegistration = z
  .object({
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    redirectUris: z.array(z.url()).default([]),
    name: z.string().min(1).optional(),
    scopes: z
      .array(z.string().regex(/^[A-Za-z0-9_]+$/))
      .min(1)
      .optional(),
    rotateRefreshTokens: z.boolean().optional(),
    accessTokenTtlMs: z.number().int().positive().optional(),
  })
  .strict();

const tokenRequest = z
  .object({
    clientId: z.string().min(1),
    userId: z.string().min(1).optional(),
    scope: z.string().min(1).optional(),
  })
  .strict();

const clockChange = z.object({ advanceMs: z.number().int() }).strict();

const writesQuery = z.object({
  client: z.string().min(1).optional(),
  limit: z
    .string()
    .regex(/^\d{1,6}$/, 'limit must be a whole number')
    .transform(Number)
    .optional(),
});

function liveCount(org: SalesforceOrg, sobject: string): number {
  let count = 0;
  for (const record of org.records(sobject)) if (record.fields.IsDeleted !== true) count++;
  return count;
}

function orgSummary(org: SalesforceOrg): Record<string, unknown> {
  return {
    orgId: org.orgId,
    name: org.name,
    instanceName: org.instanceName,
    dailyApiLimit: org.dailyApiLimit,
    adminUserId: org.adminUser.Id,
    users: [...org.users.values()],
    counts: Object.fromEntries(org.objectNames().map((name) => [name, liveCount(org, name)])),
  };
}

export interface AdminDeps {
  store: SalesforceStore;
  auth: SalesforceAuth;
  faults: SalesforceFaults;
  limits: ApiLimits;
  writes: WriteLog;
}

export function createAdminRouter({ store, auth, faults, limits, writes }: AdminDeps): express.Router {
  const router = express.Router();
  const orgOf = (req: Request): SalesforceOrg => {
    const org = store.org(String(req.params.orgId));
    if (!org) throw notFound(`No org ${String(req.params.orgId)} in this sandbox.`);
    return org;
  };

  router.get(`${ADMIN}/healthz`, (_req, res) => {
    res.json({ status: 'ok', orgs: store.orgs.size, apps: auth.apps.size, now: store.now().toISOString() });
  });

  router.get(`${ADMIN}/orgs`, (_req, res) => {
    res.json({ orgs: [...store.orgs.values()].map(orgSummary) });
  });
  router.post(`${ADMIN}/orgs`, (req, res) => {
    const input = parseOrThrow(orgCreate, req.body ?? {});
    const org = store.createOrg({
      ...(input.name ? { name: input.name } : {}),
      ...(input.dailyApiLimit !== undefined ? { dailyApiLimit: input.dailyApiLimit } : {}),
    });
    const generated = input.contacts
      ? generateOrg(org, {
          contacts: input.contacts,
          seed: input.seed ?? 42,
          ...(input.months ? { months: input.months } : {}),
        })
      : null;
    res.status(201).json({ ...orgSummary(org), generated });
  });
  router.get(`${ADMIN}/orgs/:orgId`, (req, res) => {
    res.json(orgSummary(orgOf(req)));
  });

  router.get(`${ADMIN}/orgs/:orgId/contacts/:contactId/truth`, (req, res) => {
    const org = orgOf(req);
    const contact = org.recordIncludingDeleted(String(req.params.contactId));
    const truth = contact ? org.truth.get(contact.Id) : undefined;
    if (!truth) throw notFound(`No hidden truth for contact ${String(req.params.contactId)}.`);
    res.json(truth);
  });

  router.get(`${ADMIN}/clock`, (_req, res) => {
    res.json({ now: store.now().toISOString() });
  });
  router.post(`${ADMIN}/clock`, (req, res) => {
    store.advanceClock(parseOrThrow(clockChange, req.body ?? {}).advanceMs);
    res.json({ now: store.now().toISOString() });
  });

  router.get(`${ADMIN}/apps`, (_req, res) => {
    res.json({ apps: [...auth.apps.values()].map(({ clientSecret: _secret, ...app }) => app) });
  });
  router.post(`${ADMIN}/apps`, (req, res) => {
    const app = parseOrThrow(connectedAppRegistration, req.body ?? {});
    const existed = auth.apps.has(app.clientId);
    auth.registerApp(app);
    const { clientSecret: _secret, ...visible } = app;
    res.status(existed ? 200 : 201).json(visible);
  });

  router.post(`${ADMIN}/orgs/:orgId/tokens`, (req, res) => {
    const org = orgOf(req);
    const input = parseOrThrow(tokenRequest, req.body ?? {});
    if (!auth.app(input.clientId)) throw notFound(`No connected app ${input.clientId}.`);
    const user = input.userId ? findUser(org, input.userId) : org.adminUser;
    if (!user) throw notFound(`No user ${input.userId ?? ''} in org ${org.orgId}.`);
    res.status(201).json(auth.issue(input.clientId, org.orgId, user.Id, input.scope));
  });

  router.get(`${ADMIN}/orgs/:orgId/faults`, (req, res) => {
    res.json(faults.state(orgOf(req).orgId));
  });
  router.post(`${ADMIN}/orgs/:orgId/faults`, (req, res) => {
    res.json(faults.apply(orgOf(req).orgId, parseOrThrow(salesforceFaultInput, req.body ?? {})));
  });
  router.delete(`${ADMIN}/orgs/:orgId/faults`, (req, res) => {
    faults.clear(orgOf(req).orgId);
    res.status(204).end();
  });

  router.get(`${ADMIN}/orgs/:orgId/writes`, (req, res) => {
    const query = parseOrThrow(writesQuery, req.query, 'INVALID_FIELD');
    const filter = {
      ...(query.client ? { client: query.client } : {}),
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
    };
    res.json({ writes: writes.recent(orgOf(req).orgId, filter) });
  });

  router.get(`${ADMIN}/orgs/:orgId/calls`, (req, res) => {
    const org = orgOf(req);
    const byEndpoint = limits.callsByEndpoint(org.orgId);
    res.json({
      total: Object.values(byEndpoint).reduce((sum, n) => sum + n, 0),
      byEndpoint,
      apiUsage: limits.usage(org.orgId, org.dailyApiLimit),
      now: formatDateTime(store.now()),
    });
  });
  router.delete(`${ADMIN}/orgs/:orgId/calls`, (req, res) => {
    limits.clearCalls(orgOf(req).orgId);
    res.status(204).end();
  });

  router.use(ADMIN, (_req, _res, next) => {
    next(new SalesforceApiError(404, 'NOT_FOUND', 'No such admin route.'));
  });
  return router;
}
