/**
 * The token endpoints: `POST /services/oauth2/token` (form-encoded; `authorization_code` with PKCE,
 * and `refresh_token`) and `POST|GET /services/oauth2/revoke` (`token=` an access or refresh
 * token). Errors are Salesforce's `{error, error_description}` with status 400.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { OAuthError, type SalesforceAuth, type TokenForm } from '../auth.js';

const tokenForm = z.object({
  grant_type: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  code: z.string().optional(),
  redirect_uri: z.string().optional(),
  code_verifier: z.string().optional(),
  refresh_token: z.string().optional(),
  format: z.string().optional(),
});

const revokeForm = z.object({ token: z.string().min(1) });

function formOf(req: Request): TokenForm {
  const parsed = tokenForm.safeParse(req.body ?? {});
  if (!parsed.success) throw new OAuthError('invalid_request', 'each parameter must appear once, as text');
  return parsed.data;
}

function oauthErrors(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (error instanceof OAuthError) {
    res.status(error.httpStatus).set('Cache-Control', 'no-store').json(error.body());
    return;
  }
  const type = (error as { type?: unknown }).type;
  if (typeof type === 'string' && type.startsWith('entity.')) {
    res.status(400).json(new OAuthError('invalid_request', 'the request body could not be read').body());
    return;
  }
  next(error);
}

export function createTokenRouter(auth: SalesforceAuth): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '100kb' });

  router.post('/services/oauth2/token', form, (req, res) => {
    res.set('Cache-Control', 'no-store').json(auth.token(formOf(req)));
  });

  const revoke = (req: Request, res: Response): void => {
    const parsed = revokeForm.safeParse(req.method === 'POST' ? (req.body ?? {}) : req.query);
    if (!parsed.success || !auth.revoke(parsed.data.token)) {
      throw new OAuthError('unsupported_token_type', 'this token type is not supported');
    }
    res.status(200).end();
  };
  router.post('/services/oauth2/revoke', form, revoke);
  router.get('/services/oauth2/revoke', revoke);

  router.use('/services/oauth2', oauthErrors);
  return router;
}
