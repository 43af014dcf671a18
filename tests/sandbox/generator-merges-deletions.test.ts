import { beforeAll, describe, expect, it } from '@jest/globals';
import { generatePortal, type GenerationSummary } from '../../sandbox/generator/index.js';
import { MERGED_IDS_PROPERTY, SandboxStore, splitIds, type PortalData } from '../../sandbox/store.js';

const NOW = new Date('2026-03-01T00:00:00.000Z');
const CONTACTS = 3000;

function generate(seed: number): { portal: PortalData; summary: GenerationSummary } {
  const portal = new SandboxStore().createPortal(88);
  const summary = generatePortal(portal, { contacts: CONTACTS, seed, now: NOW });
  return { portal, summary };
}

describe('merges and deletions during a generated history', () => {
  let portal: PortalData;
  let summary: GenerationSummary;

  beforeAll(() => {
    ({ portal, summary } = generate(2024));
  });

  it('merge about 1 % of the contacts and delete about 0.5 %, the same ones for the same seed', () => {
    expect(summary.merges.length).toBeGreaterThan(CONTACTS * 0.006);
    expect(summary.merges.length).toBeLessThan(CONTACTS * 0.016);
    expect(summary.deleted.length).toBeGreaterThan(CONTACTS * 0.002);
    expect(summary.deleted.length).toBeLessThan(CONTACTS * 0.01);
    expect(summary.contacts).toBe(CONTACTS - summary.merges.length - summary.deleted.length);
    expect(summary.contacts).toBe(portal.recordsOf('contacts').size);
    const again = generate(2024).summary;
    expect(again.merges).toEqual(summary.merges);
    expect(again.deleted).toEqual(summary.deleted);
  });

  it('leave the merged contact’s emails, tickets and usage on the survivor, which lists it', () => {
    const start = summary.from.getTime();
    // A survivor's last merge tells what it ends with.
    const lastMerge = new Map(summary.merges.map((m) => [m.survivorId, m]));
    for (const merge of summary.merges) {
      expect(portal.recordsOf('contacts').has(merge.mergedId)).toBe(false);
      const survivor = portal.recordsOf('contacts').get(merge.survivorId)!;
      expect(splitIds(survivor.properties[MERGED_IDS_PROPERTY])).toContain(merge.mergedId);
      const last = lastMerge.get(merge.survivorId)!;
      for (const type of ['emails', 'tickets'] as const) {
        expect(portal.associationsOf('contacts', merge.survivorId, type)).toHaveLength(
          last.before.survivor[type] + last.before.merged[type],
        );
      }
      expect(merge.at.getTime()).toBeGreaterThan(start);
      expect(merge.at.getTime()).toBeLessThan(NOW.getTime());
      expect(survivor.updatedAt.getTime()).toBeGreaterThanOrEqual(merge.at.getTime());
    }
    const gone = new Set([...summary.merges.map((m) => m.mergedId), ...summary.deleted]);
    expect([...portal.usage].filter((e) => gone.has(e.contactId))).toEqual([]);
    // Survivors that are customers hold the usage of both.
    const merged = summary.merges.find((m) => portal.truth.has(m.survivorId));
    expect(merged).toBeDefined();
    const events = portal.usage.ofContact(merged!.survivorId);
    expect(events.some((e) => e.eventId.startsWith(`${merged!.mergedId}-`))).toBe(true);
    expect(events.some((e) => e.eventId.startsWith(`${merged!.survivorId}-`))).toBe(true);
    expect(summary.usageEvents).toBe(portal.usage.size);
  });

  it('keep the hidden truth for survivors only, and for no deleted contact', () => {
    for (const merge of summary.merges) {
      expect(portal.truth.has(merge.mergedId)).toBe(false);
      const survivor = portal.recordsOf('contacts').get(merge.survivorId)!;
      // A duplicate is of the survivor's kind, and stays: neither side ever decided to leave.
      expect(portal.truth.has(merge.survivorId)).toBe(
        Boolean(survivor.properties.hs_lifecyclestage_customer_date),
      );
      expect(portal.truth.get(merge.survivorId)?.churned ?? false).toBe(false);
    }
    for (const id of summary.deleted) {
      expect(portal.truth.has(id)).toBe(false);
      expect(portal.recordsOf('contacts').has(id)).toBe(false);
    }
    expect(summary.customers).toBe(portal.truth.size);
    expect(summary.churnDecided).toBe([...portal.truth.values()].filter((t) => t.churned).length);
  });
});
