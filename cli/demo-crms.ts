/**
 * The CRM a demo runs against, in its sandbox on loopback: HubSpot's portal or a Salesforce org,
 * filled by the same customer generator, with the demo's app registered, and what the demo prints
 * and links to in it. Never a real CRM credential.
 */
import type { GenerationSummary } from '../sandbox/generator/index.js';
import type { CrmKind } from '../server/db/schema.js';
import type { AppManifest } from '../server/manifest/index.js';
import { runDemoCampaigns, type CampaignTrial } from './demo-campaign.js';
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
  /** How many records of each object type (as the product's sync names them) the CRM holds. */
  recordCounts: Partial<Record<string, number>>;
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
  /**
   * Once the first cycle has written its tiers: the demo's retention campaigns, run by the CRM's
   * own workflows against the product at `publicUrl`. Absent where the demo has no workflows to run.
   */
  tryCampaigns?(publicUrl: string, manifest: AppManifest, signal?: AbortSignal): Promise<CampaignTrial>;
  close(): Promise<void>;
}

/** The demo's HubSpot app, registered in the sandbox: the card's requests are signed with its secret. */
export const HUBSPOT_APP = {
  appId: 900001,
  clientId: 'churn-radar-demo',
  clientSecret: 'churn-radar-demo-secret',
};
export const HUBSPOT_PORTAL = 100001;
/** The demo company's domain: HubSpot names a portal by it, and so does the product (its survey page, for one). */
const HUBSPOT_DOMAIN = 'northwind.example';
/** Contacts the demo asks for feedback: enough to try a survey link, few enough to leave the rest alone. */
const FEEDBACK_CONTACTS = 5;
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
    domain: HUBSPOT_DOMAIN,
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
    recordCounts: 'loaded' in run.summary ? {} : recordCounts(run.summary),
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
    tryCampaigns: (publicUrl, manifest, signal) => {
      const contacts = portal.recordsOf('contacts');
      const tiered = (tier: string) =>
        [...contacts.values()]
          .filter((c) => !c.archived && c.properties.churn_risk_tier === tier)
          .map((c) => c.id);
      return runDemoCampaigns({
        sandboxUrl: url,
        hubId: HUBSPOT_PORTAL,
        app: HUBSPOT_APP,
        manifest,
        publicUrl,
        // Customers not in the win-back: the medium tier first.
        feedbackContactIds: [...tiered('medium'), ...tiered('low')].slice(0, FEEDBACK_CONTACTS),
        highContacts: tiered('high').length,
        offerCodeInCrm: (contactId) => contacts.get(contactId)?.properties.retention_offer_code ?? null,
        signal,
      });
    },
    close: run.close,
  };
}

/** The generator's counts under the names of the product's object types. */
function recordCounts(summary: GenerationSummary): Partial<Record<string, number>> {
  return {
    contacts: summary.contacts,
    companies: summary.companies,
    deals: summary.deals,
    tickets: summary.tickets,
    emails: summary.emails,
    feedback_submissions: summary.feedbackSubmissions,
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
    recordCounts: recordCounts(run.summary),
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
