/**
 * The install page an admin sees: `GET /oauth/authorize` (or `/oauth/{portalId}/authorize` to
 * preselect a portal) lists the app and its scopes with Approve and Deny. The form posts back to
 * the same path, which a test or the demo can also do directly:
 * `POST /oauth/authorize` with `client_id, redirect_uri, scope, optional_scope, state, portalId,
 * userId?, decision=approve|deny` answers 302 to `redirect_uri?code=…&state=…` (or
 * `error=access_denied`). The tokens act as `userId`, one of the portal's users (its owners); left
 * out, as the portal's admin.
 */
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { PortalData, SandboxApp, SandboxStore } from '../store.js';
import type { OAuthGrants } from './oauth-grants.js';

const SCOPE_LIST = /^[A-Za-z0-9._-]+( [A-Za-z0-9._-]+)*$/;

const authorizeFields = z.object({
  client_id: z.string().min(1, 'client_id is required'),
  redirect_uri: z.string().min(1, 'redirect_uri is required'),
  scope: z.string().trim().regex(SCOPE_LIST, 'scope must be a space-separated list of scopes'),
  optional_scope: z
    .string()
    .trim()
    .regex(SCOPE_LIST, 'optional_scope must be a space-separated list of scopes')
    .optional()
    .or(z.literal('')),
  state: z.string().optional(),
  portalId: z.coerce.number().int().positive().optional(),
  userId: z
    .union([z.literal(''), z.coerce.number().int().positive()])
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
  decision: z.enum(['approve', 'deny']).optional(),
});
type AuthorizeFields = z.infer<typeof authorizeFields>;

function escapeHtml(value: string): string {
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
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) target.searchParams.set(name, value);
  res.redirect(302, target.toString());
}

function scopesOf(fields: AuthorizeFields): string[] {
  const optional = fields.optional_scope ? fields.optional_scope.split(' ') : [];
  return [...new Set([...fields.scope.split(' '), ...optional])];
}

function consentForm(store: SandboxStore, app: SandboxApp, fields: AuthorizeFields, action: string): string {
  const hidden = (['client_id', 'redirect_uri', 'scope', 'optional_scope', 'state'] as const)
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(fields[name] ?? '')}">`)
    .join('');
  const portals = [...store.portals.values()]
    .map(
      (portal) =>
        `<option value="${portal.portalId}"${portal.portalId === fields.portalId ? ' selected' : ''}>` +
        `${portal.portalId} — ${escapeHtml(portal.domain)}</option>`,
    )
    .join('');
  const scopes = scopesOf(fields)
    .map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`)
    .join('');
  return (
    `<p>App <strong>${app.appId}</strong> (client <code>${escapeHtml(app.clientId)}</code>) asks for:</p>` +
    `<ul>${scopes}</ul><form method="post" action="${escapeHtml(action)}">${hidden}` +
    `<p><label>Install in portal <select name="portalId">${portals}</select></label></p>` +
    `<p><label>Continue as <select name="userId">${userOptions(store, fields)}</select></label></p>` +
    '<button name="decision" value="approve">Approve</button>' +
    '<button name="decision" value="deny">Deny</button></form>'
  );
}

/** The portals' users, each under its portal; the first, empty choice is the chosen portal's admin. */
function userOptions(store: SandboxStore, fields: AuthorizeFields): string {
  const portals = [...store.portals.values()].filter(
    (portal) => fields.portalId === undefined || portal.portalId === fields.portalId,
  );
  const users = (portal: PortalData) =>
    [...portal.owners.values()]
      .filter((owner) => !owner.archived)
      .map(
        (owner) =>
          `<option value="${owner.userId}"${owner.userId === fields.userId ? ' selected' : ''}>` +
          `${escapeHtml(`${owner.firstName} ${owner.lastName}`)} (${escapeHtml(owner.email)})</option>`,
      )
      .join('');
  return (
    '<option value="">the portal’s admin</option>' +
    portals
      .map((portal) => `<optgroup label="Portal ${portal.portalId}">${users(portal)}</optgroup>`)
      .join('')
  );
}

export function createAuthorizeRouter(store: SandboxStore, grants: OAuthGrants): express.Router {
  const router = express.Router();
  const paths = ['/oauth/authorize', '/oauth/:portalId/authorize'];

  const handle = (req: Request, res: Response): void => {
    const input = { ...(req.method === 'POST' ? req.body : req.query) } as Record<string, unknown>;
    if (req.params.portalId && input.portalId === undefined) input.portalId = req.params.portalId;
    const parsed = authorizeFields.safeParse(input);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `<li>${escapeHtml(issue.message)}</li>`).join('');
      return page(res, 400, 'This install link is not valid', `<ul>${problems}</ul>`);
    }
    const fields = parsed.data;
    const app = store.appByClientId(fields.client_id);
    if (!app) return page(res, 400, 'Unknown app', '<p>No app has this client_id.</p>');
    if (!app.redirectUris.includes(fields.redirect_uri)) {
      return page(
        res,
        400,
        'Redirect URL mismatch',
        "<p>redirect_uri is not one of this app's redirect URLs.</p>",
      );
    }
    if (req.method === 'GET' || !fields.decision) {
      return page(
        res,
        200,
        'Connect an app to your HubSpot account',
        consentForm(store, app, fields, req.path),
      );
    }
    if (fields.decision === 'deny') {
      return redirectWith(res, fields.redirect_uri, { error: 'access_denied', state: fields.state });
    }
    const portal = fields.portalId === undefined ? undefined : store.portal(fields.portalId);
    if (!portal) {
      return page(res, 400, 'Unknown portal', '<p>Choose a portal that exists in this sandbox.</p>');
    }
    const user = fields.userId === undefined ? portal.adminOwner : portal.ownerOfUser(fields.userId);
    if (!user) {
      return page(
        res,
        400,
        'Unknown user',
        `<p>Portal ${portal.portalId} has no active user with this id.</p>`,
      );
    }
    const code = grants.approve(app, portal.portalId, fields.redirect_uri, scopesOf(fields), user.userId);
    redirectWith(res, fields.redirect_uri, { code, state: fields.state });
  };

  router.get(paths, handle);
  router.post(paths, express.urlencoded({ extended: false }), handle);
  return router;
}
