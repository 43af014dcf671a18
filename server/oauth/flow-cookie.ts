import type { Request, Response } from 'express';
import { readCookie } from '../api/sign-in/session-guard.js';
import { newBrowserNonce, STATE_TTL_MS } from './install-state.js';

/** The cookie that ties a round trip through the CRM's authorize page to the browser that began it. */
export const FLOW_COOKIE = 'churn_oauth_flow';
/** Sent only to the callback, the one place that reads it. */
const FLOW_COOKIE_PATH = '/oauth/callback';

function cookieOptions(publicUrl: string) {
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: publicUrl.startsWith('https:'),
    path: FLOW_COOKIE_PATH,
  };
}

/**
 * Starts a round trip: sets a fresh nonce in a short-lived cookie (HttpOnly, SameSite=Lax, so the
 * CRM's redirect back, a top-level GET, carries it; Secure behind HTTPS) and returns the nonce for
 * the state, which holds only its hash.
 */
export function startBrowserFlow(res: Response, publicUrl: string): string {
  const nonce = newBrowserNonce();
  res.cookie(FLOW_COOKIE, nonce, { ...cookieOptions(publicUrl), maxAge: STATE_TTL_MS });
  return nonce;
}

/** Ends a round trip at the callback: the browser's nonce (if it sent one), its cookie cleared. */
export function finishBrowserFlow(req: Request, res: Response, publicUrl: string): string | undefined {
  const nonce = readCookie(req, FLOW_COOKIE);
  if (nonce !== undefined) res.clearCookie(FLOW_COOKIE, cookieOptions(publicUrl));
  return nonce;
}
