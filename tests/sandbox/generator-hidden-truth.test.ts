import { describe, it, expect, beforeAll } from '@jest/globals';
import { generatePortal } from '../../sandbox/generator/index.js';
import { OBJECT_TYPES, SandboxStore, type PortalData } from '../../sandbox/store.js';

const NOW = new Date('2026-03-01T00:00:00.000Z');

describe('the hidden truth', () => {
  let portal: PortalData;

  beforeAll(() => {
    portal = new SandboxStore().createPortal(31);
    generatePortal(portal, { contacts: 1500, seed: 99, now: NOW });
  });

  it('is recorded for every customer, with its drivers', () => {
    const customers = [...portal.recordsOf('contacts').values()].filter(
      (c) => c.properties.hs_lifecyclestage_customer_date,
    );
    expect(portal.truth.size).toBe(customers.length);
    const churned = [...portal.truth.values()].filter((t) => t.churned);
    expect(churned.length).toBeGreaterThan(100);
    for (const truth of portal.truth.values()) {
      expect(truth.risk).toBeGreaterThanOrEqual(0);
      expect(truth.risk).toBeLessThanOrEqual(1);
      expect(Object.keys(truth.drivers)).toEqual(
        expect.arrayContaining(['fallingUsage', 'price', 'newCustomer']),
      );
      expect(truth.churned).toBe(truth.churnDecidedAt !== null);
    }
    // Some have decided but the CRM does not show it yet: exactly whom the product should find.
    expect(churned.some((t) => t.churnVisibleAt === null)).toBe(true);
  });

  it('appears in no record: no property name or value carries the decision, risk or drivers', () => {
    const secrets = new Set<string>();
    const driverNames = new Set<string>();
    for (const truth of portal.truth.values()) {
      if (truth.churnDecidedAt) secrets.add(truth.churnDecidedAt.toISOString());
      // Whole numbers (a driver at 0, say) are too common to be a trace of the truth.
      const traces = [truth.risk, ...Object.values(truth.drivers)].filter((v) => !Number.isInteger(v));
      for (const value of traces) secrets.add(String(value));
      for (const name of Object.keys(truth.drivers)) driverNames.add(name.toLowerCase());
    }
    const forbiddenNames = /churn|risk|truth|decided|frailty|driver/i;
    const leaks: string[] = [];
    for (const type of OBJECT_TYPES) {
      for (const name of portal.properties.get(type)!.keys()) if (forbiddenNames.test(name)) leaks.push(name);
      for (const record of portal.recordsOf(type).values()) {
        for (const [name, value] of Object.entries(record.properties)) {
          if (forbiddenNames.test(name) || driverNames.has(name.toLowerCase())) leaks.push(`${type}.${name}`);
          if (value !== null && secrets.has(value)) leaks.push(`${type} ${record.id} ${name}=${value}`);
        }
      }
    }
    expect(secrets.size).toBeGreaterThan(1000);
    expect(leaks).toEqual([]);
  });

  it('stays out of usage events, which carry only what a product would send', () => {
    for (const event of portal.usage.slice(0, 5000)) {
      expect(Object.keys(event).sort()).toEqual(
        expect.arrayContaining(['contactId', 'email', 'eventId', 'minutes', 'occurredAt', 'type']),
      );
      expect(Object.keys(event).length).toBeLessThanOrEqual(7);
    }
  });
});
