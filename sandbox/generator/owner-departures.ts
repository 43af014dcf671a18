/**
 * Sales reps who leave during the history, as real portals have them. One or two of the active
 * owners (never the admin, nor the view-only seat) leave on a day within the history, and HubSpot
 * deactivates them: the owner is archived, listed only with `archived=true`. Records keep naming
 * them until someone reassigns them. Most of their companies and consumers pass to a colleague who
 * stays, on a later day: each record of the account changes `hubspot_owner_id` then, with its
 * history. About a quarter are never reassigned, orphaned with the departed owner. Nobody can be
 * assigned to a deactivated user, so what such an account gains after the departure (a new
 * contact, a renewal, a ticket) is the colleague's from its creation.
 *
 * The leavers and their days come from the stream given; each account's fate and colleague from
 * a hash of the account, so no other record's draws move.
 */
import type { PropertyHistoryEntry } from '../property-history.js';
import type { CrmRecord, ObjectType, PortalData } from '../store.js';
import { hashSeed, type Random } from './random.js';

/** Share of a departed owner's accounts nobody reassigns. */
const ORPHANED_SHARE = 0.25;

export interface OwnerDeparture {
  ownerId: string;
  /** When the owner was deactivated (epoch ms). */
  leftAt: number;
  /** When their accounts that were passed on changed owner (epoch ms). */
  reassignedAt: number;
}

/** Who a record names as its owner now, and whom it named until it was reassigned. */
export interface RecordOwner {
  ownerId: string;
  reassigned: { from: string; at: number } | null;
}

/** The owner of one account's record created at `createdAt` (epoch ms). */
export type AccountOwner = (createdAt: number) => RecordOwner;

export interface OwnerDepartures {
  departures: readonly OwnerDeparture[];
  /** The owner of each record of the account (`kind`, `index`) first assigned to `assigned`. */
  accountOwner(assigned: string, kind: 'company' | 'consumer', index: number): AccountOwner;
}

/**
 * Picks who leaves among `ids` (the active owners, the admin first, the view-only seat last) and
 * when, within the history from `since` to `now`, and archives them in `portal`.
 */
export function planOwnerDepartures(
  portal: PortalData,
  ids: readonly string[],
  rng: Random,
  streamSeed: readonly number[],
  since: number,
  now: number,
): OwnerDepartures {
  const candidates = ids.slice(1, -1);
  const leaving = Math.min(candidates.length, rng.chance(0.5) ? 2 : 1);
  const departures: OwnerDeparture[] = [];
  for (let i = 0; i < leaving; i++) {
    const [ownerId] = candidates.splice(Math.floor(rng.next() * candidates.length), 1);
    const leftAt = Math.floor(since + rng.uniform(0.3, 0.7) * (now - since));
    const reassignedAt = Math.floor(leftAt + rng.uniform(0.15, 0.6) * (now - leftAt));
    departures.push({ ownerId: ownerId!, leftAt, reassignedAt });
    const owner = portal.owners.get(ownerId!)!;
    owner.archived = true;
    owner.updatedAt = new Date(leftAt);
  }
  const byOwner = new Map(departures.map((d) => [d.ownerId, d]));
  const stayers = ids.filter((id) => !byOwner.has(id));
  return {
    departures,
    accountOwner(assigned, kind, index) {
      const departure = byOwner.get(assigned);
      if (!departure) return () => ({ ownerId: assigned, reassigned: null });
      const account = [...streamSeed, kind === 'company' ? 0 : 1, index];
      const successor = stayers[hashSeed(...account, 0) % stayers.length]!;
      const orphaned = hashSeed(...account, 1) / 4294967296 < ORPHANED_SHARE;
      return (createdAt) => {
        if (createdAt >= departure.leftAt) return { ownerId: successor, reassigned: null };
        if (orphaned) return { ownerId: assigned, reassigned: null };
        return { ownerId: successor, reassigned: { from: assigned, at: departure.reassignedAt } };
      };
    },
  };
}

/** When a record written as last changed at `at` last changed, its reassignment counted. */
export function lastChangeWith(owner: RecordOwner, at: number): Date {
  return new Date(Math.max(at, owner.reassigned?.at ?? at));
}

/** Gives a reassigned record the history of its `hubspot_owner_id`: its first owner, then the new one. */
export function writeOwnerHistory(
  portal: PortalData,
  type: ObjectType,
  record: CrmRecord,
  owner: RecordOwner,
): void {
  if (!owner.reassigned) return;
  const entries: PropertyHistoryEntry[] = [
    { value: owner.reassigned.from, timestamp: record.createdAt, sourceType: 'CRM_UI' },
    { value: owner.ownerId, timestamp: new Date(owner.reassigned.at), sourceType: 'CRM_UI' },
  ];
  portal.setHistory(type, record.id, 'hubspot_owner_id', entries);
}
