/**
 * HubSpot's error bodies, produced in one place: `{status:"error", message, correlationId,
 * category, errors?, context?, links?}` on every HubSpot path. Handlers throw `HubSpotError`; the
 * error middleware renders it.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';

export interface ErrorDetail {
  message: string;
  in?: string;
  code?: string;
  subCategory?: string;
  context?: Record<string, string[]>;
}

export class HubSpotError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly category: string,
    message: string,
    readonly extra: {
      errors?: ErrorDetail[];
      context?: Record<string, string[]>;
      subCategory?: string;
      links?: Record<string, string>;
    } = {},
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return {
      status: 'error',
      message: this.message,
      correlationId: randomUUID(),
      category: this.category,
      ...(this.extra.subCategory ? { subCategory: this.extra.subCategory } : {}),
      ...(this.extra.errors ? { errors: this.extra.errors } : {}),
      ...(this.extra.context ? { context: this.extra.context } : {}),
      ...(this.extra.links ? { links: this.extra.links } : {}),
    };
  }
}

export function validationError(message: string, errors?: ErrorDetail[]): HubSpotError {
  return new HubSpotError(400, 'VALIDATION_ERROR', message, errors ? { errors } : {});
}

export function notFound(message: string, context?: Record<string, string[]>): HubSpotError {
  return new HubSpotError(404, 'OBJECT_NOT_FOUND', message, context ? { context } : {});
}

/** Parses `input` with `schema` or throws a 400 naming each problem, as HubSpot's validation does. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => ({
    message: issue.message,
    in: issue.path.join('.') || 'body',
    code: issue.code,
  }));
  throw validationError(
    `Invalid input: ${errors.map((error) => `${error.in}: ${error.message}`).join('; ')}`,
    errors,
  );
}

export function sendHubSpotError(res: Response, error: HubSpotError): void {
  res.status(error.httpStatus).json(error.body());
}

/** Express error middleware: HubSpot bodies for our errors, malformed JSON and anything unexpected. */
export function hubSpotErrorHandler(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(error);
  if (error instanceof HubSpotError) return sendHubSpotError(res, error);
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const detail = error instanceof Error ? error.message : 'The request could not be read.';
    return sendHubSpotError(res, validationError(`Invalid input: ${detail}`));
  }
  console.error('sandbox: unexpected error', error);
  sendHubSpotError(res, new HubSpotError(500, 'INTERNAL_ERROR', 'internal error'));
}
