/**
 * Query cursors: Salesforce answers a query with its first batch of records and a
 * `nextRecordsUrl` (`/services/data/vNN.N/query/01g…-2000`) naming the server-side cursor and
 * the position of the next batch. Cursors live in memory, belong to the org and user that opened
 * them, and expire 15 minutes after their last use (sandbox clock); a page may be read again until
 * then, so a client can retry. An unknown or expired locator is 400 `INVALID_QUERY_LOCATOR`.
 */
import { salesforceId } from '../ids.js';
import { SalesforceApiError } from '../types.js';

export const DEFAULT_BATCH_SIZE = 2000;
export const MIN_BATCH_SIZE = 200;
export const MAX_BATCH_SIZE = 2000;
const CURSOR_IDLE_MS = 15 * 60 * 1000;
/** Open cursors kept at most; the least recently opened go first, as Salesforce closes old ones. */
const MAX_OPEN_CURSORS = 100;

/** One page of a query answer, in Salesforce's key order. */
export interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: unknown[];
}

interface Cursor {
  orgId: string;
  userId: string;
  records: unknown[];
  totalSize: number;
  batchSize: number;
  expiresAt: number;
}

/** The batch size a `Sforce-Query-Options: batchSize=N` header asks for, kept within 200–2000. */
export function batchSizeOf(header: string | undefined): number {
  const match = /(?:^|[,;\s])batchSize\s*=\s*(\d+)/i.exec(header ?? '');
  if (!match) return DEFAULT_BATCH_SIZE;
  return Math.min(MAX_BATCH_SIZE, Math.max(MIN_BATCH_SIZE, Number(match[1])));
}

function invalidLocator(): SalesforceApiError {
  return new SalesforceApiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
}

export class QueryCursors {
  private readonly cursors = new Map<string, Cursor>();
  private serial = 0;

  constructor(private readonly now: () => Date) {}

  /**
   * The first page of a result; when more remain, a cursor is kept and the page links to it under
   * `queryPath` (`/services/data/v64.0/query`).
   */
  open(
    owner: { orgId: string; userId: string },
    result: { records: unknown[]; totalSize: number },
    batchSize: number,
    queryPath: string,
  ): QueryPage {
    this.dropExpired();
    const cursor: Cursor = {
      ...owner,
      ...result,
      batchSize,
      expiresAt: this.now().getTime() + CURSOR_IDLE_MS,
    };
    if (result.records.length <= batchSize) return this.page(cursor, '', 0, queryPath);
    const id = salesforceId('01g', ++this.serial);
    this.cursors.set(id, cursor);
    for (const oldest of this.cursors.keys()) {
      if (this.cursors.size <= MAX_OPEN_CURSORS) break;
      this.cursors.delete(oldest);
    }
    return this.page(cursor, id, 0, queryPath);
  }

  /** The page a locator (`01g…-2000`) names, for the org and user that opened the cursor. */
  next(owner: { orgId: string; userId: string }, locator: string, queryPath: string): QueryPage {
    const match = /^([0-9A-Za-z]{18})-(\d{1,9})$/.exec(locator);
    const cursor = match ? this.cursors.get(match[1]!) : undefined;
    const offset = match ? Number(match[2]) : NaN;
    if (
      !match ||
      !cursor ||
      cursor.orgId !== owner.orgId ||
      cursor.userId !== owner.userId ||
      cursor.expiresAt <= this.now().getTime() ||
      offset <= 0 ||
      offset >= cursor.records.length
    ) {
      throw invalidLocator();
    }
    cursor.expiresAt = this.now().getTime() + CURSOR_IDLE_MS;
    return this.page(cursor, match[1]!, offset, queryPath);
  }

  private page(cursor: Cursor, id: string, offset: number, queryPath: string): QueryPage {
    const end = offset + cursor.batchSize;
    const records = cursor.records.slice(offset, end);
    if (end >= cursor.records.length) return { totalSize: cursor.totalSize, done: true, records };
    return {
      totalSize: cursor.totalSize,
      done: false,
      nextRecordsUrl: `${queryPath}/${id}-${end}`,
      records,
    };
  }

  private dropExpired(): void {
    const now = this.now().getTime();
    for (const [id, cursor] of this.cursors) if (cursor.expiresAt <= now) this.cursors.delete(id);
  }
}
