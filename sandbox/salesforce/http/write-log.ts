/**
 * The recent record writes of each org, with the client name an API caller sent in
 * `Sforce-Call-Options: client=…`, so a product can tell its own writes apart from everyone
 * else's (and a test can check who wrote what). Only the newest writes are kept.
 */

export type WriteOperation = 'create' | 'update' | 'delete';

export interface WriteEntry {
  recordId: string;
  sobject: string;
  operation: WriteOperation;
  userId: string;
  /** The `client` call option, or null when the caller sent none. */
  client: string | null;
  at: string;
}

const KEPT_PER_ORG = 20_000;

export class WriteLog {
  private readonly entries = new Map<string, WriteEntry[]>();

  record(orgId: string, entry: WriteEntry): void {
    const list = this.entries.get(orgId) ?? [];
    list.push(entry);
    if (list.length > KEPT_PER_ORG) list.splice(0, list.length - KEPT_PER_ORG);
    this.entries.set(orgId, list);
  }

  /** The org's writes, newest last; only those of `client` when given. */
  recent(orgId: string, filter: { client?: string; limit?: number } = {}): WriteEntry[] {
    const list = (this.entries.get(orgId) ?? []).filter(
      (entry) => filter.client === undefined || entry.client === filter.client,
    );
    return filter.limit === undefined ? list : list.slice(-filter.limit);
  }

  clear(orgId: string): void {
    this.entries.delete(orgId);
  }
}
