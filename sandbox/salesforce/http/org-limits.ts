/**
 * `GET /services/data/vNN.N/limits`: the org's allowances as Salesforce reports them, the daily
 * API requests (this call counted) first among them.
 */
import express from 'express';
import type { ApiLimits } from '../limits.js';
import { callerOf } from './guard.js';
import type { QueryJobs } from './bulk-query-jobs.js';

/** Bulk API 2.0 query jobs an org may start in a day. */
const DAILY_BULK_QUERY_JOBS = 10_000;

export function createOrgLimitsRouter(limits: ApiLimits, jobs: QueryJobs): express.Router {
  const router = express.Router({ mergeParams: true });
  router.get('/limits', (_req, res) => {
    const { org } = callerOf(res);
    const usage = limits.usage(org.orgId, org.dailyApiLimit);
    const jobsStarted = jobs.list(org.orgId).length;
    res.json({
      DailyApiRequests: { Max: usage.max, Remaining: Math.max(0, usage.max - usage.used) },
      DailyBulkV2QueryJobs: {
        Max: DAILY_BULK_QUERY_JOBS,
        Remaining: Math.max(0, DAILY_BULK_QUERY_JOBS - jobsStarted),
      },
      DailyBulkV2QueryFileStorageMB: { Max: 976_562, Remaining: 976_562 },
      ConcurrentAsyncGetReportInstances: { Max: 200, Remaining: 200 },
      DataStorageMB: { Max: 5_120, Remaining: 5_120 },
    });
  });
  return router;
}
