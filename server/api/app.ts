import express, { type Express } from 'express';
import type { AppContext } from '../application.js';
import { portalAdminRouter } from '../oauth/admin-routes.js';
import { oauthRouter } from '../oauth/routes.js';
import { usageRouter } from '../sync/usage/router.js';
import { hubspotWebhookRouter } from '../sync/webhooks/router.js';
import { loopbackAdminGuard } from './admin-guard.js';
import { dashboardOriginGuard } from './origin-guard.js';
import { cardsRouter } from './cards/router.js';
import { dashboardRouter } from './dashboard/router.js';
import { errorHandler, notFound } from './error-handler.js';
import { healthRouter } from './health.js';
import { reportsRouter } from './reports.js';
import { retentionRouter } from './retention-routes.js';
import { salesforceOrgRouter } from './salesforce-org-routes.js';
import { securityHeaders } from './security-headers.js';
import { surveyRouter } from './survey-routes.js';
import { workflowActionsRouter } from './workflow-actions-routes.js';
import { portalSessionGuard, sessionOrAdminGuard } from './sign-in/session-guard.js';
import { completeSignIn, signInRouter, type SignInDeps } from './sign-in/sign-in-routes.js';
import { recordLinks } from './dashboard/record-links.js';
import { webAppRouter } from './web-app.js';
import { SURVEY_KEY_PURPOSE } from '../workflows/secrets.js';

export type { AppContext };

export function createApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(securityHeaders());
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      ctx.logger.debug({ method: req.method, path: req.path, status: res.statusCode, ms }, 'request');
    });
    next();
  });
  app.use(dashboardOriginGuard(ctx.config.publicUrl));
  // These read their own bodies: the webhook signature covers the raw bytes, and usage batches are
  // authenticated before they are parsed.
  app.use(
    hubspotWebhookRouter({
      clientSecret: ctx.config.hubspot.clientSecret,
      publicUrl: ctx.config.publicUrl,
      db: ctx.db.db,
      work: ctx.work,
      logger: ctx.logger,
    }),
  );
  // The dashboard's session where there is one; the operator on this machine otherwise.
  const sessionOrAdmin = sessionOrAdminGuard(
    portalSessionGuard(ctx.db.db),
    loopbackAdminGuard(ctx.config.env),
  );
  app.use(
    usageRouter({
      db: ctx.db.db,
      requireAdmin: sessionOrAdmin,
      onContactsTouched: (portalId, contactIds) => ctx.work.rescoreContacts(portalId, contactIds, 'usage'),
    }),
  );
  // Survey links' tokens are derived with this key, so a replayed call can give its link again.
  const surveyKey = ctx.services.cipher.derive(SURVEY_KEY_PURPOSE);
  // The risk card's requests are signed over their raw bodies, like webhooks.
  app.use(
    cardsRouter({
      db: ctx.db.db,
      work: ctx.work,
      clientSecret: ctx.config.hubspot.clientSecret,
      publicUrl: ctx.config.publicUrl,
      surveyKey,
      cardUsers: ctx.services.cardUsers,
      cardViews: ctx.services.cardViews,
    }),
  );
  app.use(
    workflowActionsRouter({
      db: ctx.db.db,
      work: ctx.work,
      clientSecret: ctx.config.hubspot.clientSecret,
      publicUrl: ctx.config.publicUrl,
      surveyKey,
    }),
  );
  app.use(express.json({ limit: '1mb' }));

  app.get('/', (_req, res) => res.json({ name: 'Churn Radar', health: '/healthz' }));
  app.use(healthRouter(ctx));
  const signIn: SignInDeps = {
    db: ctx.db.db,
    crms: ctx.services.crms,
    installState: ctx.services.installState,
    logger: ctx.logger,
    publicUrl: ctx.config.publicUrl,
    scopes: { required: ctx.manifest.auth.requiredScopes, optional: ctx.manifest.auth.optionalScopes },
  };
  app.use(
    oauthRouter({
      crms: ctx.services.crms,
      installState: ctx.services.installState,
      scopes: { required: ctx.manifest.auth.requiredScopes, optional: ctx.manifest.auth.optionalScopes },
      db: ctx.db.db,
      work: ctx.work,
      logger: ctx.logger,
      publicUrl: ctx.config.publicUrl,
      dashboardUrl: `${ctx.config.publicUrl}/app`,
      completeSignIn: (crm, code, state, res) => completeSignIn(signIn, crm, code, state, res),
    }),
  );
  app.use(signInRouter(signIn));
  const dashboardGuard = portalSessionGuard(ctx.db.db);
  app.use(
    dashboardRouter({
      db: ctx.db.db,
      queues: ctx.queues,
      guard: dashboardGuard,
      recordLinks: recordLinks(ctx.db.db, {
        hubspot: ctx.config.hubspot.recordUrl,
        salesforce: ctx.config.salesforce.recordUrl,
      }),
      retention: { work: ctx.work, publicUrl: ctx.config.publicUrl, surveyKey },
      crms: ctx.services.crms,
    }),
  );
  app.use(webAppRouter());

  app.use(
    portalAdminRouter({
      db: ctx.db.db,
      work: ctx.work,
      logger: ctx.logger,
      crms: ctx.services.crms,
      requireAdmin: sessionOrAdmin,
    }),
  );
  app.use(
    salesforceOrgRouter({
      db: ctx.db.db,
      work: ctx.work,
      publicUrl: ctx.config.publicUrl,
      surveyKey,
      cardUsers: ctx.services.cardUsers,
      cardViews: ctx.services.cardViews,
    }),
  );
  app.use(reportsRouter({ db: ctx.db.db, queues: ctx.queues, guard: portalSessionGuard(ctx.db.db) }));

  app.use(
    surveyRouter({
      db: ctx.db.db,
      logger: ctx.logger,
      onAnswered: (portalId, contactId) => ctx.work.rescoreContacts(portalId, [contactId], 'survey'),
    }),
  );
  app.use(
    retentionRouter({
      db: ctx.db.db,
      session: dashboardGuard,
      requireAdmin: loopbackAdminGuard(ctx.config.env),
      work: ctx.work,
    }),
  );

  app.use(notFound);
  app.use(errorHandler(ctx.logger));
  return app;
}
