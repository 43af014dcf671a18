import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';

export class AdminOnlyError extends AppError {
  constructor(message: string) {
    super(403, 'admin_only', message);
  }
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Who may use the admin routes until the dashboard has sign-in: someone on this machine, outside
 * production. `req.ip` honours X-Forwarded-For only from a loopback proxy (the app's `trust proxy`
 * setting), so a request relayed by a local reverse proxy counts as its real, remote client.
 * In production every admin route is refused; dashboard sign-in replaces this guard.
 */
export function loopbackAdminGuard(env: 'development' | 'production' | 'test'): RequestHandler {
  return (req, _res, next) => {
    if (env === 'production') {
      throw new AdminOnlyError('Admin routes need dashboard sign-in, which this server does not offer yet.');
    }
    if (!LOOPBACK.has(req.ip ?? '')) {
      throw new AdminOnlyError('Admin routes answer only requests from this machine.');
    }
    next();
  };
}
