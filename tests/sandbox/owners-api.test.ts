import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import type { Client } from '@hubspot/api-client';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { generatePortal } from '../../sandbox/generator/index.js';
import type { RunningSandbox } from '../../sandbox/main.js';
import { historyOf } from '../../sandbox/property-history.js';
import { adminUserId, SandboxStore, type CrmRecord, type PortalData } from '../../sandbox/store.js';
import { SPECS_DIR, spec } from '../support/openapi.js';
import {
  ALL_SCOPES,
  callApi,
  hubspotClient,
  installApp,
  NO_LIMITS,
  postForm,
  startTestSandbox,
  TEST_APP,
  type Tokens,
} from '../support/sandbox-server.js';

const NOW = new Date('2026-03-01T00:00:00.000Z');
const HUB = 101;
const OWNERS_SCOPE = 'crm.objects.owners.read';
/** HubSpot's owners API, 2026-03; the sandbox also serves `/crm/v3/owners`, which the SDK calls. */
const OWNERS = '/crm/owners/2026-03';

/**
 * HubSpot's owners spec (`crmOwners.json`, 2026-03), when it sits with the other specs; the
 * `ownerShapes` below restate the parts these tests rely on, so they check the shapes either way.
 */
const OWNERS_SPEC_FILE = `${SPECS_DIR}crmOwners.json`;
const ownersSpecPresent = existsSync(OWNERS_SPEC_FILE);

const team = {
  type: 'object',
  required: ['id', 'name', 'primary'],
  properties: { id: { type: 'string' }, name: { type: 'string' }, primary: { type: 'boolean' } },
};
const publicOwner = {
  type: 'object',
  required: ['archived', 'createdAt', 'id', 'type', 'updatedAt'],
  properties: {
    archived: { type: 'boolean' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    email: { type: 'string' },
    firstName: { type: 'string' },
    lastName: { type: 'string' },
    id: { type: 'string' },
    type: { type: 'string', enum: ['PERSON', 'QUEUE'] },
    userId: { type: 'integer' },
    userIdIncludingInactive: { type: 'integer' },
    teams: { type: 'array', items: team },
  },
};
const collection = {
  type: 'object',
  required: ['results'],
  properties: {
    results: { type: 'array', items: publicOwner },
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
const ownerShapes = {
  list: ajv.compile(collection),
  one: ajv.compile(publicOwner),
  error: ajv.compile(hubspotError),
};

/** Problems with an answer of the owners API, by the spec file when present, else by `ownerShapes`. */
function shapeErrors(path: string, status: number, body: unknown): string[] {
  if (ownersSpecPresent) return spec('crmOwners').responseErrors('GET', path, status, body);
  const check =
    status >= 400 ? ownerShapes.error : /\/\d+(\?|$)/.test(path) ? ownerShapes.one : ownerShapes.list;
  return check(body) ? [] : (check.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

interface OwnerBody {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId?: number;
  userIdIncludingInactive?: number;
  archived: boolean;
  teams: { id: string; name: string; primary: boolean }[];
}
interface ListBody {
  results: OwnerBody[];
  paging?: { next: { after: string; link: string } };
}

describe('the sandbox owners API', () => {
  let sandbox: RunningSandbox;
  let portal: PortalData;
  let tokens: Tokens;
  let client: Client;
  const get = <T>(path: string, token = tokens.access_token) => callApi<T>(sandbox.url, token, 'GET', path);

  beforeAll(async () => {
    if (!ownersSpecPresent)
      console.warn(
        `owners API: ${OWNERS_SPEC_FILE} is absent; the shapes are checked against the test's own copy`,
      );
    sandbox = await startTestSandbox({ rateLimits: NO_LIMITS, portals: [HUB] });
    portal = sandbox.store.portal(HUB)!;
    generatePortal(portal, { contacts: 300, seed: 11, now: NOW });
    tokens = await installApp(sandbox.url, HUB, [...ALL_SCOPES, OWNERS_SCOPE]);
    client = hubspotClient(sandbox.url, tokens.access_token);
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it("lists the portal's active owners, the signed-in admin among them, in the spec's shapes", async () => {
    const answer = await get<ListBody>(OWNERS);
    expect(answer.status).toBe(200);
    expect(shapeErrors(OWNERS, answer.status, answer.body)).toEqual([]);
    const owners = answer.body.results;
    expect(owners.length).toBeGreaterThanOrEqual(6);
    expect(owners.length).toBeLessThanOrEqual(8);
    expect(owners.every((o) => !o.archived && typeof o.userId === 'number')).toBe(true);
    expect(new Set(owners.map((o) => o.email)).size).toBe(owners.length);
    // The admin who installed the app (the token's user) is one of the owners.
    const admin = owners.find((o) => o.userId === tokens.user_id);
    expect(admin).toBeDefined();
    expect(tokens.user_id).toBe(adminUserId(HUB));
    expect(admin!.teams).toEqual([expect.objectContaining({ primary: true })]);
    expect(answer.headers.get('x-hubspot-ratelimit-max')).not.toBeNull();
  });

  it('pages with limit and after, and filters by email and archived', async () => {
    const all = (await get<ListBody>(OWNERS)).body.results.map((o) => o.id);
    const paged: string[] = [];
    let after: string | undefined;
    do {
      const path = `${OWNERS}?limit=3${after ? `&after=${after}` : ''}`;
      const page = await get<ListBody>(path);
      expect(shapeErrors(path, page.status, page.body)).toEqual([]);
      expect(page.body.results.length).toBeLessThanOrEqual(3);
      paged.push(...page.body.results.map((o) => o.id));
      after = page.body.paging?.next.after;
      if (after) expect(page.body.paging!.next.link).toContain(`after=${after}`);
    } while (after);
    expect(paged).toEqual(all);

    const someone = (await get<ListBody>(OWNERS)).body.results[2]!;
    const byEmail = await get<ListBody>(`${OWNERS}?email=${encodeURIComponent(someone.email.toUpperCase())}`);
    expect(byEmail.body.results.map((o) => o.id)).toEqual([someone.id]);

    // Only archived owners when asked: the colleagues who left keep no live userId.
    const archived = await get<ListBody>(`${OWNERS}?archived=true`);
    expect(shapeErrors(`${OWNERS}?archived=true`, archived.status, archived.body)).toEqual([]);
    expect(archived.body.results.map((o) => o.id).sort()).toEqual(
      [...portal.owners.values()]
        .filter((o) => o.archived)
        .map((o) => o.id)
        .sort(),
    );
    expect(archived.body.results.length).toBeGreaterThanOrEqual(2);
    for (const former of archived.body.results) {
      expect(former).toMatchObject({ archived: true });
      expect(former.userId).toBeUndefined();
      expect(typeof former.userIdIncludingInactive).toBe('number');
      expect(all).not.toContain(former.id);
    }
  });

  it('reads one owner by id or by userId, and answers 404 and 400 as HubSpot does', async () => {
    const [first] = (await get<ListBody>(OWNERS)).body.results;
    const byId = await get<OwnerBody>(`${OWNERS}/${first!.id}`);
    expect(byId.status).toBe(200);
    expect(shapeErrors(`${OWNERS}/${first!.id}`, 200, byId.body)).toEqual([]);
    expect(byId.body).toEqual(first);
    const byUser = await get<OwnerBody>(`${OWNERS}/${first!.userId}?idProperty=userId`);
    expect(byUser.body.id).toBe(first!.id);

    const missing = await get(`${OWNERS}/999999`);
    expect(missing.status).toBe(404);
    expect(shapeErrors(`${OWNERS}/999999`, 404, missing.body)).toEqual([]);
    expect((await get(`${OWNERS}/not-a-number`)).status).toBe(400);
    expect((await get(`${OWNERS}?limit=0`)).status).toBe(400);
    expect((await get(`${OWNERS}?archived=maybe`)).status).toBe(400);
    expect((await get(`${OWNERS}/${first!.id}?idProperty=email`)).status).toBe(400);
  });

  it('needs crm.objects.owners.read or automation', async () => {
    const plain = await installApp(sandbox.url, HUB, ALL_SCOPES);
    const refused = await get<{ category: string }>(OWNERS, plain.access_token);
    expect(refused.status).toBe(403);
    expect(refused.body.category).toBe('MISSING_SCOPES');
    const automation = await installApp(sandbox.url, HUB, [...ALL_SCOPES, 'automation']);
    expect((await get(OWNERS, automation.access_token)).status).toBe(200);
  });

  it("is what @hubspot/api-client's owners API reads (the numbered v3 path)", async () => {
    const page = await client.crm.owners.ownersApi.getPage(undefined, undefined, 2, false);
    expect(page.results).toHaveLength(2);
    expect(page.results[0]!.createdAt).toBeInstanceOf(Date);
    expect(page.paging?.next?.after).toBeTruthy();
    const next = await client.crm.owners.ownersApi.getPage(undefined, page.paging!.next!.after, 100);
    expect(next.results.map((o) => o.id)).not.toContain(page.results[0]!.id);
    const one = await client.crm.owners.ownersApi.getById(Number(page.results[1]!.id));
    expect(one.email).toBe(page.results[1]!.email);
  });

  it('signs in the user the consent page names, and tells who they are', async () => {
    const owner = [...portal.owners.values()].find((o) => !o.archived && o.userId !== adminUserId(HUB))!;
    const consent = await fetch(`${sandbox.url}/oauth/${HUB}/authorize`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({
        client_id: TEST_APP.clientId,
        redirect_uri: TEST_APP.redirectUris[0]!,
        scope: 'oauth',
        portalId: String(HUB),
        userId: String(owner.userId),
        decision: 'approve',
      }),
    });
    expect(consent.status).toBe(302);
    const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
    const form = { client_id: TEST_APP.clientId, client_secret: TEST_APP.clientSecret };
    const token = (await (
      await postForm(sandbox.url, '/oauth/2026-03/token', {
        ...form,
        grant_type: 'authorization_code',
        redirect_uri: TEST_APP.redirectUris[0]!,
        code,
      })
    ).json()) as Tokens;
    expect(token.user_id).toBe(owner.userId);
    const refreshed = (await (
      await postForm(sandbox.url, '/oauth/2026-03/token', {
        ...form,
        grant_type: 'refresh_token',
        refresh_token: token.refresh_token,
      })
    ).json()) as Tokens;
    expect(refreshed.user_id).toBe(owner.userId);
    const info = (await (
      await postForm(sandbox.url, '/oauth/2026-03/token/introspect', { ...form, token: token.access_token })
    ).json()) as { user_id: number; user: string };
    expect(info).toMatchObject({ user_id: owner.userId, user: owner.email });

    const page = await fetch(
      `${sandbox.url}/oauth/${HUB}/authorize?client_id=${TEST_APP.clientId}&redirect_uri=${encodeURIComponent(TEST_APP.redirectUris[0]!)}&scope=oauth`,
    );
    expect(await page.text()).toContain(`<option value="${owner.userId}">`);

    const stranger = await fetch(`${sandbox.url}/oauth/${HUB}/authorize`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({
        client_id: TEST_APP.clientId,
        redirect_uri: TEST_APP.redirectUris[0]!,
        scope: 'oauth',
        portalId: String(HUB),
        userId: '424242',
        decision: 'approve',
      }),
    });
    expect(stranger.status).toBe(400);
  });
});

describe('owners in generated portals', () => {
  const generate = (seed: number) => {
    const portal = new SandboxStore().createPortal(4242);
    generatePortal(portal, { contacts: 400, seed, now: NOW });
    return portal;
  };
  const owning = (portal: PortalData) =>
    [...portal.recordsOf('contacts').values()].map((c) => c.properties.hubspot_owner_id);

  it('shares every contact, deal, ticket and company among a team of six to eight, the admin among them', () => {
    const portal = generate(5);
    const active = new Set([...portal.owners.values()].filter((o) => !o.archived).map((o) => o.id));
    // The team: who is active, and who left during the history (deactivated after the history began).
    const team = new Set(
      [...portal.owners.values()].filter((o) => !o.archived || o.updatedAt < NOW).map((o) => o.id),
    );
    expect(team.size).toBeGreaterThanOrEqual(6);
    expect(team.size).toBeLessThanOrEqual(8);
    expect(active.size).toBeGreaterThanOrEqual(4);
    for (const type of ['contacts', 'companies', 'deals', 'tickets'] as const) {
      const records = [...portal.recordsOf(type).values()];
      expect(records.length).toBeGreaterThan(0);
      expect(records.every((r) => team.has(r.properties.hubspot_owner_id ?? ''))).toBe(true);
    }
    const counts = new Map<string, number>();
    for (const id of owning(portal)) counts.set(id!, (counts.get(id!) ?? 0) + 1);
    expect(counts.size).toBeGreaterThanOrEqual(active.size);
    expect(counts.size).toBeLessThanOrEqual(team.size);
    expect(counts.get(portal.adminOwner.id)).toBeGreaterThan(10);
    // A contact's deals and tickets are its owner's (where no owner who left ever had them).
    const leavers = new Set([...portal.owners.values()].filter((o) => o.archived).map((o) => o.id));
    const dealsOf = (id: string) =>
      portal.associationsOf('contacts', id, 'deals').map((link) => portal.recordsOf('deals').get(link.toId)!);
    const everALeaver = (record: CrmRecord) =>
      historyOf(record, 'hubspot_owner_id').some((entry) => leavers.has(entry.value));
    const contact = [...portal.recordsOf('contacts').values()].find(
      (c) => dealsOf(c.id).length > 0 && !everALeaver(c) && !dealsOf(c.id).some(everALeaver),
    )!;
    for (const deal of dealsOf(contact.id))
      expect(deal.properties.hubspot_owner_id).toBe(contact.properties.hubspot_owner_id);
  });

  it('gives the same owners and the same assignment for the same seed, and others for another', () => {
    const names = (portal: PortalData) =>
      [...portal.owners.values()].map((o) => [o.id, o.firstName, o.lastName, o.email, o.userId, o.archived]);
    const [a, b, c] = [generate(5), generate(5), generate(6)];
    expect(names(b)).toEqual(names(a));
    expect(owning(b)).toEqual(owning(a));
    expect(names(c)).not.toEqual(names(a));
  });
});
