/**
 * Bulk API 2.0 query jobs under `/services/data/vNN.N/jobs/query`: create (`{operation, query,
 * contentType?, columnDelimiter?, lineEnding?}`), list, read the status, abort (`PATCH
 * {state:'Aborted'}`), delete, and read the results as CSV pages
 * (`/results?maxRecords=&locator=`) with `Sforce-Locator` naming the next page (the literal
 * `null` on the last) and `Sforce-NumberOfRecords` counting the rows of this one.
 */
import express from 'express';
import { z } from 'zod';
import { runSoql, toCsv } from '../soql/index.js';
import { SalesforceApiError } from '../types.js';
import { COLUMN_DELIMITERS, LINE_ENDINGS, toDialect } from './csv-dialect.js';
import { parseOrThrow } from './errors.js';
import { callerOf } from './guard.js';
import { jobInfo, jobStatus, type QueryJobs } from './bulk-query-jobs.js';

/** Rows in a results page when the client does not say. */
export const DEFAULT_RESULTS_PAGE = 100_000;

const createJob = z.object({
  operation: z.enum(['query', 'queryAll']),
  query: z.string().trim().min(1),
  contentType: z.literal('CSV').optional(),
  columnDelimiter: z.enum(Object.keys(COLUMN_DELIMITERS) as [keyof typeof COLUMN_DELIMITERS]).optional(),
  lineEnding: z.enum(Object.keys(LINE_ENDINGS) as [keyof typeof LINE_ENDINGS]).optional(),
});

const abortJob = z.object({ state: z.literal('Aborted') });

const resultsQuery = z.object({
  maxRecords: z
    .string()
    .regex(/^[1-9]\d{0,8}$/, 'maxRecords must be a positive whole number')
    .transform(Number)
    .optional(),
  locator: z.string().min(1).optional(),
});

function encodeLocator(offset: number): string {
  return Buffer.from(String(offset)).toString('base64').replace(/=+$/, '');
}

function decodeLocator(locator: string, rows: number): number {
  const decoded = /^[A-Za-z0-9+/]+$/.test(locator) ? Buffer.from(locator, 'base64').toString() : '';
  const offset = /^\d{1,12}$/.test(decoded) ? Number(decoded) : NaN;
  if (!(offset > 0 && offset < rows)) {
    throw new SalesforceApiError(400, 'INVALIDLOCATOR', `Invalid locator: ${locator}`);
  }
  return offset;
}

/** The object a query reads, as the job info names it. */
function objectOf(query: string): string {
  return /\bFROM\s+([A-Za-z0-9_]+)/i.exec(query)?.[1] ?? '';
}

export function createBulkQueryRouter(jobs: QueryJobs, now: () => Date): express.Router {
  const router = express.Router({ mergeParams: true });

  router.post('/jobs/query', (req, res) => {
    const caller = callerOf(res);
    const input = parseOrThrow(createJob, req.body ?? {}, 'INVALIDJOB');
    const result = runSoql(input.query, caller.source, {
      includeDeleted: input.operation === 'queryAll',
      apiVersion: caller.version,
      now: now(),
    });
    if (result.columns.length === 0) {
      throw new SalesforceApiError(400, 'API_ERROR', 'Aggregate queries are not supported by Bulk API 2.0.');
    }
    const schema = caller.source.schema(objectOf(input.query));
    const job = jobs.create({
      orgId: caller.org.orgId,
      operation: input.operation,
      object: schema?.name ?? objectOf(input.query),
      createdById: caller.user.Id,
      apiVersion: caller.version,
      lineEnding: input.lineEnding ?? 'LF',
      columnDelimiter: input.columnDelimiter ?? 'COMMA',
      result,
    });
    res.status(200).json(jobInfo(job));
  });

  router.get('/jobs/query', (_req, res) => {
    const { org } = callerOf(res);
    res.json({ done: true, records: jobs.list(org.orgId).map(jobInfo), nextRecordsUrl: null });
  });

  router.get('/jobs/query/:jobId', (req, res) => {
    res.json(jobStatus(jobs.poll(callerOf(res).org.orgId, String(req.params.jobId))));
  });

  router.patch('/jobs/query/:jobId', (req, res) => {
    parseOrThrow(abortJob, req.body ?? {}, 'INVALIDJOBSTATE');
    res.json(jobInfo(jobs.abort(callerOf(res).org.orgId, String(req.params.jobId))));
  });

  router.delete('/jobs/query/:jobId', (req, res) => {
    jobs.delete(callerOf(res).org.orgId, String(req.params.jobId));
    res.status(204).end();
  });

  router.get('/jobs/query/:jobId/results', (req, res) => {
    const job = jobs.get(callerOf(res).org.orgId, String(req.params.jobId));
    const query = parseOrThrow(resultsQuery, req.query, 'API_ERROR');
    if (job.state !== 'JobComplete') {
      throw new SalesforceApiError(
        412,
        'INVALIDJOBSTATE',
        `Job state is ${job.state}: results can be read once the job is JobComplete.`,
      );
    }
    const rows = job.result.records.length;
    const from = query.locator ? decodeLocator(query.locator, rows) : 0;
    const to = Math.min(rows, from + (query.maxRecords ?? DEFAULT_RESULTS_PAGE));
    const csv = toDialect(toCsv(job.result, from, to, true), job.columnDelimiter, job.lineEnding);
    res
      .status(200)
      .set('Sforce-Locator', to < rows ? encodeLocator(to) : 'null')
      .set('Sforce-NumberOfRecords', String(to - from))
      .type('text/csv; charset=UTF-8')
      .send(csv);
  });

  return router;
}
