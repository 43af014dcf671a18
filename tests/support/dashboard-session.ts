import { flowCookie } from './product-server.js';

/**
 * A dashboard sign-in walked over HTTP as a browser would: the product's `/app/login`, the CRM's
 * authorize page (approved for `portalId`), and back to the product's callback, which sets the
 * session cookie. Returns the cookie and the session's CSRF token for API calls.
 */
export interface DashboardSession {
  cookie: string;
  csrfToken: string;
  portalId: number;
  setCookie: string;
}

export function signInToDashboard(productUrl: string, hubId: number): Promise<DashboardSession> {
  return signIn(productUrl, '/app/login', { portalId: String(hubId), decision: 'approve' });
}

/** The same through Salesforce's authorize page, approved for the org's admin. */
export function signInToSalesforceDashboard(productUrl: string, orgId: string): Promise<DashboardSession> {
  return signIn(productUrl, '/app/login?crm=salesforce', { orgId, decision: 'allow' });
}

async function signIn(
  productUrl: string,
  loginPath: string,
  consentFields: Record<string, string>,
): Promise<DashboardSession> {
  const start = await fetch(`${productUrl}${loginPath}`, { redirect: 'manual' });
  if (start.status !== 302) throw new Error(`${loginPath} answered ${start.status}`);
  const flow = flowCookie(start);
  const authorize = new URL(start.headers.get('location')!);
  const consent = await fetch(`${authorize.origin}${authorize.pathname}`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ ...Object.fromEntries(authorize.searchParams), ...consentFields }),
  });
  if (consent.status !== 302) throw new Error(`consent answered ${consent.status}: ${await consent.text()}`);
  const callback = await fetch(consent.headers.get('location')!, {
    redirect: 'manual',
    headers: { cookie: flow },
  });
  const setCookie = callback.headers.getSetCookie().find((c) => c.startsWith('churn_session=')) ?? '';
  if (callback.status !== 302 || !setCookie) {
    throw new Error(`the sign-in callback answered ${callback.status}: ${await callback.text()}`);
  }
  const cookie = setCookie.split(';')[0]!;
  const session = await fetch(`${productUrl}/api/v1/session`, { headers: { cookie } });
  const body = (await session.json()) as { csrfToken: string; portal: { id: number } };
  return { cookie, csrfToken: body.csrfToken, portalId: body.portal.id, setCookie };
}

/** A JSON call with the session's cookie (and its CSRF token on changes). */
export async function dashboardCall<T = unknown>(
  productUrl: string,
  session: Pick<DashboardSession, 'cookie' | 'csrfToken'>,
  path: string,
  init: { method?: string; body?: unknown; csrf?: boolean } = {},
): Promise<{ status: number; body: T; headers: Headers; text: string }> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { cookie: session.cookie };
  if (method !== 'GET' && init.csrf !== false) headers['x-csrf-token'] = session.csrfToken;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${productUrl}${path}`, {
    method,
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (a CSV export, an HTML page): the text is there
  }
  return { status: response.status, body: body as T, headers: response.headers, text };
}
