/**
 * The connector contract's driver for Salesforce: the Salesforce sandbox (sandbox/salesforce/)
 * with counting proxies in front of its login and instance origins, the product configured as a
 * connected app pointed at them, and each org installed through the consent page with PKCE and the
 * callback, as an admin would.
 */
import type { SalesforceOrg } from '../../sandbox/salesforce/org.js';
import { startSalesforceSandbox } from '../../sandbox/salesforce/main.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import type { CrmObjectType } from '../../server/crm/connector.js';
import { startCountingProxy, type ProxiedRequest } from '../support/counting-proxy.js';
import { flowCookie, startTestProduct } from '../support/product-server.js';
import type {
  ConnectorDriver,
  ContractEnvironment,
  ContractPortal,
  SandboxControls,
  WireCall,
} from './driver.js';

export const SALESFORCE_APP = {
  clientId: '3MVG9contract.sandbox.app',
  clientSecret: 'contract-connected-app-secret',
};

/** The product's record types as Salesforce objects, for acting behind the connector's back. */
const SOBJECT: Record<CrmObjectType, string> = {
  contacts: 'Contact',
  companies: 'Account',
  deals: 'Opportunity',
  tickets: 'Case',
  emails: 'EmailMessage',
  feedback_submissions: 'Survey_Response__c',
};

export const salesforceDriver: ConnectorDriver = {
  name: 'Salesforce',
  start: startSalesforceContract,
  limits: { listPage: 2000, changedPage: 2000, read: 200, historyRead: 200, write: 200, ownersPage: 2000 },
  // Salesforce has no per-second limit; too many calls at once answer 403 ConcurrentPerOrgLongTxn.
  rateLimitStatus: 403,
  fixtures: {
    textProperty: 'Title',
    historyProperty: 'Customer_Status__c',
    invalidValue: {
      property: 'Billing_Period__c',
      value: 'Fortnightly',
      message: /bad value for restricted picklist field/,
    },
    readOnly: {
      property: 'CreatedDate',
      value: '2020-01-01T00:00:00Z',
      message: /Unable to create\/update fields: CreatedDate/,
    },
  },
};

/** The Salesforce sandbox behind counting proxies, and the product configured as its connected app. */
export async function startSalesforceHarness(options: { clock?: () => number } = {}) {
  const redis = await startEmbeddedRedis();
  const sandbox = await startSalesforceSandbox();
  const log: ProxiedRequest[] = [];
  const loginProxy = await startCountingProxy(sandbox.loginUrl, { log });
  const instanceProxy = await startCountingProxy(sandbox.instanceUrl, { log });
  // Tokens name the proxies as the org's origins, so every call the product makes is seen.
  sandbox.auth.origins.loginUrl = loginProxy.url;
  sandbox.auth.origins.instanceUrl = instanceProxy.url;
  const product = await startTestProduct({
    crmUrl: 'http://127.0.0.1:9',
    redisUrl: redis.url,
    rateLimits: { generalPerSecond: 100_000, searchPerSecond: 100_000 },
    ...(options.clock ? { clock: options.clock } : {}),
    env: {
      HUBSPOT_CLIENT_ID: '',
      HUBSPOT_CLIENT_SECRET: '',
      SALESFORCE_CLIENT_ID: SALESFORCE_APP.clientId,
      SALESFORCE_CLIENT_SECRET: SALESFORCE_APP.clientSecret,
      SALESFORCE_LOGIN_URL: loginProxy.url,
    },
  });
  sandbox.auth.registerApp({
    ...SALESFORCE_APP,
    redirectUris: [`${product.url}/oauth/callback`],
    rotateRefreshTokens: true,
  });
  const db = product.ctx.db.db;
  const wire = { mark: () => log.length, since: (mark: number) => log.slice(mark).map(wireCall) };

  /** A new org of `contacts` customers, with the app installed through the consent page. */
  async function installOrg(contacts: number) {
    const org = sandbox.store.createOrg();
    generateContacts(org, contacts, sandbox.store.now());
    const installed = await walkSalesforceInstall(product.url, org.orgId);
    if (installed.status !== 200)
      throw new Error(`installing in org ${org.orgId} answered ${installed.status}: ${installed.html}`);
    const row = await findPortalByExternalId(db, 'salesforce', org.orgId);
    if (!row) throw new Error(`the install did not create a portal for org ${org.orgId}`);
    return {
      org,
      portal: row,
      portalId: row.id,
      connector: product.ctx.services.crms.connectorFor(row),
      sandbox: controlsOf(sandbox.instanceUrl, org, () => sandbox.store.now()),
      wire,
    };
  }

  return {
    redis,
    sandbox,
    product,
    db,
    wire,
    installOrg,
    async stop() {
      await product.close();
      await loginProxy.close();
      await instanceProxy.close();
      await sandbox.close();
      await redis.stop();
    },
  };
}

async function startSalesforceContract(): Promise<ContractEnvironment> {
  const harness = await startSalesforceHarness();
  return {
    db: harness.db,
    async installPortal({ contacts }): Promise<ContractPortal> {
      const { portalId, connector, sandbox, wire } = await harness.installOrg(contacts);
      return { portalId, connector, sandbox, wire };
    },
    stop: harness.stop,
  };
}

/** The product's install link, Salesforce's consent page (approved as the org's admin), the callback. */
export async function walkSalesforceInstall(
  productUrl: string,
  orgId: string,
): Promise<{ status: number; html: string }> {
  const start = await fetch(`${productUrl}/oauth/install?crm=salesforce`, { redirect: 'manual' });
  if (start.status !== 302) throw new Error(`install answered ${start.status}: ${await start.text()}`);
  const cookie = flowCookie(start);
  const authorize = new URL(start.headers.get('location')!);
  const consent = await fetch(`${authorize.origin}${authorize.pathname}`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ ...Object.fromEntries(authorize.searchParams), orgId, decision: 'allow' }),
  });
  if (consent.status !== 302) throw new Error(`consent answered ${consent.status}: ${await consent.text()}`);
  const callback = await fetch(consent.headers.get('location')!, { redirect: 'manual', headers: { cookie } });
  return { status: callback.status, html: await callback.text() };
}

/** Contacts written straight into the org, a second apart, each a customer. */
function generateContacts(org: SalesforceOrg, count: number, now: Date): void {
  for (let i = 0; i < count; i++) {
    const at = new Date(now.getTime() - (count - i) * 1000);
    org.create(
      'Contact',
      {
        FirstName: `Contact ${i}`,
        LastName: 'Contract',
        Email: `contact-${i}@contract.example`,
        Customer_Status__c: 'Customer',
      },
      { at },
    );
  }
}

function controlsOf(instanceUrl: string, org: SalesforceOrg, now: () => Date): SandboxControls {
  const fault = async (body: Record<string, unknown>) => {
    const response = await fetch(`${instanceUrl}/_sandbox/salesforce/orgs/${org.orgId}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok)
      throw new Error(`the sandbox refused fault ${JSON.stringify(body)}: ${response.status}`);
  };
  const live = (type: CrmObjectType) =>
    [...org.records(SOBJECT[type])].filter((r) => r.fields.IsDeleted !== true);
  return {
    recordIds: async (type) =>
      live(type)
        .map((r) => r.Id)
        .sort(),
    createRecord: async (type, properties) => org.create(SOBJECT[type], properties, { at: now() }).Id,
    updateRecord: async (type, id, properties) => {
      org.update(SOBJECT[type], id, properties, { at: now() });
    },
    deleteRecord: async (type, id) => org.delete(SOBJECT[type], id, { at: now() }),
    readRecord: async (type, id) => {
      const found = [...org.records(SOBJECT[type])].find((r) => r.Id === id);
      if (!found) return undefined;
      const properties = Object.fromEntries(
        Object.entries(found.fields).map(([k, v]) => [
          k,
          v === null ? null : v instanceof Date ? v.toISOString() : String(v),
        ]),
      );
      return { properties, archived: found.fields.IsDeleted === true };
    },
    setModifiedAt: async (type, changes) => {
      const byId = new Map(live(type).map((r) => [r.Id, r]));
      for (const { id, at } of changes) {
        const record = byId.get(id);
        if (!record) throw new Error(`no ${type} ${id} in org ${org.orgId}`);
        record.fields.LastModifiedDate = at;
        record.fields.SystemModstamp = at;
      }
    },
    rateLimitNextCalls: async (calls) => {
      await fault({ concurrentLimitCalls: calls });
      return { retryAfterMs: 0 };
    },
    expireAccessToken: () => fault({ expireTokens: true }),
    revokeInstall: () => fault({ revokeApps: true }),
    addOwner: async (person) => {
      const user = org.addUser(person, now());
      return { id: user.Id, userId: user.Id };
    },
    deactivateOwner: async (id) => {
      org.update('User', id, { IsActive: false }, { at: now() });
    },
    ownerIds: async () => [...org.users.values()].filter((u) => u.IsActive).map((u) => u.Id),
    leftOwnerIds: async () => [...org.users.values()].filter((u) => !u.IsActive).map((u) => u.Id),
  };
}

const IDS = /'([A-Za-z0-9]{15,18})'/g;

/** A proxied request in the contract's terms, read from Salesforce's paths, SOQL and bodies. */
function wireCall(request: ProxiedRequest): WireCall {
  const call: WireCall = { kind: 'other', status: request.status, ids: [], withHistory: false };
  const { method, path } = request;
  if (method === 'POST' && path === '/services/oauth2/token') {
    const grant = new URLSearchParams(request.body).get('grant_type');
    return { ...call, kind: grant === 'refresh_token' ? 'token-refresh' : 'other' };
  }
  if (method === 'PATCH' && /\/composite\/sobjects$/.test(path)) {
    const body = JSON.parse(request.body) as { records?: { id?: string; Id?: string }[] };
    return { ...call, kind: 'batch-update', ids: (body.records ?? []).map((r) => String(r.id ?? r.Id)) };
  }
  if (method !== 'GET' || !/\/(query|queryAll)$/.test(path)) return call;
  const soql = new URLSearchParams(request.search).get('q') ?? '';
  if (/FROM ContactHistory/i.test(soql)) {
    return { ...call, kind: 'batch-read', withHistory: true, ids: [...soql.matchAll(IDS)].map((m) => m[1]!) };
  }
  if (/\bId IN \(/i.test(soql))
    return { ...call, kind: 'batch-read', ids: [...soql.matchAll(IDS)].map((m) => m[1]!) };
  if (/ORDER BY SystemModstamp/i.test(soql)) return { ...call, kind: 'search' };
  if (/ORDER BY Id/i.test(soql)) return { ...call, kind: 'list' };
  return call;
}
