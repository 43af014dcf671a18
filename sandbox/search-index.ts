/**
 * What HubSpot's CRM search sees of a portal's records. Search reads an index that catches up
 * with each change a moment after the change is made; until then a search matches, sorts and
 * returns the record as it was last indexed: a record created meanwhile is not found, a record
 * deleted meanwhile still is, and a record changed meanwhile is found by its old values, with its
 * old `lastmodifieddate`. Reads by id and list pages never wait for the index.
 *
 * Each change is indexed at a moment drawn (from a seeded generator, so a run can be replayed)
 * between half the lag and the whole lag after it was made: nothing promises that two changes
 * are indexed in the order they were made, so a later change may be searchable before an earlier
 * one. A change stamped long enough ago (the generator's history) is searchable at once.
 */
import { seededRandom } from './seeded-chance.js';
import type { CrmRecord, ObjectType } from './store.js';

/** HubSpot's search shows a change within a few seconds; the sandbox waits this long at most. */
export const DEFAULT_SEARCH_INDEX_LAG_MS = 3000;
const SEED = 1;

/** The index lag of a whole sandbox, shared by its portals, on the sandbox's clock. */
export class SearchIndexLag {
  private current: number;
  private random = seededRandom(SEED);
  /** Raised when the lag is set to 0: every change made before is searchable from then on. */
  private flushes = 0;

  constructor(
    private readonly clock: () => Date,
    lagMs = DEFAULT_SEARCH_INDEX_LAG_MS,
  ) {
    this.current = checkedLag(lagMs);
  }

  get lagMs(): number {
    return this.current;
  }

  /** The generation of changes still waiting; a flush ends every earlier one. */
  get generation(): number {
    return this.flushes;
  }

  now(): number {
    return this.clock().getTime();
  }

  /**
   * Sets the longest wait of the changes made from now on, and restarts the seeded draws; 0 also
   * indexes at once every change still waiting.
   */
  configure(lagMs: number): void {
    this.current = checkedLag(lagMs);
    this.random = seededRandom(SEED);
    if (this.current === 0) this.flushes += 1;
  }

  /** When a change made at `at` becomes searchable (epoch ms). */
  indexedAt(at: Date): number {
    if (this.current === 0) return at.getTime();
    return at.getTime() + Math.round(this.current * (0.5 + 0.5 * this.random()));
  }
}

function checkedLag(lagMs: number): number {
  if (!Number.isInteger(lagMs) || lagMs < 0)
    throw new Error(`the search index lag is a whole number of ms, not ${lagMs}`);
  return lagMs;
}

/** An older version of a record, and when search shows it. */
interface Version {
  indexedAt: number;
  record: CrmRecord;
}

/**
 * A record with a change search does not show yet: its older versions, oldest first (none for a
 * record created since), and when the live one shows.
 */
interface Waiting {
  generation: number;
  older: Version[];
  liveIndexedAt: number;
}

/** A plain copy of a record as it is now (its properties copied too), for search to show later. */
function copyOf(record: CrmRecord): CrmRecord {
  const { id, createdAt, updatedAt, archived, archivedAt, history } = record;
  const copy: CrmRecord = { id, properties: { ...record.properties }, createdAt, updatedAt, archived };
  if (archivedAt !== undefined) copy.archivedAt = archivedAt;
  if (history !== undefined) copy.history = history;
  return copy;
}

/** One portal's search index: which version of each record search shows. */
export class SearchIndex {
  private readonly waiting = new Map<ObjectType, Map<string, Waiting>>();

  constructor(private readonly lag: SearchIndexLag) {}

  /** Notes a record just created at `at`. */
  created(type: ObjectType, record: CrmRecord, at: Date): void {
    const indexedAt = this.lag.indexedAt(at);
    const entries = this.entriesOf(type);
    if (indexedAt <= this.lag.now()) entries.delete(record.id);
    else entries.set(record.id, { generation: this.lag.generation, older: [], liveIndexedAt: indexedAt });
  }

  /** Notes a change about to be made at `at` to `record`, which still holds its values before it. */
  changing(type: ObjectType, record: CrmRecord, at: Date): void {
    const indexedAt = this.lag.indexedAt(at);
    const entries = this.entriesOf(type);
    const entry = this.pending(entries, record.id);
    if (indexedAt <= this.lag.now()) {
      // The newest version is searchable at once, so no older one will ever show again.
      entries.delete(record.id);
      return;
    }
    const before = copyOf(record);
    if (entry) {
      entry.older.push({ indexedAt: entry.liveIndexedAt, record: before });
      entry.liveIndexedAt = indexedAt;
    } else {
      entries.set(record.id, {
        generation: this.lag.generation,
        older: [{ indexedAt: -Infinity, record: before }],
        liveIndexedAt: indexedAt,
      });
    }
  }

  /** The version of `record` (the live one) that search shows now; undefined while none is indexed. */
  view(type: ObjectType, record: CrmRecord): CrmRecord | undefined {
    const entries = this.waiting.get(type);
    if (!entries || entries.size === 0) return record;
    const entry = this.pending(entries, record.id);
    if (!entry) return record;
    const now = this.lag.now();
    let shown = -1;
    for (let index = 0; index < entry.older.length; index += 1)
      if (entry.older[index]!.indexedAt <= now) shown = index;
    if (shown < 0) return undefined;
    // Versions older than the one shown will never show again.
    if (shown > 0) entry.older.splice(0, shown);
    return entry.older[0]!.record;
  }

  /** How many records have a change search does not show yet. */
  waitingCount(): number {
    let count = 0;
    for (const entries of this.waiting.values())
      for (const id of [...entries.keys()]) if (this.pending(entries, id)) count += 1;
    return count;
  }

  private entriesOf(type: ObjectType): Map<string, Waiting> {
    let entries = this.waiting.get(type);
    if (!entries) {
      entries = new Map();
      this.waiting.set(type, entries);
    }
    return entries;
  }

  /** The record's entry while its live version is not searchable yet; dropped once it is. */
  private pending(entries: Map<string, Waiting>, id: string): Waiting | undefined {
    const entry = entries.get(id);
    if (!entry) return undefined;
    if (entry.generation === this.lag.generation && entry.liveIndexedAt > this.lag.now()) return entry;
    entries.delete(id);
    return undefined;
  }
}
