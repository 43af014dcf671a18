/**
 * The page a Salesforce user sees when an app asks for access: `GET /services/oauth2/authorize`
 * (response_type=code, client_id, redirect_uri, state, scope, code_challenge,
 * code_challenge_method=S256) names the app and its scopes, and lets the user pick the org and the
 * user to log in as, then Allow or Deny. The form posts back to the same path, which a test can
 * also do directly with `orgId`, `userId` (the org's admin when left out) and
 * `decision=allow|deny`: the answer is a 302 to `redirect_uri?code=…&state=…`, or
 * `error=access_denied`.
 */
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { findUser, type ConnectedApp, type SalesforceAuth } from '../auth.js';
import type { SalesforceStore } from '../store.js';

const SCOPE_LIST = /^[A-Za-z0-9_]+( +[A-Za-z0-9_]+)*$/;

const authorizeFields = z.object({
  response_type: z.string().optional(),
  client_id: z.string().min(1, 'client_id is required'),
  redirect_uri: z.string().min(1, 'redirect_uri is required'),
  state: z.string().optional(),
  scope: z.string().trim().regex(SCOPE_LIST, 'scope must be a space-separated list of scopes').optional(),
  code_challenge: z.string().optional(),
  code_challenge_method: z.string().optional(),
  orgId: z.string().optional(),
  userId: z.string().optional(),
  decision: z.enum(['allow', 'deny']).optional(),
});
type AuthorizeFields = z.infer<typeof authorizeFields>;

/** A PKCE challenge: base64url of a SHA-256, 43 characters. */
const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
        '<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;line-height:1.5}' +
        'button{font-size:1rem;padding:.4rem 1.2rem;margin-right:.5rem}</style></head>' +
        `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    );
}

function redirectWith(res: Response, redirectUri: string, params: Record<string, string | undefined>): void {
  const target = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) target.searchParams.set(name, value);
  }
  res.redirect(302, target.toString());
}

function consentForm(
  store: SalesforceStore,
  app: ConnectedApp,
  fields: AuthorizeFields,
  scope: string,
): string {
  const hidden = (
    [
      'response_type',
      'client_id',
      'redirect_uri',
      'state',
      'scope',
      'code_challenge',
      'code_challenge_method',
    ] as const
  )
    .filter((name) => fields[name] !== undefined)
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(fields[name] ?? '')}">`)
    .join('');
  const orgs = [...store.orgs.values()];
  const orgOptions = orgs
    .map(
      (org) =>
        `<option value="${org.orgId}"${org.orgId === fields.orgId ? ' selected' : ''}>` +
        `${escapeHtml(org.name)} (${org.orgId})</option>`,
    )
    .join('');
  const userOptions = orgs
    .flatMap((org) =>
      [...org.users.values()]
        .filter((user) => user.IsActive)
        .map(
          (user) =>
            `<option value="${user.Id}"${user.Id === fields.userId ? ' selected' : ''}>` +
            `${escapeHtml(user.Username)} — ${escapeHtml(org.name)}</option>`,
        ),
    )
    .join('');
  const scopes = scope
    .split(' ')
    .map((name) => `<li><code>${escapeHtml(name)}</code></li>`)
    .join('');
  return (
    `<p><strong>${escapeHtml(app.name ?? app.clientId)}</strong> is requesting permission to:</p>` +
    `<ul>${scopes}</ul><form method="post" action="/services/oauth2/authorize">${hidden}` +
    `<p><label>Org <select name="orgId">${orgOptions}</select></label></p>` +
    `<p><label>Log in as <select name="userId">${userOptions}</select></label></p>` +
    '<button name="decision" value="allow">Allow</button>' +
    '<button name="decision" value="deny">Deny</button></form>'
  );
}

export function createAuthorizeRouter(store: SalesforceStore, auth: SalesforceAuth): express.Router {
  const router = express.Router();
  const path = '/services/oauth2/authorize';

  const handle = (req: Request, res: Response): void => {
    const input: unknown = req.method === 'POST' ? (req.body ?? {}) : req.query;
    const parsed = authorizeFields.safeParse(input);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `<li>${escapeHtml(issue.message)}</li>`).join('');
      return page(res, 400, 'OAuth error', `<ul>${problems}</ul>`);
    }
    const fields = parsed.data;
    const app = auth.app(fields.client_id);
    if (!app)
      return page(res, 400, 'OAuth error', '<p>error=invalid_client_id: client identifier invalid</p>');
    if (!app.redirectUris.includes(fields.redirect_uri)) {
      return page(
        res,
        400,
        'OAuth error',
        '<p>error=redirect_uri_mismatch: redirect_uri must match configuration</p>',
      );
    }
    const refuse = (error: string, description: string) =>
      redirectWith(res, fields.redirect_uri, { error, error_description: description, state: fields.state });
    if (fields.response_type !== 'code')
      return refuse('unsupported_response_type', 'response type not supported');
    if (fields.code_challenge_method !== undefined && fields.code_challenge_method !== 'S256') {
      return refuse('invalid_request', 'code_challenge_method must be S256');
    }
    if (fields.code_challenge !== undefined && !CODE_CHALLENGE.test(fields.code_challenge)) {
      return refuse('invalid_request', 'invalid code_challenge');
    }
    const allowed = auth.scopesOf(app);
    const scope = fields.scope ? fields.scope.split(/ +/).join(' ') : allowed.join(' ');
    if (scope.split(' ').some((name) => !allowed.includes(name))) {
      return refuse('invalid_scope', 'the requested scope is not allowed');
    }
    if (req.method === 'GET' || !fields.decision) {
      return page(
        res,
        200,
        `Allow access to ${app.name ?? app.clientId}?`,
        consentForm(store, app, fields, scope),
      );
    }
    if (fields.decision === 'deny') return refuse('access_denied', 'end-user denied authorization');
    const org = fields.orgId ? store.org(fields.orgId) : undefined;
    if (!org) return page(res, 400, 'Unknown org', '<p>Choose an org that exists in this sandbox.</p>');
    const user = fields.userId ? findUser(org, fields.userId) : org.adminUser;
    if (!user?.IsActive) {
      return page(res, 400, 'Unknown user', '<p>Choose an active user of the chosen org.</p>');
    }
    const code = auth.approve({
      clientId: app.clientId,
      redirectUri: fields.redirect_uri,
      orgId: org.orgId,
      userId: user.Id,
      scope,
      codeChallenge: fields.code_challenge,
    });
    redirectWith(res, fields.redirect_uri, { code, state: fields.state });
  };

  router.get(path, handle);
  router.post(path, express.urlencoded({ extended: false }), handle);
  return router;
}
