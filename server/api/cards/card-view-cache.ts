/**
 * The risk card's views, kept per contact in this process until the contact's next status or score
 * from whichever worker writes it: every request reads the contact's stamps from Redis (one round
 * trip, see ContactStamps) and gets the kept view only while they are the ones it was kept under.
 *
 * - The stamps are read before the warehouse, and a worker sets new ones after it commits: a view
 *   kept under a stamp holds every change committed before that stamp was set, and any later
 *   change sets another, so the first request after a worker's write reads the warehouse again.
 * - Records the CRM announces changed (webhooks) set their contacts' stamps when a worker has read
 *   them again, and again when it has rescored them. What has no stamp (the weekly sync's pages, a
 *   privacy erasure, and what changes with the date: the 12 months of deals, the chart's weeks) is
 *   shown at most CARD_VIEW_MAX_AGE_MS late: no view is kept longer (nor as long as a stamp lives
 *   in Redis, STAMP_TTL_MS).
 * - Only a scored, churned or prospect view is kept: one still syncing or not scored yet follows
 *   the sync's progress, which has no stamp.
 * - At most CARD_VIEW_MAX_ENTRIES views, the least recently used dropped first (a view is about
 *   2 KB as JSON).
 * - When Redis cannot answer at once, the card reads the warehouse and keeps nothing.
 */
import { STAMP_TTL_MS, type ContactStamps } from '../../jobs/contact-stamps.js';
import type { ContactRiskView } from './contact-risk-view.js';

export const CARD_VIEW_MAX_ENTRIES = 10_000;
export const CARD_VIEW_MAX_AGE_MS = 5 * 60_000;
/** How long a card waits for its stamps before it reads the warehouse without the cache. */
const STAMP_WAIT_MS = 250;

const KEPT_STATUSES: ReadonlySet<ContactRiskView['status']> = new Set(['scored', 'churned', 'prospect']);

interface Kept {
  stamp: string;
  /** When its stamp was read, before the warehouse was. */
  at: number;
  /** The view as JSON: a kept view is sent as it is. */
  json: string;
}

export interface CardViewCacheOptions {
  stamps: ContactStamps;
  maxEntries?: number;
  maxAgeMs?: number;
  now?: () => number;
}

export interface CardViewCacheStats {
  hits: number;
  misses: number;
  entries: number;
  /** Openings whose stamps Redis did not give within STAMP_WAIT_MS: served without the cache. */
  stampsLate: number;
}

export class CardViewCache {
  private readonly kept = new Map<string, Kept>();
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private hits = 0;
  private misses = 0;
  private stampsLate = 0;

  constructor(private readonly options: CardViewCacheOptions) {
    this.maxEntries = options.maxEntries ?? CARD_VIEW_MAX_ENTRIES;
    this.maxAgeMs = options.maxAgeMs ?? CARD_VIEW_MAX_AGE_MS;
    if (!(this.maxAgeMs < STAMP_TTL_MS))
      throw new Error('A card view must be kept for less time than the stamps live in Redis.');
    this.now = options.now ?? Date.now;
  }

  /** The contact's view as JSON: the kept one while it is current, else `build`'s (kept if it may be). */
  async viewJson(
    portalId: number,
    contactId: string,
    build: () => Promise<ContactRiskView>,
  ): Promise<string> {
    const key = `${portalId}:${contactId}`;
    const at = this.now();
    const stamp = await this.stampOf(portalId, contactId);
    const kept = this.kept.get(key);
    if (kept) {
      // Taken out either way: put back last (the most recently used) when it is served.
      this.kept.delete(key);
      if (stamp !== null && kept.stamp === stamp && at - kept.at < this.maxAgeMs) {
        this.kept.set(key, kept);
        this.hits++;
        return kept.json;
      }
    }
    this.misses++;
    const view = await build();
    const json = JSON.stringify(view);
    if (stamp !== null && KEPT_STATUSES.has(view.status)) {
      this.kept.delete(key);
      this.kept.set(key, { stamp, at, json });
      if (this.kept.size > this.maxEntries) this.kept.delete(this.kept.keys().next().value!);
    }
    return json;
  }

  stats(): CardViewCacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.kept.size, stampsLate: this.stampsLate };
  }

  /** The contact's stamps, or null when Redis cannot say at once (then nothing is served or kept). */
  private async stampOf(portalId: number, contactId: string): Promise<string | null> {
    if (!this.options.stamps.ready()) {
      this.stampsLate++;
      return null;
    }
    const read = this.options.stamps.read(portalId, contactId).catch(() => null);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), STAMP_WAIT_MS);
    });
    try {
      const stamp = await Promise.race([read, late]);
      if (stamp === null) this.stampsLate++;
      return stamp;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A kept view's JSON with the viewer's verdict added, as `{ ...view, viewer }` would give it. */
export function withViewer(viewJson: string, viewer: unknown): string {
  return `${viewJson.slice(0, -1)},"viewer":${JSON.stringify(viewer)}}`;
}
