/**
 * Bulk API 2.0 query jobs of every org: what was asked, the rows the query found (taken when the
 * job is created, so a bad query fails at once with its SOQL error), and the job's state. A job
 * moves UploadComplete → InProgress → JobComplete one step per status read, or completes on its
 * own a second after it was created, so a client has to poll as it does against Salesforce.
 */
import { salesforceId } from '../ids.js';
import { formatDateTime, type SoqlResult } from '../soql/index.js';
import { SalesforceApiError } from '../types.js';
import type { ColumnDelimiter, LineEnding } from './csv-dialect.js';

export type JobState = 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Aborted' | 'Failed';

/** Real time after which a job is complete whether or not anyone polled it. */
const COMPLETES_AFTER_MS = 1000;

export interface QueryJob {
  id: string;
  orgId: string;
  operation: 'query' | 'queryAll';
  object: string;
  createdById: string;
  createdDate: Date;
  systemModstamp: Date;
  state: JobState;
  apiVersion: number;
  lineEnding: LineEnding;
  columnDelimiter: ColumnDelimiter;
  result: SoqlResult;
  createdAtMs: number;
}

export interface NewQueryJob {
  orgId: string;
  operation: 'query' | 'queryAll';
  object: string;
  createdById: string;
  apiVersion: string;
  lineEnding: LineEnding;
  columnDelimiter: ColumnDelimiter;
  result: SoqlResult;
}

/** The job info Salesforce answers at creation and on abort. */
export function jobInfo(job: QueryJob): Record<string, unknown> {
  return {
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: job.createdById,
    createdDate: formatDateTime(job.createdDate),
    systemModstamp: formatDateTime(job.systemModstamp),
    state: job.state,
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    apiVersion: job.apiVersion,
    lineEnding: job.lineEnding,
    columnDelimiter: job.columnDelimiter,
  };
}

/** The fuller info of `GET jobs/query/{id}`, with the records processed so far. */
export function jobStatus(job: QueryJob): Record<string, unknown> {
  const complete = job.state === 'JobComplete';
  return {
    ...jobInfo(job),
    jobType: 'V2Query',
    numberRecordsProcessed: complete ? job.result.records.length : 0,
    retries: 0,
    totalProcessingTime: complete ? Math.max(1, job.systemModstamp.getTime() - job.createdDate.getTime()) : 0,
    isPkChunkingSupported: true,
  };
}

export class QueryJobs {
  private readonly jobs = new Map<string, QueryJob>();
  private serial = 0;

  constructor(private readonly now: () => Date) {}

  create(input: NewQueryJob): QueryJob {
    const now = this.now();
    const job: QueryJob = {
      ...input,
      id: salesforceId('750', ++this.serial),
      apiVersion: Number(input.apiVersion),
      createdDate: now,
      systemModstamp: now,
      state: 'UploadComplete',
      createdAtMs: Date.now(),
    };
    this.jobs.set(job.id, job);
    return job;
  }

  /** The org's job, or 404 as Salesforce answers for a job id it does not know. */
  get(orgId: string, id: string): QueryJob {
    const job = this.jobs.get(id);
    if (!job || job.orgId !== orgId) {
      throw new SalesforceApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    }
    return job;
  }

  /** A status read: the job moves one step on (or completes, once its time has come). */
  poll(orgId: string, id: string): QueryJob {
    const job = this.get(orgId, id);
    if (job.state === 'UploadComplete' || job.state === 'InProgress') {
      const due = Date.now() - job.createdAtMs >= COMPLETES_AFTER_MS;
      this.moveTo(job, due || job.state === 'InProgress' ? 'JobComplete' : 'InProgress');
    }
    return job;
  }

  abort(orgId: string, id: string): QueryJob {
    const job = this.get(orgId, id);
    if (job.state !== 'UploadComplete' && job.state !== 'InProgress') {
      throw new SalesforceApiError(
        400,
        'INVALIDJOBSTATE',
        `Cannot abort a job in the ${job.state} state: only open or running jobs can be aborted.`,
      );
    }
    this.moveTo(job, 'Aborted');
    return job;
  }

  delete(orgId: string, id: string): void {
    this.get(orgId, id);
    this.jobs.delete(id);
  }

  list(orgId: string): QueryJob[] {
    return [...this.jobs.values()].filter((job) => job.orgId === orgId);
  }

  private moveTo(job: QueryJob, state: JobState): void {
    job.state = state;
    job.systemModstamp = this.now();
  }
}
