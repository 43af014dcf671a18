/**
 * The CRM a demo runs against, in its sandbox on loopback: HubSpot's portal or a Salesforce org,
 * filled by the same customer generator, with the demo's app registered, and what the demo prints
 * and links to in it. Never a real CRM credential.
 */
import type { CrmKind } from '../server/db/schema.js';
import type { AppManifest } from '../server/manifest/index.js';
import {
  installInSalesforceSandbox,
  installInSandbox,
  subscribeSandboxWebhooks,
  type SandboxUsageEvent,
} from './demo-install.js';
import { runSalesforceSandbox, runSandbox } from './sandbox-runner.js';

export interface DemoCrmOptions {
  contacts: number;
  seed: number;
  /** The first of the ports the sandbox listens on; 0 for free ones. */
  port: number;
}

export interface DemoCrm {
  crm: CrmKind;
  /** The demo account's id in the CRM (a HubSpot portal id, a Salesforce org id). */
  externalId: string;
  /** The product's configuration for this CRM, pointed at the sandbox. */
  env: Record<string, string>;
  usageEvents: readonly SandboxUsageEvent[];
  /** What the start-up banner says about the sandbox. */
  sandboxLine: string;
  /** The dashboard's sign-in link for the demo account. */
  signInPath: string;
  /** Once the product listens at `publicUrl`: the app registered in the CRM, and installed. */
  connect(publicUrl: string, manifest: AppManifest): Promise<void>;
  /** A contact's page in the sandbox CRM. */
  recordUrl(contactId: string): string;
  /** The written fields of a contact, as the CRM holds them. */
  writtenFields(contactId: string): Record<string, string>;
  close(): Promise<void>;
}

const HUBSPOT_APP = { appId: 900001, clientId: 'churn-radar-demo', clientSecret: 'churn-radar-demo-secret' };
const HUBSPOT_PORTAL = 100001;
const SALESFORCE_APP = { clientId: '3MVG9ChurnRadarDemo', clientSecret: 'churn-radar-demo-secret' };

export async function startDemoCrm(crm: CrmKind, options: DemoCrmOptions): Promise<DemoCrm> {
  return crm === 'salesforce' ? startSalesforceDemo(options) : startHubSpotDemo(options);
}

async function startHubSpotDemo(options: DemoCrmOptions): Promise<DemoCrm> {
  const run = await runSandbox({
    port: options.port,
    portalId: HUBSPOT_PORTAL,
    contacts: options.contacts,
    seed: options.seed,
  });
  const url = run.sandbox.url;
  const portal = run.sandbox.store.portal(HUBSPOT_PORTAL)!;
  return {
    crm: 'hubspot',
    externalId: String(HUBSPOT_PORTAL),
    env: {
      HUBSPOT_APP_ID: String(HUBSPOT_APP.appId),
      HUBSPOT_CLIENT_ID: HUBSPOT_APP.clientId,
      HUBSPOT_CLIENT_SECRET: HUBSPOT_APP.clientSecret,
      HUBSPOT_API_BASE: url,
      HUBSPOT_AUTHORIZE_URL: `${url}/oauth/authorize`,
      HUBSPOT_RECORD_URL: `${url}/_sandbox/ui/portals/{portalId}/contacts/{contactId}`,
    },
    usageEvents: portal.usageEvents,
    sandboxLine: `${url}/_sandbox/ui  (HubSpot portal ${HUBSPOT_PORTAL}, ${options.contacts} contacts)`,
    signInPath: `/app/login?portal=${HUBSPOT_PORTAL}`,
    async connect(publicUrl, manifest) {
      run.sandbox.store.registerApp({
        ...HUBSPOT_APP,
        redirectUris: [`${publicUrl}/oauth/callback`],
        webhookTargetUrl: `${publicUrl}/webhooks/hubspot`,
      });
      await subscribeSandboxWebhooks(
        url,
        HUBSPOT_APP.appId,
        manifest.webhooks?.subscriptions.crmObjects ?? [],
      );
      await installInSandbox(publicUrl, HUBSPOT_PORTAL);
    },
    recordUrl: (contactId) => `${url}/_sandbox/ui/portals/${HUBSPOT_PORTAL}/contacts/${contactId}`,
    writtenFields: (contactId) => {
      const properties = portal.recordsOf('contacts').get(contactId)?.properties ?? {};
      return Object.fromEntries(
        Object.entries(properties).filter(
          ([name, value]) => name.startsWith('churn_risk_') && value !== null,
        ),
      ) as Record<string, string>;
    },
    close: run.close,
  };
}

async function startSalesforceDemo(options: DemoCrmOptions): Promise<DemoCrm> {
  const run = await runSalesforceSandbox({
    port: options.port,
    contacts: options.contacts,
    seed: options.seed,
  });
  const { loginUrl, instanceUrl } = run.sandbox;
  return {
    crm: 'salesforce',
    externalId: run.org.orgId,
    env: {
      HUBSPOT_CLIENT_ID: '',
      HUBSPOT_CLIENT_SECRET: '',
      SALESFORCE_CLIENT_ID: SALESFORCE_APP.clientId,
      SALESFORCE_CLIENT_SECRET: SALESFORCE_APP.clientSecret,
      SALESFORCE_LOGIN_URL: loginUrl,
    },
    usageEvents: run.org.usageEvents,
    sandboxLine: `${loginUrl} (login), ${instanceUrl} (instance)  (Salesforce org ${run.org.orgId}, ${options.contacts} contacts)`,
    signInPath: '/app/login?crm=salesforce',
    async connect(publicUrl) {
      run.sandbox.auth.registerApp({
        ...SALESFORCE_APP,
        name: 'Churn Radar (demo)',
        redirectUris: [`${publicUrl}/oauth/callback`],
        rotateRefreshTokens: true,
      });
      await installInSalesforceSandbox(publicUrl, run.org.orgId);
    },
    recordUrl: (contactId) => `${instanceUrl}/lightning/r/Contact/${contactId}/view`,
    writtenFields: (contactId) => {
      const fields = run.org.byId(contactId)?.fields ?? {};
      return Object.fromEntries(
        Object.entries(fields)
          .filter(([name, value]) => name.startsWith('Churn_Risk_') && value !== null)
          .map(([name, value]) => [name, value instanceof Date ? value.toISOString() : String(value)]),
      );
    },
    close: run.close,
  };
}
