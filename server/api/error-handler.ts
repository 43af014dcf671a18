import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { AppError, NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`No route for ${req.method} ${req.path}`));
};

/** Problems listed in a 400's details. */
const MAX_DETAILS = 20;

/** The one place errors become HTTP answers; unexpected ones are logged and not echoed. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (error instanceof AppError) {
      res.status(error.status).json(errorBody(error.code, error.message, error.details));
      return;
    }
    if (error instanceof ZodError) {
      const details = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      const first = details[0];
      const more = details.length > MAX_DETAILS ? ` (and ${details.length - 1} more problems)` : '';
      const message = first
        ? `Invalid request: ${first.path || 'body'} ${first.message}${more}`
        : 'Invalid request';
      // A batch that is wrong the same way a thousand times answers with the first few.
      res.status(400).json(errorBody('invalid_request', message, details.slice(0, MAX_DETAILS)));
      return;
    }
    // The router could not percent-decode a path parameter (`/s/%E0%A4%A`).
    if (error instanceof URIError) {
      res
        .status(400)
        .json(errorBody('invalid_request', `The address ${req.path} holds a %-escape that does not decode.`));
      return;
    }
    if (isBodyParserError(error)) {
      const code = error.type === 'entity.too.large' ? 'payload_too_large' : 'invalid_body';
      res.status(error.status).json(errorBody(code, error.message));
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
    res
      .status(500)
      .json(errorBody('internal_error', 'Something went wrong on our side; it has been logged.'));
  };
}

function isBodyParserError(error: unknown): error is { status: number; type: string; message: string } {
  return (
    typeof error === 'object' &&
    error !== null &&
    'type' in error &&
    'status' in error &&
    typeof (error as { status: unknown }).status === 'number' &&
    (error as { status: number }).status < 500
  );
}
