import type { Kysely } from 'kysely';
import type { CrmKind, Database } from '../server/db/schema.js';
import { findPortalByExternalId, purgePortal } from '../server/db/portals.js';
import type { Logger } from '../server/logger.js';
import { forgetRevokedPortal } from '../server/oauth/uninstall.js';
import type { WorkQueue } from '../server/work-queue.js';

/**
 * The demo's sandbox CRM is generated anew at every start, so what the warehouse holds of the demo
 * account from an earlier start (its records, scores, what was written back, campaign enrolments)
 * belongs to a CRM that is gone: the account is forgotten and its rows deleted before the install,
 * which then syncs, scores and writes back into the new CRM from scratch. Other accounts are kept.
 */
export async function forgetEarlierDemoAccount(
  deps: { db: Kysely<Database>; work: Pick<WorkQueue, 'unschedulePortal'>; logger: Logger },
  crm: CrmKind,
  externalId: string,
): Promise<boolean> {
  const earlier = await findPortalByExternalId(deps.db, crm, externalId);
  if (!earlier) return false;
  await forgetRevokedPortal(deps, earlier.id, 'the demo CRM was generated anew');
  await purgePortal(deps.db, earlier.id);
  deps.logger.info(
    { portalId: earlier.id },
    'removed what an earlier demo stored of this account: its sandbox CRM is generated anew at every start',
  );
  return true;
}

/**
 * The round-trip cookie the product's install link set (`name=value`): a browser sends it back to
 * the callback, which refuses a round trip finished in another browser.
 */
function roundTripCookie(start: Response): string {
  return start.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .filter((c) => c.startsWith('churn_oauth_flow='))
    .join('; ');
}

/**
 * The demo installs the app in its sandbox portal the way an admin would: it follows the
 * product's install link to the CRM's consent page, approves it, and follows the redirect back
 * to the product's callback.
 */
export async function installInSandbox(productUrl: string, portalId: number): Promise<void> {
  const start = await fetch(`${productUrl}/oauth/install`, { redirect: 'manual' });
  const authorizeUrl = start.headers.get('location');
  if (start.status !== 302 || !authorizeUrl) throw new Error(`the install link answered ${start.status}`);
  const authorize = new URL(authorizeUrl);
  const consent = await fetch(`${authorize.origin}${authorize.pathname}`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({
      ...Object.fromEntries(authorize.searchParams),
      portalId: String(portalId),
      decision: 'approve',
    }),
  });
  const callbackUrl = consent.headers.get('location');
  if (consent.status !== 302 || !callbackUrl) throw new Error(`the consent page answered ${consent.status}`);
  const callback = await fetch(callbackUrl, { headers: { cookie: roundTripCookie(start) } });
  if (!callback.ok) throw new Error(`the install callback answered ${callback.status}`);
}

/** The same walk through Salesforce's consent page (with PKCE), approved for the org's admin. */
export async function installInSalesforceSandbox(productUrl: string, orgId: string): Promise<void> {
  const start = await fetch(`${productUrl}/oauth/install?crm=salesforce`, { redirect: 'manual' });
  const authorizeUrl = start.headers.get('location');
  if (start.status !== 302 || !authorizeUrl) throw new Error(`the install link answered ${start.status}`);
  const authorize = new URL(authorizeUrl);
  const consent = await fetch(`${authorize.origin}${authorize.pathname}`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ ...Object.fromEntries(authorize.searchParams), orgId, decision: 'allow' }),
  });
  const callbackUrl = consent.headers.get('location');
  if (consent.status !== 302 || !callbackUrl) throw new Error(`the consent page answered ${consent.status}`);
  const callback = await fetch(callbackUrl, { headers: { cookie: roundTripCookie(start) } });
  if (!callback.ok)
    throw new Error(`the install callback answered ${callback.status}: ${await callback.text()}`);
}

const OBJECT_TYPE_IDS: Record<string, string> = { email: '0-49', feedback_submission: '0-19' };
const LEGACY_OBJECTS = new Set(['contact', 'company', 'deal', 'ticket']);

/**
 * The webhook subscriptions the app's manifest declares, set on the sandbox's app as uploading the
 * HubSpot project would set them on HubSpot. Only creation, deletion and property changes: the
 * sandbox sends no merge events.
 */
export async function subscribeSandboxWebhooks(
  sandboxUrl: string,
  appId: number,
  subscriptions: { subscriptionType: string; objectType: string; propertyName?: string; active: boolean }[],
): Promise<void> {
  const wanted = subscriptions
    .filter((s) => s.active && /^object\.(creation|deletion|propertyChange)$/.test(s.subscriptionType))
    .map((s) => {
      const action = s.subscriptionType.slice('object.'.length);
      const base = LEGACY_OBJECTS.has(s.objectType)
        ? { eventType: `${s.objectType}.${action}` }
        : { eventType: s.subscriptionType, objectTypeId: OBJECT_TYPE_IDS[s.objectType] };
      return { ...base, ...(s.propertyName ? { propertyName: s.propertyName } : {}), active: true };
    })
    .filter((s) => !('objectTypeId' in s) || s.objectTypeId !== undefined);
  const response = await fetch(`${sandboxUrl}/_sandbox/apps/${appId}/webhooks`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ subscriptions: wanted }),
  });
  if (!response.ok)
    throw new Error(`the sandbox refused the webhook subscriptions: ${await response.text()}`);
}

export interface SandboxUsageEvent {
  eventId: string;
  contactId: string;
  type: 'session' | 'feature_use';
  feature?: string;
  minutes: number;
  occurredAt: Date;
}

/**
 * Sends the demo product's usage events to the app's usage intake, in batches of 1,000, as a
 * customer's own product would.
 */
export async function forwardUsageEvents(
  productUrl: string,
  apiKey: string,
  events: readonly SandboxUsageEvent[],
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  for (let i = 0; i < events.length; i += 1000) {
    const batch = events.slice(i, i + 1000).map((e) => ({
      eventId: e.eventId,
      contact: { id: e.contactId },
      occurredAt: e.occurredAt.toISOString(),
      name: e.type === 'session' ? 'session' : (e.feature ?? 'feature'),
      durationSeconds: Math.round(e.minutes * 60),
    }));
    const response = await fetch(`${productUrl}/api/v1/usage-events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ events: batch }),
    });
    if (!response.ok)
      throw new Error(`the usage intake answered ${response.status}: ${await response.text()}`);
    onProgress?.(Math.min(i + 1000, events.length), events.length);
  }
}
