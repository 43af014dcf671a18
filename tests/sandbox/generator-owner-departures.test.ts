import { beforeAll, describe, expect, it } from '@jest/globals';
import { generatePortal, type GenerationSummary } from '../../sandbox/generator/index.js';
import { historyOf } from '../../sandbox/property-history.js';
import {
  MERGED_IDS_PROPERTY,
  SandboxStore,
  type CrmRecord,
  type PortalData,
  type SandboxOwner,
} from '../../sandbox/store.js';

const NOW = new Date('2026-03-01T00:00:00.000Z');
const CONTACTS = 2000;
const OWNED_TYPES = ['companies', 'contacts', 'deals', 'tickets'] as const;

function generate(seed: number): { portal: PortalData; summary: GenerationSummary } {
  const portal = new SandboxStore().createPortal(77);
  const summary = generatePortal(portal, { contacts: CONTACTS, seed, now: NOW });
  return { portal, summary };
}

/** Owners deactivated during the history (the colleague who left before it owns nothing). */
const departedOf = (portal: PortalData, from: Date): SandboxOwner[] =>
  [...portal.owners.values()].filter((o) => o.archived && o.updatedAt > from && o.updatedAt < NOW);

/**
 * Records whose owners' history is their own: a merge (merges.ts) joins the histories of two
 * contacts, which need not have shared an owner.
 */
const ownedRecords = (portal: PortalData, type: (typeof OWNED_TYPES)[number]) =>
  [...portal.recordsOf(type).values()].filter((record) => !record.properties[MERGED_IDS_PROPERTY]);

/** Each value a record's owner had, oldest first, with when it was set. */
const ownerHistory = (record: CrmRecord) =>
  historyOf(record, 'hubspot_owner_id')
    .map((entry) => ({ value: entry.value, at: entry.timestamp.getTime() }))
    .reverse();

describe('owners who leave during a generated history', () => {
  let portal: PortalData;
  let summary: GenerationSummary;
  let departed: SandboxOwner[];

  beforeAll(() => {
    ({ portal, summary } = generate(7));
    departed = departedOf(portal, summary.from);
  });

  it('deactivates one or two of the team on a day within the history, the same ones for the same seed', () => {
    expect(departed.length).toBeGreaterThanOrEqual(1);
    expect(departed.length).toBeLessThanOrEqual(2);
    for (const owner of departed) {
      expect(owner.id).not.toBe(portal.adminOwner.id);
      // Deactivated: no longer a user anyone signs in as.
      expect(portal.ownerOfUser(owner.userId)).toBeUndefined();
    }
    const again = generate(7).portal;
    expect(departedOf(again, summary.from).map((o) => [o.id, o.updatedAt])).toEqual(
      departed.map((o) => [o.id, o.updatedAt]),
    );
  });

  it('leaves about a quarter of their accounts with them, and passes the rest to a colleague who stays on a later day', () => {
    const active = new Set([...portal.owners.values()].filter((o) => !o.archived).map((o) => o.id));
    let orphaned = 0;
    let reassigned = 0;
    for (const owner of departed) {
      const leftAt = owner.updatedAt.getTime();
      const days = new Set<number>();
      for (const type of OWNED_TYPES) {
        let kept = 0;
        let passed = 0;
        for (const record of ownedRecords(portal, type)) {
          const history = ownerHistory(record);
          if (record.properties.hubspot_owner_id === owner.id) {
            kept++;
            expect(history).toEqual([{ value: owner.id, at: record.createdAt.getTime() }]);
          }
          if (history[0]?.value !== owner.id || history.length === 1) continue;
          passed++;
          expect(history).toHaveLength(2);
          const [, handover] = history;
          expect(active.has(handover!.value)).toBe(true);
          expect(record.properties.hubspot_owner_id).toBe(handover!.value);
          expect(handover!.at).toBeGreaterThan(leftAt);
          expect(handover!.at).toBeLessThan(NOW.getTime());
          expect(record.updatedAt.getTime()).toBeGreaterThanOrEqual(handover!.at);
          days.add(handover!.at);
        }
        // Contacts, deals and tickets alike are left with them, and passed on.
        expect(kept).toBeGreaterThan(0);
        expect(passed).toBeGreaterThan(0);
        if (type === 'contacts') {
          orphaned += kept;
          reassigned += passed;
        }
      }
      expect(days.size).toBe(1);
    }
    const share = orphaned / (orphaned + reassigned);
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.45);
  });

  it('names no departed owner on anything created after they left', () => {
    const leftAt = new Map(departed.map((o) => [o.id, o.updatedAt.getTime()]));
    for (const type of OWNED_TYPES) {
      for (const record of ownedRecords(portal, type)) {
        for (const entry of ownerHistory(record)) {
          const left = leftAt.get(entry.value);
          if (left !== undefined) expect(record.createdAt.getTime()).toBeLessThan(left);
        }
      }
    }
  });
});
