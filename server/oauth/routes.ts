import { Router, type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/index.js';
import { json } from '../db/json.js';
import { upsertInstalledPortal } from '../db/portals.js';
import { ServiceUnavailableError } from '../errors.js';
import type { Queues } from '../jobs/queues.js';
import type { Logger } from '../logger.js';
import { OAuthRequestError, type HubSpotOAuth } from './hubspot-oauth.js';
import { InvalidStateError, type InstallState } from './install-state.js';
import { installedPage, installFailedPage } from './pages.js';
import type { TokenVault } from './token-vault.js';

export interface OAuthRoutesDeps {
  /** Absent until the HubSpot app's credentials are configured. */
  hubspot: { oauth: HubSpotOAuth; vault: TokenVault } | undefined;
  installState: InstallState;
  scopes: { required: string[]; optional: string[] };
  db: Kysely<Database>;
  queues: Queues;
  logger: Logger;
  dashboardUrl: string;
  /** Finishes a dashboard sign-in: the callback is shared, the state says which round trip it ends. */
  completeSignIn?: (code: string, res: Response) => Promise<void>;
}

const callbackQuery = z.union([
  z.object({ code: z.string().min(1), state: z.string().min(1) }),
  z.object({
    error: z.string().min(1),
    error_description: z.string().optional(),
    state: z.string().optional(),
  }),
]);

/** `/oauth/install` starts an install; `/oauth/callback` finishes it. */
export function oauthRouter(deps: OAuthRoutesDeps): Router {
  const router = Router();

  router.get('/oauth/install', (_req, res) => {
    const { oauth } = configured(deps);
    const url = oauth.authorizeUrl({
      state: deps.installState.issue(),
      scopes: deps.scopes.required,
      optionalScopes: deps.scopes.optional,
    });
    res.redirect(302, url);
  });

  router.get('/oauth/callback', async (req: Request, res: Response) => {
    const { oauth, vault } = configured(deps);
    const fail = (status: number, reason: string) =>
      res.status(status).type('html').send(installFailedPage(reason, '/oauth/install'));

    const query = callbackQuery.safeParse(req.query);
    if (!query.success) return fail(400, 'The CRM sent back an answer we cannot read.');
    try {
      if ('error' in query.data) {
        const purpose = query.data.state ? await deps.installState.consume(query.data.state) : 'install';
        if (purpose === 'login') return res.redirect(302, '/app/?signin=denied');
        const denied = query.data.error === 'access_denied';
        return fail(
          denied ? 403 : 400,
          denied
            ? 'Access was not granted, so the app was not installed.'
            : `The CRM answered: ${query.data.error_description ?? query.data.error}.`,
        );
      }
      const purpose = await deps.installState.consume(query.data.state);
      if (purpose === 'login') {
        if (!deps.completeSignIn) return fail(400, 'This server does not offer dashboard sign-in.');
        return await deps.completeSignIn(query.data.code, res);
      }
      const tokens = await oauth.exchangeCode(query.data.code);
      const info = await oauth.introspect(tokens.access_token);
      const hubId = info.hub_id ?? tokens.hub_id;
      if (!info.active || hubId === undefined)
        return fail(400, 'The CRM gave us a token that is not active.');

      const portal = await upsertInstalledPortal(deps.db, {
        crm: 'hubspot',
        externalId: String(hubId),
        name: info.hub_domain ?? `HubSpot portal ${hubId}`,
        domain: info.hub_domain ?? null,
      });
      const userId = info.user_id ?? tokens.user_id;
      await vault.store(portal.id, tokens, userId === undefined ? undefined : String(userId));
      await deps.db
        .insertInto('audit_log')
        .values({
          portal_id: portal.id,
          actor: info.user ?? `user:${userId ?? 'unknown'}`,
          action: 'portal.installed',
          details: json({ hubId, scopes: tokens.scopes ?? info.scopes ?? [] }),
        })
        .execute();
      await deps.queues.get('system').add('bootstrap-portal', { portalId: portal.id });
      deps.logger.info({ portalId: portal.id, hubId }, 'portal installed');
      return res
        .type('html')
        .send(installedPage({ portalName: portal.name, dashboardUrl: deps.dashboardUrl }));
    } catch (error) {
      if (error instanceof InvalidStateError) return fail(400, error.message);
      if (error instanceof OAuthRequestError) {
        return fail(400, `The CRM refused to complete the install (${error.error}: ${error.message}).`);
      }
      throw error;
    }
  });

  return router;
}

function configured(deps: OAuthRoutesDeps): NonNullable<OAuthRoutesDeps['hubspot']> {
  if (!deps.hubspot) {
    throw new ServiceUnavailableError(
      'not_configured',
      'The HubSpot app is not configured: set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET.',
    );
  }
  return deps.hubspot;
}
