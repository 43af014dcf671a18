/**
 * Salesforce's REST error bodies, produced in one place: `[{ "message", "errorCode" }]` (with
 * `fields` when any), HTTP status as Salesforce picks it. Handlers throw `SalesforceApiError`;
 * the error middleware renders it, and turns unreadable JSON into `JSON_PARSER_ERROR`, so bad input
 * never reaches a handler as a 500.
 */
import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import { SalesforceApiError } from '../types.js';

export function notFound(message = 'The requested resource does not exist'): SalesforceApiError {
  return new SalesforceApiError(404, 'NOT_FOUND', message);
}

export function sessionInvalid(): SalesforceApiError {
  return new SalesforceApiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
}

/**
 * Parses `input` with `schema`, or throws a Salesforce-shaped 400 with `errorCode` naming what is
 * wrong, as Salesforce's JSON deserializer does.
 */
export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown, errorCode = 'JSON_PARSER_ERROR'): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
  throw new SalesforceApiError(400, errorCode, message);
}

export function sendSalesforceError(res: Response, error: SalesforceApiError): void {
  res.status(error.httpStatus).json(error.toBody());
}

function unexpected(): SalesforceApiError {
  const errorId = `${randomBytes(4).readUInt32BE()}-${randomBytes(2).readUInt16BE()} (${randomBytes(4).readInt32BE()})`;
  return new SalesforceApiError(
    500,
    'UNKNOWN_EXCEPTION',
    `An unexpected error occurred. Please include this ErrorId if you contact support: ${errorId}`,
  );
}

/** Express error middleware for the REST paths. */
export function salesforceErrorHandler(
  error: unknown,
  _req: Request,
  res: Response,
  next: NextFunction,
): void {
  if (res.headersSent) return next(error);
  if (error instanceof SalesforceApiError) return sendSalesforceError(res, error);
  const { type, status } = error as { type?: unknown; status?: unknown };
  if (type === 'entity.parse.failed') {
    const detail = error instanceof Error ? error.message : 'the body is not JSON';
    return sendSalesforceError(res, new SalesforceApiError(400, 'JSON_PARSER_ERROR', detail));
  }
  if (type === 'entity.too.large') {
    return sendSalesforceError(
      res,
      new SalesforceApiError(413, 'REQUEST_ENTITY_TOO_LARGE', 'The request body is too large.'),
    );
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const detail = error instanceof Error ? error.message : 'The request could not be read.';
    return sendSalesforceError(res, new SalesforceApiError(status, 'INVALID_REQUEST', detail));
  }
  console.error('salesforce sandbox: unexpected error', error);
  sendSalesforceError(res, unexpected());
}
