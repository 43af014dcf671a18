/**
 * Starts the sandbox for a test on an ephemeral loopback port, with one registered app, and
 * installs that app in a portal the way an admin would: the consent form is posted, the code from
 * the redirect is exchanged for tokens at the token endpoint.
 */
import { Client } from '@hubspot/api-client';
import { startSandbox, type RunningSandbox, type StartSandboxOptions } from '../../sandbox/main.js';
import type { SandboxApp } from '../../sandbox/store.js';

export const TEST_APP: SandboxApp = {
  appId: 3101,
  clientId: 'churn-radar-test-client',
  clientSecret: 'churn-radar-test-secret',
  redirectUris: ['http://127.0.0.1:9/oauth/callback'],
};

/** Every scope the product asks for, as its manifest would. */
export const ALL_SCOPES = [
  'oauth',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.objects.companies.read',
  'crm.objects.deals.read',
  'tickets',
  'sales-email-read',
  'crm.objects.feedback_submissions.read',
  'crm.schemas.contacts.write',
];

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: string;
  token_use: string;
  hub_id: number;
  user_id: number;
  scopes: string[];
}

/** Rate limits high enough that a test about something else never meets them. */
export const NO_LIMITS = { tenSecondlyMax: 1_000_000, searchPerSecond: 1_000_000 };

export async function startTestSandbox(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  return startSandbox({ apps: [TEST_APP], portals: [101, 202], ...options });
}

/** Approves the install on the consent form and returns the code from the redirect. */
export async function approveInstall(
  url: string,
  portalId: number,
  scopes: string[],
  app: SandboxApp = TEST_APP,
  state = 'test-state',
): Promise<string> {
  const response = await fetch(`${url}/oauth/${portalId}/authorize`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({
      client_id: app.clientId,
      redirect_uri: app.redirectUris[0]!,
      scope: scopes.join(' '),
      state,
      portalId: String(portalId),
      decision: 'approve',
    }),
  });
  if (response.status !== 302)
    throw new Error(`approve answered ${response.status}: ${await response.text()}`);
  const code = new URL(response.headers.get('location')!).searchParams.get('code');
  if (!code) throw new Error('the redirect carried no code');
  return code;
}

export async function postForm(url: string, path: string, form: Record<string, string>): Promise<Response> {
  return fetch(`${url}${path}`, { method: 'POST', body: new URLSearchParams(form) });
}

/** The whole install: consent, then the code exchanged at `/oauth/2026-03/token`. */
export async function installApp(
  url: string,
  portalId: number,
  scopes: string[] = ALL_SCOPES,
  app: SandboxApp = TEST_APP,
): Promise<Tokens> {
  const code = await approveInstall(url, portalId, scopes, app);
  const response = await postForm(url, '/oauth/2026-03/token', {
    grant_type: 'authorization_code',
    client_id: app.clientId,
    client_secret: app.clientSecret,
    redirect_uri: app.redirectUris[0]!,
    code,
  });
  if (response.status !== 200) throw new Error(`token exchange answered ${response.status}`);
  return (await response.json()) as Tokens;
}

/** The real SDK, pointed at the sandbox. */
export function hubspotClient(url: string, accessToken: string): Client {
  return new Client({ accessToken, basePath: url });
}

export interface ApiAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** A JSON call with a bearer token, returning status, headers and the parsed body. */
export async function callApi<T = Record<string, unknown>>(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer<T>> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : undefined) as T,
  };
}
