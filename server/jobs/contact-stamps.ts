/**
 * Change stamps of a portal's contacts, kept in Redis beside the queues: a worker sets a new stamp
 * once it has committed a change that shows on a contact's card (its stored status or scores, or
 * its records read again after a webhook), so a process that keeps something derived from those
 * rows (the risk card's view cache) tells with one read whether it is still current, whichever
 * process wrote the change.
 *
 * A portal's contacts share 65,536 stamps by a hash of their id, so a portal costs Redis at most
 * about 4 MB however many contacts it has (a stamp of its own for each contact would cost ~56
 * bytes a contact). While a cycle writes chunk after chunk, a kept view goes stale when its own
 * contact is written, and by chance when a chunk holds a contact sharing its stamp: about one
 * chunk of 1,000 in 65. A portal-wide stamp beside them changes when a run sets the tiers of all
 * its contacts at once. A portal's stamps expire STAMP_TTL_MS after its last change; whoever keeps
 * a view by them keeps it for less than that (see CardViewCache), so a view kept while a stamp was
 * absent cannot outlive a change made meanwhile.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export const STAMP_BUCKETS = 65_536;
/** A portal's stamps are dropped this long after its last change. */
export const STAMP_TTL_MS = 15 * 60_000;
/** The field of the stamp every contact of the portal shares. */
const PORTAL_FIELD = 'portal';

/** The stamp a contact shares with the other contacts whose id hashes alike (FNV-1a). */
export function stampBucket(contactId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < contactId.length; i++) {
    hash ^= contactId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % STAMP_BUCKETS;
}

/** Never the same twice, even across a Redis restart: time and randomness, not a counter. */
function freshStamp(): string {
  return `${Date.now().toString(36)}.${randomBytes(5).toString('hex')}`;
}

export class ContactStamps {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(portalId: number): string {
    return `${this.prefix}:contact-stamps:${portalId}`;
  }

  /** Whether a read would be answered now (not queued until Redis is back). */
  ready(): boolean {
    return this.redis.status === 'ready';
  }

  /** After a committed change to these contacts' status or scores. */
  async contactsChanged(portalId: number, contactIds: readonly string[]): Promise<void> {
    if (contactIds.length === 0) return;
    const stamp = freshStamp();
    const fields: Record<string, string> = {};
    for (const id of contactIds) fields[stampBucket(id)] = stamp;
    await this.write(portalId, fields);
  }

  /** After a committed change that concerns every contact of the portal (a run's tiers). */
  async portalChanged(portalId: number): Promise<void> {
    await this.write(portalId, { [PORTAL_FIELD]: freshStamp() });
  }

  /** The contact's stamps as one string, equal to an earlier reading only if nothing changed between. */
  async read(portalId: number, contactId: string): Promise<string> {
    const [portal, contact] = await this.redis.hmget(
      this.key(portalId),
      PORTAL_FIELD,
      String(stampBucket(contactId)),
    );
    return `${portal ?? ''}/${contact ?? ''}`;
  }

  private async write(portalId: number, fields: Record<string, string>): Promise<void> {
    const key = this.key(portalId);
    const results = await this.redis.multi().hset(key, fields).pexpire(key, STAMP_TTL_MS).exec();
    const failed = results?.find(([error]) => error)?.[0];
    if (failed) throw failed;
    if (!results) throw new Error(`the contact stamps of portal ${portalId} were not written`);
  }
}
