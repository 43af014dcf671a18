import { Router, type Response } from 'express';
import type { Kysely } from 'kysely';
import { OAuthRequestError } from '../../crm/oauth.js';
import type { CrmStacks } from '../../crm/registry.js';
import type { CrmKind, Database } from '../../db/schema.js';
import { json } from '../../db/json.js';
import { findPortal, findPortalByExternalId } from '../../db/portals.js';
import type { Logger } from '../../logger.js';
import type { InstallState } from '../../oauth/install-state.js';
import { startBrowserFlow } from '../../oauth/flow-cookie.js';
import { signInFailedPage } from '../../oauth/pages.js';
import { crmQuery } from '../../oauth/routes.js';
import { portalSessionGuard, readCookie, SESSION_COOKIE } from './session-guard.js';
import { createSession, endSession, findSession, SESSION_TTL_MS } from './sessions.js';

export interface SignInDeps {
  db: Kysely<Database>;
  crms: Pick<CrmStacks, 'stackFor' | 'choose' | 'nameOf'>;
  installState: InstallState;
  logger: Logger;
  publicUrl: string;
  /** The app's scopes: the CRM's authorize page asks for the same ones as the install. */
  scopes: { required: string[]; optional: string[] };
}

export class SignInError extends Error {
  readonly code = 'sign_in_failed';
}

function setSessionCookie(res: Response, deps: SignInDeps, token: string): void {
  res.cookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: deps.publicUrl.startsWith('https:'),
    path: '/',
    maxAge: SESSION_TTL_MS,
  });
}

/**
 * The end of a sign-in round trip through the CRM's authorize page: the code is exchanged, the
 * token says which portal and which user; the portal must have the app installed, and the user
 * must be one of that portal's users (the CRM issues the token only then). Starts a session.
 */
export async function completeSignIn(
  deps: SignInDeps,
  crm: CrmKind,
  code: string,
  state: string,
  res: Response,
): Promise<void> {
  const { oauth } = deps.crms.stackFor(crm);
  const fail = (status: number, reason: string) =>
    res.status(status).type('html').send(signInFailedPage(reason));
  let identity;
  try {
    identity = (await oauth.exchangeCode(code, state)).identity;
  } catch (error) {
    if (error instanceof OAuthRequestError)
      return void fail(400, `The CRM refused the sign-in (${error.message}).`);
    throw error;
  }
  const { account, userId } = identity;
  if (!identity.active || !account || userId === undefined) {
    return void fail(400, 'The CRM did not confirm who you are.');
  }
  if (!identity.issuedToOurApp) {
    return void fail(400, 'The CRM issued this sign-in to another app.');
  }
  const portal = await findPortalByExternalId(deps.db, crm, account.id);
  if (!portal || portal.status !== 'active') {
    return void fail(
      403,
      `Churn Radar is not installed in ${deps.crms.nameOf(crm)} account ${account.id}. Install it first.`,
    );
  }
  const { token } = await createSession(deps.db, {
    portalId: portal.id,
    userId,
    userEmail: identity.userEmail ?? null,
  });
  await deps.db
    .insertInto('audit_log')
    .values({
      portal_id: portal.id,
      actor: identity.userEmail ?? `user:${userId}`,
      action: 'dashboard.signed_in',
      details: json({}),
    })
    .execute();
  deps.logger.info({ portalId: portal.id, userId }, 'dashboard sign-in');
  setSessionCookie(res, deps, token);
  res.redirect(302, '/app/');
}

/**
 * `/app/login` sends the browser to the CRM's authorize page with a state marked for sign-in and
 * bound to this browser's round-trip cookie (the callback is the app's one OAuth redirect URL); `/api/v1/session` tells the dashboard who is
 * signed in and its CSRF token; `POST /api/v1/session/logout` ends the session.
 */
export function signInRouter(deps: SignInDeps): Router {
  const router = Router();
  router.get('/app/login', (req, res) => {
    const crm = deps.crms.choose(crmQuery.parse(req.query).crm);
    const browser = startBrowserFlow(res, deps.publicUrl);
    const url = deps.crms.stackFor(crm).oauth.authorizeUrl({
      state: deps.installState.issue(browser, { purpose: 'login', crm }),
      scopes: deps.scopes.required,
      optionalScopes: deps.scopes.optional,
      // A portal named in the link goes to the CRM's page for that account, so the user does not
      // pick the account again.
      ...(typeof req.query.portal === 'string' ? { account: req.query.portal } : {}),
    });
    res.redirect(302, url);
  });

  const guard = portalSessionGuard(deps.db);
  // Answers 200 either way: "not signed in" is the dashboard's normal first state, not an error.
  router.get('/api/v1/session', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const token = readCookie(req, SESSION_COOKIE);
    const session = token ? await findSession(deps.db, token) : undefined;
    const portal = session ? await findPortal(deps.db, session.portalId) : undefined;
    if (!session || !portal) return void res.json({ signedIn: false });
    res.json({
      signedIn: true,
      portal: { id: portal.id, hubId: portal.external_id, name: portal.name, domain: portal.domain },
      user: { id: session.userId, email: session.userEmail },
      csrfToken: session.csrfToken,
      expiresAt: session.expiresAt.toISOString(),
    });
  });
  router.post('/api/v1/session/logout', guard, async (req, res) => {
    const token = readCookie(req, SESSION_COOKIE);
    if (token) await endSession(deps.db, token);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });
  return router;
}
