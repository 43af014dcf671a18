/**
 * Full reads of big objects through Bulk API 2.0 query jobs: one job per object, its results read
 * a page at a time by `Sforce-Locator`, so a full sync of hundreds of thousands of records costs a
 * handful of calls and still resumes at the page it was on (the cursor names the job and the page).
 * The job is polled for minutes, not jsforce's default 30 s (after which jsforce deletes the job).
 */
import type { Connection } from 'jsforce';
import { z } from 'zod';
import { CrmRequestError, CrmUnavailableError } from '../errors.js';
import { jsforceHttpApi } from './jsforce-module.js';
import type { SalesforceRequester } from './requester.js';

/** Records in an object above which a full read goes through Bulk API 2.0. */
export const BULK_THRESHOLD = 50_000;
/** Rows a results page holds: one page of the full sync, written in one transaction. */
const RESULTS_PAGE = 10_000;
const POLL_INTERVAL_MS = 2_000;
const POLL_TIMEOUT_MS = 15 * 60_000;

const CURSOR = /^bulk:(750[A-Za-z0-9]{12,15}):(.*)$/;

const jobSchema = z.object({
  id: z.string(),
  state: z.enum(['UploadComplete', 'InProgress', 'JobComplete', 'Failed', 'Aborted']),
  errorMessage: z.string().nullish(),
});
const rowsSchema = z.array(z.record(z.string(), z.string().nullable()));

export function isBulkCursor(after: string | undefined): boolean {
  return after !== undefined && CURSOR.test(after);
}

export interface BulkPage {
  rows: Record<string, string | null>[];
  /** The cursor of the next page; absent after the last. */
  next?: string;
}

/** Starts a job for the query and waits for it; answers its first page. */
export async function startBulkExport(
  requester: SalesforceRequester,
  portalId: number,
  soql: string,
  options: { pollIntervalMs?: number } = {},
): Promise<BulkPage> {
  const base = `/services/data/v${requester.apiVersion}/jobs/query`;
  const created = jobSchema.parse(
    await requester.call(portalId, (conn) =>
      conn.request({
        method: 'POST',
        url: base,
        body: JSON.stringify({ operation: 'query', query: soql }),
        headers: { 'content-type': 'application/json' },
      }),
    ),
  );
  const deadline = Date.now() + POLL_TIMEOUT_MS;
  for (let job = created; job.state !== 'JobComplete';) {
    if (job.state === 'Failed' || job.state === 'Aborted')
      throw new CrmRequestError(
        400,
        `Salesforce's bulk query ${job.id} ${job.state.toLowerCase()}: ${job.errorMessage ?? ''}`,
      );
    if (Date.now() > deadline)
      throw new CrmUnavailableError(
        `Salesforce's bulk query ${job.id} did not finish in ${POLL_TIMEOUT_MS / 60_000} minutes.`,
      );
    await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs ?? POLL_INTERVAL_MS));
    job = jobSchema.parse(await requester.call(portalId, (conn) => conn.request(`${base}/${created.id}`)));
  }
  return bulkPage(requester, portalId, `bulk:${created.id}:`);
}

/** One results page of a job, by its cursor. */
export async function bulkPage(
  requester: SalesforceRequester,
  portalId: number,
  cursor: string,
): Promise<BulkPage> {
  const match = CURSOR.exec(cursor);
  if (!match) throw new CrmRequestError(400, `Not a bulk cursor: ${cursor}`);
  const [, jobId, locator] = match;
  const query = new URLSearchParams({ maxRecords: String(RESULTS_PAGE), ...(locator ? { locator } : {}) });
  const url = `/services/data/v${requester.apiVersion}/jobs/query/${jobId}/results?${query}`;
  let nextLocator: string | undefined;
  const body = await requester.call(portalId, (conn: Connection) => {
    // jsforce reads the CSV into rows; the next page's locator is a response header.
    const api = new (jsforceHttpApi().HttpApi)(conn, {});
    api.on('response', (response: { headers: Record<string, string | undefined> }) => {
      nextLocator = response.headers['sforce-locator'];
    });
    return api.request({ method: 'GET', url: `${conn.instanceUrl}${url}`, headers: { accept: 'text/csv' } });
  });
  const rows = rowsSchema
    .parse(body ?? [])
    .map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === '' ? null : v])));
  const more = nextLocator !== undefined && nextLocator !== 'null' && nextLocator !== '';
  return { rows, ...(more ? { next: `bulk:${jobId}:${nextLocator}` } : {}) };
}
