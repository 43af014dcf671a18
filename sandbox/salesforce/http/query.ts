/**
 * SOQL over REST: `GET query?q=`, `GET queryAll?q=` (deleted records too) and
 * `GET query/{locator}` for the next page. Records come 2,000 a page unless
 * `Sforce-Query-Options: batchSize=N` asks for another size (200–2000); a longer answer links its
 * next page in `nextRecordsUrl`. Fields the caller's field-level security hides do not exist here.
 */
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { runSoql, type SoqlResult } from '../soql/index.js';
import type { SoqlSource } from '../types.js';
import { parseOrThrow } from './errors.js';
import { callerOf, type RestCaller } from './guard.js';
import { batchSizeOf, type QueryCursors } from './query-cursors.js';

const queryParams = z.object({
  q: z
    .string({ error: 'A query string has to be specified' })
    .trim()
    .min(1, 'A query string has to be specified'),
});

/** Where a kind of query lives under a version: `query` for REST, `tooling/query` for Tooling. */
export interface QueryEndpoint {
  /** Path segments before `query`, e.g. `tooling/`; empty for REST. */
  prefix: string;
  /** The org as this endpoint queries it. */
  sourceOf(caller: RestCaller): SoqlSource;
  /** This endpoint's own rules and values on a query's whole answer, before it is paged. */
  finish?(result: SoqlResult, caller: RestCaller): SoqlResult;
}

export function createQueryRouter(
  cursors: QueryCursors,
  now: () => Date,
  endpoint: QueryEndpoint = { prefix: '', sourceOf: (caller) => caller.source },
): express.Router {
  const router = express.Router({ mergeParams: true });
  const owner = (caller: RestCaller) => ({ orgId: caller.org.orgId, userId: caller.user.Id });
  const queryPath = (caller: RestCaller) => `/services/data/v${caller.version}/${endpoint.prefix}query`;

  const run = (includeDeleted: boolean) => (req: Request, res: Response) => {
    const caller = callerOf(res);
    const { q } = parseOrThrow(queryParams, req.query, 'MALFORMED_QUERY');
    const answered = runSoql(q, endpoint.sourceOf(caller), {
      includeDeleted,
      apiVersion: caller.version,
      now: now(),
    });
    const result = endpoint.finish ? endpoint.finish(answered, caller) : answered;
    if (endpoint.prefix) {
      // Tooling records link to their Tooling API path.
      result.records = result.records.map((record) => ({
        ...record,
        attributes: {
          ...record.attributes,
          url: record.attributes.url.replace('/sobjects/', `/${endpoint.prefix}sobjects/`),
        },
      }));
    }
    const batchSize = batchSizeOf(req.get('sforce-query-options'));
    res.json(cursors.open(owner(caller), result, batchSize, queryPath(caller)));
  };

  router.get(`/${endpoint.prefix}query`, run(false));
  router.get(`/${endpoint.prefix}queryAll`, run(true));
  router.get(`/${endpoint.prefix}query/:locator`, (req, res) => {
    const caller = callerOf(res);
    res.json(cursors.next(owner(caller), String(req.params.locator), queryPath(caller)));
  });
  return router;
}
