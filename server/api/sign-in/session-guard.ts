import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { AppError, NotFoundError, UnauthorizedError } from '../../errors.js';
import { findSession, type Session } from './sessions.js';

export const SESSION_COOKIE = 'churn_session';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class CsrfError extends AppError {
  constructor() {
    super(
      403,
      'csrf_failed',
      'This request lacks the dashboard’s CSRF token; reload the page and try again.',
    );
  }
}

/**
 * The value of one cookie from the request's Cookie header; a value whose percent-escapes do not
 * decode is no cookie at all, as if the browser had not sent it.
 */
export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeCookieValue(part.slice(eq + 1).trim());
  }
  return undefined;
}

function decodeCookieValue(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** The session a route runs under, set by the guard. */
export function sessionOf(res: Response): Session {
  return res.locals.session as Session;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Guards the dashboard's API: a signed-in session is required (401), a `:portalId` in the path must
 * be the session's portal (404, so another portal's existence is not even confirmed), and every
 * request that changes something carries the session's CSRF token in `X-CSRF-Token` (403).
 */
export function portalSessionGuard(db: Kysely<Database>): RequestHandler {
  return async (req, res, next) => {
    const token = readCookie(req, SESSION_COOKIE);
    const session = token ? await findSession(db, token) : undefined;
    if (!session) throw new UnauthorizedError('Sign in to the dashboard first.', 'sign_in_required');
    const portalParam = req.params.portalId;
    if (portalParam !== undefined && portalParam !== String(session.portalId)) {
      throw new NotFoundError(`No installed portal ${portalParam}.`);
    }
    if (!SAFE_METHODS.has(req.method) && !sameToken(req.get(CSRF_HEADER) ?? '', session.csrfToken)) {
      throw new CsrfError();
    }
    res.locals.session = session;
    next();
  };
}

/**
 * For routes that both the dashboard and the operator's own tools call: a request that carries a
 * dashboard session is held to it (its portal, CSRF on changes); any other goes to `admin`.
 */
export function sessionOrAdminGuard(session: RequestHandler, admin: RequestHandler): RequestHandler {
  return (req, res, next) =>
    readCookie(req, SESSION_COOKIE) ? session(req, res, next) : admin(req, res, next);
}
