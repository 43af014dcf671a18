/**
 * The connector contract's driver for HubSpot: the sandbox (sandbox/) on loopback behind a
 * counting proxy, the product configured as a HubSpot app pointed at the proxy, and each portal
 * installed through the consent page and the callback, as an admin would.
 */
import { seedDefaultProperties } from '../../sandbox/default-properties.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import type { CrmRecord as StoredHubSpotRecord, PortalData } from '../../sandbox/store.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { startCountingProxy, type ProxiedRequest } from '../support/counting-proxy.js';
import { PRODUCT_APP, startTestProduct, walkInstall } from '../support/product-server.js';
import { NO_LIMITS } from '../support/sandbox-server.js';
import type {
  ConnectorDriver,
  ContractEnvironment,
  ContractPortal,
  SandboxControls,
  WireCall,
} from './driver.js';

/** The sandbox's injected 429s ask for one second (`Retry-After: 1`). */
const INJECTED_RETRY_AFTER_MS = 1000;

export const hubspotDriver: ConnectorDriver = {
  name: 'HubSpot',
  start: startHubSpotContract,
  limits: { listPage: 100, changedPage: 200, read: 100, historyRead: 50, write: 100, ownersPage: 100 },
  rateLimitStatus: 429,
  fixtures: {
    textProperty: 'jobtitle',
    historyProperty: 'lifecyclestage',
    invalidValue: {
      property: 'lifecyclestage',
      value: 'not-a-stage',
      message: /was not one of the allowed options/,
    },
    readOnly: { property: 'createdate', value: '2020-01-01T00:00:00Z', message: /read only property/ },
  },
};

async function startHubSpotContract(): Promise<ContractEnvironment> {
  const redis = await startEmbeddedRedis();
  // The contract is about the connector, not about pacing: neither side's limit slows the
  // 10,000-record portal; 429s are injected where a test wants them. Search shows each change at
  // once, so a test reads exactly what it just wrote.
  const sandbox = await startSandbox({ rateLimits: NO_LIMITS, searchIndexLagMs: 0 });
  const proxy = await startCountingProxy(sandbox.url);
  const product = await startTestProduct({
    crmUrl: proxy.url,
    redisUrl: redis.url,
    rateLimits: { generalPerSecond: 100_000, searchPerSecond: 100_000 },
  });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  const db = product.ctx.db.db;
  const wire = {
    mark: () => proxy.requests.length,
    since: (mark: number) => proxy.requests.slice(mark).map(wireCall),
  };
  let nextHubId = 7_001;

  return {
    db,
    async installPortal({ contacts }): Promise<ContractPortal> {
      const hubId = nextHubId++;
      const portal = sandbox.store.createPortal(hubId);
      seedDefaultProperties(portal);
      generateContacts(portal, contacts, sandbox.store.now());
      const installed = await walkInstall(product.url, { portalId: hubId });
      if (installed.status !== 200)
        throw new Error(`installing in portal ${hubId} answered ${installed.status}: ${installed.html}`);
      const row = await findPortalByExternalId(db, 'hubspot', String(hubId));
      if (!row) throw new Error(`the install did not create portal ${hubId}`);
      return {
        portalId: row.id,
        connector: product.ctx.services.crms.connectorFor(row),
        sandbox: controlsOf(sandbox, portal),
        wire,
      };
    },
    async stop() {
      await product.close();
      await proxy.close();
      await sandbox.close();
      await redis.stop();
    },
  };
}

/** Contacts written straight into the store, a second apart, with a handful of properties. */
function generateContacts(portal: PortalData, count: number, now: Date): void {
  const emitting = portal.emitChanges;
  portal.emitChanges = false;
  for (let i = 0; i < count; i++) {
    const at = new Date(now.getTime() - (count - i) * 1000);
    portal.createRecord(
      'contacts',
      {
        email: `contact-${i}@contract.example`,
        firstname: `Contact ${i}`,
        lastname: 'Contract',
        lifecyclestage: 'customer',
      },
      at,
    );
  }
  portal.emitChanges = emitting;
}

function controlsOf(sandbox: RunningSandbox, portal: PortalData): SandboxControls {
  const { store } = sandbox;
  const record = (type: Parameters<PortalData['recordsOf']>[0], id: string): StoredHubSpotRecord => {
    const found = portal.recordsOf(type).get(id);
    if (!found) throw new Error(`no ${type} ${id} in portal ${portal.portalId}`);
    return found;
  };
  // Faults go through the sandbox's own admin API, as a test of the sandbox would set them.
  const fault = async (body: Record<string, unknown>) => {
    const response = await fetch(`${sandbox.url}/_sandbox/portals/${portal.portalId}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok)
      throw new Error(`the sandbox refused fault ${JSON.stringify(body)}: ${response.status}`);
  };
  return {
    recordIds: async (type) =>
      [...portal.recordsOf(type).values()]
        .filter((r) => !r.archived)
        .map((r) => r.id)
        .sort((a, b) => Number(a) - Number(b)),
    createRecord: async (type, properties) => portal.createRecord(type, properties, store.now()).id,
    updateRecord: async (type, id, properties) => {
      portal.updateRecord(type, id, properties, store.now());
    },
    deleteRecord: async (type, id) => portal.archiveRecord(type, record(type, id).id, store.now()),
    readRecord: async (type, id) => {
      const found = portal.recordsOf(type).get(id);
      return found && { properties: { ...found.properties }, archived: found.archived };
    },
    setModifiedAt: async (type, changes) => {
      for (const { id, at } of changes) {
        const found = record(type, id);
        found.updatedAt = at;
        found.properties.lastmodifieddate = at.toISOString();
        found.properties.hs_lastmodifieddate = at.toISOString();
      }
    },
    rateLimitNextCalls: async (calls) => {
      await fault({ rateLimitBurst: calls });
      return { retryAfterMs: INJECTED_RETRY_AFTER_MS };
    },
    expireAccessToken: () => fault({ expireTokens: true }),
    revokeInstall: () => fault({ revokeInstall: true }),
    addOwner: async (person) => {
      const owner = portal.addOwner({ ...person, teams: [] }, store.now());
      return { id: owner.id, userId: String(owner.userId) };
    },
    deactivateOwner: async (id) => {
      const owner = portal.owners.get(id);
      if (!owner) throw new Error(`no owner ${id} in portal ${portal.portalId}`);
      owner.archived = true;
      owner.updatedAt = store.now();
    },
    ownerIds: async () => [...portal.owners.values()].filter((o) => !o.archived).map((o) => o.id),
    leftOwnerIds: async () => [...portal.owners.values()].filter((o) => o.archived).map((o) => o.id),
  };
}

/** A proxied request in the contract's terms, read from HubSpot's paths and bodies. */
function wireCall(request: ProxiedRequest): WireCall {
  const call: WireCall = { kind: 'other', status: request.status, ids: [], withHistory: false };
  const { method, path } = request;
  if (method === 'POST' && /^\/oauth\/[^/]+\/token$/.test(path)) {
    const grant = new URLSearchParams(request.body).get('grant_type');
    return { ...call, kind: grant === 'refresh_token' ? 'token-refresh' : 'other' };
  }
  if (!path.startsWith('/crm/objects/')) return call;
  if (method === 'GET' && /^\/crm\/objects\/[^/]+\/[^/]+$/.test(path)) return { ...call, kind: 'list' };
  if (method === 'POST' && path.endsWith('/search')) return { ...call, kind: 'search' };
  const batch = /\/batch\/(read|update)$/.exec(path);
  if (method !== 'POST' || !batch) return call;
  const body = JSON.parse(request.body) as { inputs?: { id: string }[]; propertiesWithHistory?: string[] };
  return {
    ...call,
    kind: batch[1] === 'read' ? 'batch-read' : 'batch-update',
    ids: (body.inputs ?? []).map((input) => String(input.id)),
    withHistory: (body.propertiesWithHistory?.length ?? 0) > 0,
  };
}
