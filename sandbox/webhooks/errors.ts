/**
 * HubSpot-shaped error bodies for the developer APIs (webhooks, workflow actions) and the admin
 * routes beside them: `{status:"error", message, correlationId, category, errors?}`.
 */
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import type { z } from 'zod';

export function sendError(
  res: Response,
  httpStatus: number,
  category: string,
  message: string,
  errors?: { message: string; in?: string; code?: string }[],
): void {
  res.status(httpStatus).json({
    status: 'error',
    message,
    correlationId: randomUUID(),
    category,
    ...(errors ? { errors } : {}),
  });
}

/** Parses `input` with `schema`, or answers 400 with each problem and returns undefined. */
export function parseOr400<T>(res: Response, schema: z.ZodType<T>, input: unknown): T | undefined {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => ({
    message: issue.message,
    in: issue.path.join('.') || 'body',
    code: issue.code,
  }));
  sendError(
    res,
    400,
    'VALIDATION_ERROR',
    `Invalid input: ${errors.map((error) => `${error.in}: ${error.message}`).join('; ')}`,
    errors,
  );
  return undefined;
}
