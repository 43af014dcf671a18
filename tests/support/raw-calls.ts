/**
 * Calls to the sandbox through the official client's own request path (`client.apiRequest`: its
 * auth, base path and headers), keeping whatever status comes back, and the check that an answer
 * is one HubSpot's spec allows for the operation. The contract tests read the wire with these.
 */
import { expect } from '@jest/globals';
import type { Client } from '@hubspot/api-client';
import { spec } from './openapi.js';

/** An answer as the wire carried it: its status and its JSON body (`{}` when it had none). */
export interface RawAnswer<Body = Record<string, unknown>> {
  status: number;
  body: Body;
}

export async function rawCall<Body = Record<string, unknown>>(
  client: Client,
  method: string,
  path: string,
  body?: unknown,
): Promise<RawAnswer<Body>> {
  const response = await client.apiRequest({ method, path, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Body };
}

/** Expects `answer` to be one the spec `specName` allows for `method` on `path`. */
export function expectConforms(
  specName: string,
  method: string,
  path: string,
  answer: { status: number; body: unknown },
): void {
  expect(spec(specName).responseErrors(method, path, answer.status, answer.body)).toEqual([]);
}
