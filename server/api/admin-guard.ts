import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';

export class AdminOnlyError extends AppError {
  constructor(message: string) {
    super(403, 'admin_only', message);
  }
}

/**
 * The header every admin call without a dashboard session carries (`X-Churn-Radar-Admin: 1`). A
 * page of another site cannot add a custom header without a CORS preflight, which this server never
 * grants, so a browser the operator uses cannot make such a call on a visited page's behalf.
 */
export const ADMIN_HEADER = 'X-Churn-Radar-Admin';
export const ADMIN_HEADER_VALUE = '1';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Who may use the admin routes until the dashboard has sign-in: someone on this machine, outside
 * production, whose call names itself with the admin header. `req.ip` honours X-Forwarded-For only
 * from a loopback proxy (the app's `trust proxy` setting), so a request relayed by a local reverse
 * proxy counts as its real, remote client. In production every admin route is refused; dashboard
 * sign-in replaces this guard.
 */
export function loopbackAdminGuard(env: 'development' | 'production' | 'test'): RequestHandler {
  return (req, _res, next) => {
    if (env === 'production') {
      throw new AdminOnlyError('Admin routes need dashboard sign-in, which this server does not offer yet.');
    }
    if (!LOOPBACK.has(req.ip ?? '')) {
      throw new AdminOnlyError('Admin routes answer only requests from this machine.');
    }
    if (req.get(ADMIN_HEADER) !== ADMIN_HEADER_VALUE) {
      throw new AdminOnlyError(
        `Admin calls without a dashboard session must send the header "${ADMIN_HEADER}: ${ADMIN_HEADER_VALUE}".`,
      );
    }
    next();
  };
}
