/**
 * The sandbox's user provisioning reads (settings users 2026-03): the portal's users, consistent
 * with its owners (every active owner is a user, by the same userId), their super admin flag and
 * roles, and the portal's roles, in the spec's shapes and through the SDK's `settings.users` APIs.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import type { Client } from '@hubspot/api-client';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { generatePortal } from '../../sandbox/generator/index.js';
import type { RunningSandbox } from '../../sandbox/main.js';
import { adminUserId, DEFAULT_ROLES, type PortalData } from '../../sandbox/store.js';
import { SPECS_DIR, spec } from '../support/openapi.js';
import {
  ALL_SCOPES,
  callApi,
  hubspotClient,
  installApp,
  NO_LIMITS,
  startTestSandbox,
  type Tokens,
} from '../support/sandbox-server.js';

const NOW = new Date('2026-03-01T00:00:00.000Z');
const HUB = 101;
const USERS_SCOPE = 'settings.users.read';
const USERS = '/settings/users/2026-03';

/**
 * HubSpot's user provisioning spec (`userProvisioning.json`, 2026-03), when it sits with the other
 * specs; the shapes below restate the parts these tests rely on, so they check the shapes either way.
 */
const USERS_SPEC_FILE = `${SPECS_DIR}userProvisioning.json`;
const usersSpecPresent = existsSync(USERS_SPEC_FILE);

const publicUser = {
  type: 'object',
  required: ['email', 'id', 'roleIds', 'superAdmin'],
  properties: {
    email: { type: 'string' },
    firstName: { type: 'string' },
    id: { type: 'string' },
    lastName: { type: 'string' },
    primaryTeamId: { type: 'string' },
    roleId: { type: 'string' },
    roleIds: { type: 'array', items: { type: 'string' } },
    secondaryTeamIds: { type: 'array', items: { type: 'string' } },
    sendWelcomeEmail: { type: 'boolean' },
    superAdmin: { type: 'boolean' },
  },
};
const userCollection = {
  type: 'object',
  required: ['results'],
  properties: {
    results: { type: 'array', items: publicUser },
    paging: {
      type: 'object',
      properties: {
        next: {
          type: 'object',
          required: ['after'],
          properties: { after: { type: 'string' }, link: { type: 'string' } },
        },
      },
    },
  },
};
const roleCollection = {
  type: 'object',
  required: ['results'],
  properties: {
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'requiresBillingWrite'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          requiresBillingWrite: { type: 'boolean' },
        },
      },
    },
  },
};
const hubspotError = {
  type: 'object',
  required: ['category', 'correlationId', 'message'],
  properties: {
    category: { type: 'string' },
    correlationId: { type: 'string' },
    message: { type: 'string' },
  },
};
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
const userShapes = {
  list: ajv.compile(userCollection),
  one: ajv.compile(publicUser),
  roles: ajv.compile(roleCollection),
  error: ajv.compile(hubspotError),
};

/** Problems with an answer of the users API, by the spec file when present, else by `userShapes`. */
function shapeErrors(path: string, status: number, body: unknown): string[] {
  if (usersSpecPresent) return spec('userProvisioning').responseErrors('GET', path, status, body);
  const bare = path.split('?')[0]!;
  const check =
    status >= 400
      ? userShapes.error
      : bare.endsWith('/roles')
        ? userShapes.roles
        : /\/[^/]+@|\/\d+$/.test(bare)
          ? userShapes.one
          : userShapes.list;
  return check(body) ? [] : (check.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

interface UserBody {
  id: string;
  email: string;
  superAdmin: boolean;
  roleIds: string[];
  primaryTeamId?: string;
}
interface ListBody {
  results: UserBody[];
  paging?: { next: { after: string; link: string } };
}

describe('the sandbox users API', () => {
  let sandbox: RunningSandbox;
  let portal: PortalData;
  let tokens: Tokens;
  let client: Client;
  const get = <T>(path: string, token = tokens.access_token) => callApi<T>(sandbox.url, token, 'GET', path);

  beforeAll(async () => {
    if (!usersSpecPresent)
      console.warn(
        `users API: ${USERS_SPEC_FILE} is absent; the shapes are checked against the test's own copy`,
      );
    sandbox = await startTestSandbox({ rateLimits: NO_LIMITS, portals: [HUB] });
    portal = sandbox.store.portal(HUB)!;
    generatePortal(portal, { contacts: 200, seed: 11, now: NOW });
    tokens = await installApp(sandbox.url, HUB, [...ALL_SCOPES, USERS_SCOPE]);
    client = hubspotClient(sandbox.url, tokens.access_token);
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it("lists the portal's active users, who are its active owners, in the spec's shapes", async () => {
    const answer = await get<ListBody>(USERS);
    expect(answer.status).toBe(200);
    expect(shapeErrors(USERS, answer.status, answer.body)).toEqual([]);
    const activeOwners = [...portal.owners.values()].filter((owner) => !owner.archived);
    expect(answer.body.results.map((user) => user.id).sort()).toEqual(
      activeOwners.map((owner) => String(owner.userId)).sort(),
    );
    for (const user of answer.body.results) {
      const owner = activeOwners.find((o) => String(o.userId) === user.id)!;
      expect(user.email).toBe(owner.email);
    }

    const paged: string[] = [];
    let after: string | undefined;
    do {
      const path = `${USERS}?limit=2${after ? `&after=${after}` : ''}`;
      const page = await get<ListBody>(path);
      expect(shapeErrors(path, page.status, page.body)).toEqual([]);
      paged.push(...page.body.results.map((user) => user.id));
      after = page.body.paging?.next.after;
    } while (after);
    expect(paged).toEqual(answer.body.results.map((user) => user.id));
  });

  it('reads one user through the SDK by user id or email: the admin is the super admin, one colleague only views', async () => {
    const admin = await client.settings.users.usersApi.getById(String(adminUserId(HUB)), 'USER_ID');
    expect(admin).toMatchObject({ id: String(adminUserId(HUB)), superAdmin: true });
    const byEmail = await client.settings.users.usersApi.getById(admin.email, 'EMAIL');
    expect(byEmail.id).toBe(admin.id);

    const users = (await get<ListBody>(USERS)).body.results;
    const viewers = users.filter((user) => user.roleIds.includes(DEFAULT_ROLES.viewer.id));
    expect(viewers).toHaveLength(1);
    expect(viewers[0]!.superAdmin).toBe(false);
    const path = `/settings/v3/users/${viewers[0]!.id}`;
    const one = await get<UserBody>(path);
    expect(shapeErrors(path, one.status, one.body)).toEqual([]);
    expect(one.body).toMatchObject({ id: viewers[0]!.id, roleIds: [DEFAULT_ROLES.viewer.id] });
  });

  it('answers 404 for a deactivated user and for a stranger, as HubSpot does', async () => {
    const former = [...portal.owners.values()].find((owner) => owner.archived)!;
    for (const id of [String(former.userId), '99999999']) {
      const path = `${USERS}/${id}`;
      const missing = await get(path);
      expect(missing.status).toBe(404);
      expect(shapeErrors(path, 404, missing.body)).toEqual([]);
    }
    await expect(client.settings.users.usersApi.getById('99999999')).rejects.toMatchObject({ code: 404 });
    expect((await get(`${USERS}/1?idProperty=NAME`)).status).toBe(400);
  });

  it("lists the portal's roles, which are the roles its users hold", async () => {
    const path = `${USERS}/roles`;
    const answer = await get<{ results: { id: string; name: string }[] }>(path);
    expect(answer.status).toBe(200);
    expect(shapeErrors(path, 200, answer.body)).toEqual([]);
    const roles = await client.settings.users.rolesApi.getAll();
    expect(roles.results.map((role) => role.id)).toEqual(answer.body.results.map((role) => role.id));
    const held = (await get<ListBody>(USERS)).body.results.flatMap((user) => user.roleIds);
    for (const roleId of held) expect(roles.results.map((role) => role.id)).toContain(roleId);
  });

  it('needs the settings.users.read scope', async () => {
    const other = await installApp(sandbox.url, HUB, ALL_SCOPES);
    const refused = await get<{ category: string }>(`${USERS}/${adminUserId(HUB)}`, other.access_token);
    expect(refused.status).toBe(403);
    expect(refused.body.category).toBe('MISSING_SCOPES');
  });
});
