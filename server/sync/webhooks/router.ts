import express, { Router } from 'express';
import { ServiceUnavailableError } from '../../errors.js';
import { parseWebhookBatch } from './events.js';
import { acceptWebhookEvents, type WebhookIntakeDeps } from './intake.js';
import { verifySignatureV3 } from '../../crm/hubspot/request-signature.js';

export const HUBSPOT_WEBHOOK_PATH = '/webhooks/hubspot';

export interface WebhookRouterDeps extends WebhookIntakeDeps {
  /** Absent until the HubSpot app's credentials are configured. */
  clientSecret: string | undefined;
  /** The address HubSpot calls us at; the signed URI is this plus the path and query as received. */
  publicUrl: string;
  now?: () => number;
}

/**
 * `POST /webhooks/hubspot`. The signature covers the exact bytes HubSpot sent, so this router reads
 * the raw body itself and must be mounted before any JSON body parser.
 */
export function hubspotWebhookRouter(deps: WebhookRouterDeps): Router {
  const router = Router();
  const base = deps.publicUrl.replace(/\/+$/, '');

  router.post(HUBSPOT_WEBHOOK_PATH, express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    if (!deps.clientSecret) {
      throw new ServiceUnavailableError(
        'not_configured',
        'The HubSpot app is not configured: set HUBSPOT_CLIENT_SECRET.',
      );
    }
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    verifySignatureV3(
      {
        method: req.method,
        uri: base + req.originalUrl,
        rawBody,
        signature: req.get('X-HubSpot-Signature-v3'),
        timestamp: req.get('X-HubSpot-Request-Timestamp'),
      },
      deps.clientSecret,
      deps.now?.(),
    );
    const result = await acceptWebhookEvents(deps, parseWebhookBatch(rawBody));
    res.status(200).json(result);
  });
  return router;
}
