import { Router, type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { OAuthRequestError } from '../crm/oauth.js';
import type { CrmStacks } from '../crm/registry.js';
import type { CrmKind, Database } from '../db/index.js';
import { json } from '../db/json.js';
import { upsertInstalledPortal } from '../db/portals.js';
import type { Logger } from '../logger.js';
import type { WorkQueue } from '../work-queue.js';
import { finishBrowserFlow, startBrowserFlow } from './flow-cookie.js';
import { ForeignBrowserStateError, InvalidStateError, type InstallState } from './install-state.js';
import { installedPage, installFailedPage, signInFailedPage } from './pages.js';

export interface OAuthRoutesDeps {
  crms: CrmStacks;
  installState: InstallState;
  scopes: { required: string[]; optional: string[] };
  db: Kysely<Database>;
  work: Pick<WorkQueue, 'bootstrapPortal'>;
  logger: Logger;
  /** The server's public address: the round trip's cookie is Secure behind HTTPS. */
  publicUrl: string;
  dashboardUrl: string;
  /**
   * Finishes a dashboard sign-in: the callback is shared, the state says which round trip it ends
   * and through which CRM.
   */
  completeSignIn?: (crm: CrmKind, code: string, state: string, res: Response) => Promise<void>;
}

/** A link may name the CRM (`?crm=hubspot`); with one CRM configured it need not. */
export const crmQuery = z.object({ crm: z.string().min(1).max(40).optional() });

const callbackQuery = z.union([
  z.object({ code: z.string().min(1), state: z.string().min(1) }),
  z.object({
    error: z.string().min(1),
    error_description: z.string().optional(),
    state: z.string().optional(),
  }),
]);

/**
 * `/oauth/install` starts an install in a CRM; `/oauth/callback` finishes it, for every CRM: the
 * state says which CRM's authorize page the admin went through.
 */
export function oauthRouter(deps: OAuthRoutesDeps): Router {
  const router = Router();

  router.get('/oauth/install', (req, res) => {
    const crm = deps.crms.choose(crmQuery.parse(req.query).crm);
    const browser = startBrowserFlow(res, deps.publicUrl);
    const url = deps.crms.stackFor(crm).oauth.authorizeUrl({
      state: deps.installState.issue(browser, { purpose: 'install', crm }),
      scopes: deps.scopes.required,
      optionalScopes: deps.scopes.optional,
    });
    res.redirect(302, url);
  });

  router.get('/oauth/callback', async (req: Request, res: Response) => {
    const fail = (status: number, reason: string) =>
      res.status(status).type('html').send(installFailedPage(reason, '/oauth/install'));

    const browser = finishBrowserFlow(req, res, deps.publicUrl);
    const query = callbackQuery.safeParse(req.query);
    if (!query.success) return fail(400, 'The CRM sent back an answer we cannot read.');
    try {
      if ('error' in query.data) {
        const purpose = query.data.state
          ? (await deps.installState.consume(query.data.state, browser)).purpose
          : 'install';
        if (purpose === 'login') return res.redirect(302, '/app/?signin=denied');
        const denied = query.data.error === 'access_denied';
        return fail(
          denied ? 403 : 400,
          denied
            ? 'Access was not granted, so the app was not installed.'
            : `The CRM answered: ${query.data.error_description ?? query.data.error}.`,
        );
      }
      const use = await deps.installState.consume(query.data.state, browser);
      const crm = deps.crms.choose(use.crm);
      if (use.purpose === 'login') {
        if (!deps.completeSignIn) return fail(400, 'This server does not offer dashboard sign-in.');
        return await deps.completeSignIn(crm, query.data.code, query.data.state, res);
      }
      const { oauth, vault } = deps.crms.stackFor(crm);
      const { grant, identity } = await oauth.exchangeCode(query.data.code, query.data.state);
      const account = identity.account;
      if (!identity.active || !account) return fail(400, 'The CRM gave us a token that is not active.');

      const portal = await upsertInstalledPortal(deps.db, {
        crm,
        externalId: account.id,
        name: account.name,
        domain: account.domain,
      });
      await vault.store(portal.id, grant, identity.userId);
      await deps.db
        .insertInto('audit_log')
        .values({
          portal_id: portal.id,
          actor: identity.userEmail ?? `user:${identity.userId ?? 'unknown'}`,
          action: 'portal.installed',
          details: json({ crm, accountId: account.id, scopes: identity.scopes }),
        })
        .execute();
      await deps.work.bootstrapPortal(portal.id);
      deps.logger.info({ portalId: portal.id, crm, accountId: account.id }, 'portal installed');
      return res
        .type('html')
        .send(installedPage({ portalName: portal.name, dashboardUrl: deps.dashboardUrl }));
    } catch (error) {
      if (error instanceof ForeignBrowserStateError && error.purpose === 'login') {
        return res.status(error.status).type('html').send(signInFailedPage(error.message));
      }
      if (error instanceof InvalidStateError) return fail(error.status, error.message);
      if (error instanceof OAuthRequestError) {
        return fail(400, `The CRM refused to complete the install (${error.error}: ${error.message}).`);
      }
      throw error;
    }
  });

  return router;
}
