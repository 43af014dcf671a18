/**
 * `POST /crm/objects/2026-03/{objectType}/search`: filters, sorts, free-text `query`, `limit` up
 * to 200 and an offset cursor. Like HubSpot, a query can page through at most 10,000 results:
 * `total` still counts every match, the page that reaches the 10,000th result has no
 * `paging.next`, and an `after` of 10,000 or more is a 400 VALIDATION_ERROR. Search reads the
 * portal's search index, which shows each change only a moment after it is made
 * (../search-index.ts; the lag is set by `searchIndexLagMs` or `PUT /_sandbox/search-index`).
 */
import express from 'express';
import { z } from 'zod';
import type { CrmRecord, ObjectType } from '../store.js';
import { callerOf } from './auth.js';
import { parseInput, validationError } from './errors.js';
import type { ApiGuard } from './guards.js';
import { readScope } from './objects.js';
import { selectProperties, toPublicObject } from './record-view.js';
import { objectTypeParam, portalOf, sortedIds } from './records.js';
import { compileFilterGroups, filterInput, sortInput, sortRecords } from './search-filters.js';
import { PREFIXES, routes } from './version.js';

export const SEARCH_RESULT_CAP = 10_000;
export const MAX_SEARCH_LIMIT = 200;

/** Properties a search's free-text `query` looks in. */
const QUERY_PROPERTIES: Record<ObjectType, string[]> = {
  contacts: ['firstname', 'lastname', 'email', 'phone', 'company'],
  companies: ['name', 'domain', 'website', 'phone'],
  deals: ['dealname'],
  tickets: ['subject', 'content'],
  emails: ['hs_email_subject', 'hs_email_text'],
  feedback_submissions: ['hs_content'],
  notes: ['hs_note_body'],
  calls: ['hs_call_title', 'hs_call_body'],
};

const searchRequest = z
  .object({
    filterGroups: z
      .array(z.object({ filters: z.array(filterInput).max(10, 'a filter group holds at most 10 filters') }))
      .max(6, 'a search takes at most 6 filter groups')
      .default([]),
    sorts: z.array(sortInput).default([]),
    properties: z.array(z.string()).optional(),
    query: z.string().optional(),
    limit: z
      .number()
      .int()
      .min(0)
      .max(MAX_SEARCH_LIMIT, `limit may be at most ${MAX_SEARCH_LIMIT}`)
      .default(10),
    after: z.union([z.string(), z.number()]).optional(),
  })
  .refine((body) => body.filterGroups.reduce((sum, group) => sum + group.filters.length, 0) <= 25, {
    message: 'a search takes at most 25 filters in all',
    path: ['filterGroups'],
  });

function matchesQuery(record: CrmRecord, names: string[], query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = names
    .map((name) => record.properties[name] ?? '')
    .join(' ')
    .toLowerCase();
  const tokens = haystack.split(/[^\p{L}\p{N}@.]+/u).flatMap((token) => [token, ...token.split(/[@.]/)]);
  return words.every((word) => tokens.some((token) => token.startsWith(word)));
}

function offsetOf(after: string | number | undefined): number {
  if (after === undefined || after === '') return 0;
  const offset = Number(after);
  if (!Number.isInteger(offset) || offset < 0)
    throw validationError(`after must be a result offset, not ${after}`);
  if (offset >= SEARCH_RESULT_CAP) {
    throw validationError(
      `Search can page through at most ${SEARCH_RESULT_CAP} results (after=${offset}). ` +
        'Narrow the query, for example with a GTE filter on the last value seen, and page again.',
    );
  }
  return offset;
}

export function createSearchRouter(guard: ApiGuard): express.Router {
  const router = express.Router();

  router.post(routes(PREFIXES.objects, '/:objectType/search'), ...guard(readScope, 'search'), (req, res) => {
    const portal = portalOf(callerOf(res));
    const type = objectTypeParam(req.params.objectType);
    const body = parseInput(searchRequest, req.body ?? {});
    const offset = offsetOf(body.after);
    const definitions = portal.properties.get(type)!;
    const matches = compileFilterGroups(definitions, body.filterGroups);
    const records = portal.recordsOf(type);
    let found: CrmRecord[] = [];
    for (const id of sortedIds(records)) {
      const record = portal.searchIndex.view(type, records.get(id)!);
      if (!record || record.archived || !matches(record)) continue;
      if (body.query && !matchesQuery(record, QUERY_PROPERTIES[type], body.query)) continue;
      found.push(record);
    }
    if (body.sorts.length > 0) found = sortRecords(definitions, body.sorts, found);
    const end = Math.min(offset + body.limit, found.length, SEARCH_RESULT_CAP);
    const page = found.slice(offset, end);
    const hasNext = body.limit > 0 && end < found.length && end < SEARCH_RESULT_CAP;
    res.json({
      total: found.length,
      results: page.map((record) =>
        toPublicObject(record, selectProperties(portal, type, record, body.properties)),
      ),
      ...(hasNext ? { paging: { next: { after: String(end) } } } : {}),
    });
  });

  return router;
}
