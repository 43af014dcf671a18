import { describe, it, expect } from '@jest/globals';
import { generatePortal } from '../../sandbox/generator/index.js';
import { SandboxStore, type PortalData } from '../../sandbox/store.js';
import { portalDigest } from '../support/sandbox-portal.js';

const NOW = new Date('2026-03-01T00:00:00.000Z');

function generate(seed: number, contacts = 800, now = NOW): PortalData {
  const portal = new SandboxStore().createPortal(4242);
  generatePortal(portal, { contacts, seed, now });
  return portal;
}

describe('generator determinism', () => {
  it('gives identical records, ids, timestamps, texts and truth for the same seed and end date', () => {
    const first = generate(7);
    const second = generate(7);
    // A few of the 800 were merged into others or deleted for privacy during the history.
    expect(second.recordsOf('contacts').size).toBe(first.recordsOf('contacts').size);
    expect(second.recordsOf('contacts').size).toBeGreaterThan(780);
    expect([...second.recordsOf('tickets').keys()]).toEqual([...first.recordsOf('tickets').keys()]);
    expect(portalDigest(second)).toBe(portalDigest(first));
  });

  it('gives different customers for a different seed', () => {
    const a = generate(7);
    const b = generate(8);
    expect(portalDigest(b)).not.toBe(portalDigest(a));
    const emails = (portal: PortalData) =>
      new Set([...portal.recordsOf('contacts').values()].map((c) => c.properties.email));
    const shared = [...emails(a)].filter((email) => emails(b).has(email));
    expect(shared.length).toBeLessThan(80);
    const churned = (portal: PortalData) => [...portal.truth.values()].filter((t) => t.churned).length;
    expect(churned(b)).not.toBe(churned(a));
  });

  it('ends the history at the given date and spans the requested months', () => {
    const portal = new SandboxStore().createPortal(1);
    const summary = generatePortal(portal, { contacts: 300, seed: 3, now: NOW, months: 12 });
    expect(summary.to).toEqual(NOW);
    expect(summary.from).toEqual(new Date('2025-03-01T00:00:00.000Z'));
    const times = [...portal.usage].map((e) => e.occurredAt.getTime());
    expect(Math.max(...times)).toBeLessThan(NOW.getTime());
    expect(Math.min(...times)).toBeGreaterThanOrEqual(summary.from.getTime());
    for (const email of portal.recordsOf('emails').values()) {
      expect(Date.parse(email.properties.hs_timestamp!)).toBeLessThan(NOW.getTime());
    }
  });

  it('refuses nonsense options', () => {
    const portal = new SandboxStore().createPortal(1);
    expect(() => generatePortal(portal, { contacts: -1, seed: 1 })).toThrow(RangeError);
    expect(() => generatePortal(portal, { contacts: 10, seed: 1.5 })).toThrow(RangeError);
    expect(() => generatePortal(portal, { contacts: 10, seed: 1, months: 0 })).toThrow(RangeError);
    expect(portal.recordsOf('contacts').size).toBe(0);
  });
});
