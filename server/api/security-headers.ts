/**
 * The headers every answer carries (through helmet): a Content-Security-Policy that lets a page
 * load only this server's own scripts, styles, images and API (inline styles allowed: the charts
 * set them), and no page of this server be framed; `X-Content-Type-Options: nosniff`; a referrer
 * sent to this server only. Pages with stricter needs (the survey) set their own policy on top.
 */
import { Router, type RequestHandler } from 'express';
import helmet from 'helmet';

export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * Answers that hold customers' names, emails and scores are kept by no cache, the browser's
 * included: every API answer is one, or may be.
 */
const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

export function securityHeaders(): Router {
  const router = Router();
  router.use(
    helmet({
      // Written out in full: helmet's defaults would add upgrade-insecure-requests, which breaks a
      // server reached over plain http on this machine.
      contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
      frameguard: { action: 'deny' },
      // `no-referrer` would also blank the Origin of the dashboard's own POSTs, which the origin
      // check reads; `same-origin` keeps it and sends nothing to other sites.
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  router.use('/api', noStore);
  return router;
}
