/**
 * The hidden truth continued 90 days past the end of the history (sandbox/generator/forward-truth.ts):
 * the label an active customer's score is judged on. It must be fixed by the seed, hold every
 * customer who has decided already, churn about as often as the history does, and leave the CRM
 * exactly as it was generated before it existed.
 */
import { describe, it, expect, beforeAll } from '@jest/globals';
import { createHash } from 'node:crypto';
import { generatePortal } from '../../sandbox/generator/index.js';
import { copyPortal } from '../../sandbox/salesforce/from-generator.js';
import { SalesforceStore } from '../../sandbox/salesforce/store.js';
import { OBJECT_TYPES, SandboxStore, type HiddenTruth, type PortalData } from '../../sandbox/store.js';

const NOW = new Date('2026-03-01T00:00:00.000Z');
const DAY_MS = 86_400_000;
const HORIZON_MS = 90 * DAY_MS;

function generate(seed: number, contacts: number): PortalData {
  const portal = new SandboxStore().createPortal(31);
  generatePortal(portal, { contacts, seed, now: NOW });
  return portal;
}

function forwardOf(truth: HiddenTruth): [boolean | undefined, number | null, number | null] {
  return [
    truth.churnsWithin90Days,
    truth.forwardDecisionAt?.getTime() ?? null,
    truth.forwardVisibleAt?.getTime() ?? null,
  ];
}

/**
 * Among the customers the CRM shows as customers at `at` (bought before, churn not visible yet),
 * the share who leave within 90 days: decided before `at`, or deciding within the 90 days.
 */
function churnRate(portal: PortalData, at: number, leaves: (truth: HiddenTruth) => boolean): number {
  const contacts = portal.recordsOf('contacts');
  let active = 0;
  let churners = 0;
  for (const truth of portal.truth.values()) {
    const since = Date.parse(contacts.get(truth.contactId)!.properties.hs_lifecyclestage_customer_date!);
    if (!(since < at) || (truth.churnVisibleAt !== null && truth.churnVisibleAt.getTime() < at)) continue;
    active++;
    if (leaves(truth)) churners++;
  }
  return churners / active;
}

describe('the forward truth', () => {
  let portal: PortalData;

  beforeAll(() => {
    portal = generate(99, 1500);
  });

  it('is the same for the same seed', () => {
    const again = generate(99, 1500);
    expect([...again.truth.keys()]).toEqual([...portal.truth.keys()]);
    for (const [id, truth] of portal.truth) expect(forwardOf(again.truth.get(id)!)).toEqual(forwardOf(truth));
  });

  it('holds every customer who has decided while the CRM does not show it, and the new deciders', () => {
    let decidedNotVisible = 0;
    let deciders = 0;
    for (const truth of portal.truth.values()) {
      const pending = truth.churnDecidedAt !== null && truth.churnVisibleAt === null;
      if (pending) decidedNotVisible++;
      const decision = truth.forwardDecisionAt ?? null;
      if (decision !== null) {
        deciders++;
        // Only a customer undecided at the end decides within the next 90 days, shown 14–56 days later.
        expect(truth.churnDecidedAt).toBeNull();
        expect(decision.getTime()).toBeGreaterThanOrEqual(NOW.getTime());
        expect(decision.getTime()).toBeLessThan(NOW.getTime() + HORIZON_MS);
        const lag = truth.forwardVisibleAt!.getTime() - decision.getTime();
        expect(lag).toBeGreaterThanOrEqual(14 * DAY_MS);
        expect(lag).toBeLessThanOrEqual(56 * DAY_MS);
      } else {
        expect(truth.forwardVisibleAt).toBeNull();
      }
      expect(truth.churnsWithin90Days).toBe(pending || decision !== null);
    }
    expect(decidedNotVisible).toBeGreaterThan(5);
    expect(deciders).toBeGreaterThan(decidedNotVisible);
  });

  it('churns about as often in the next 90 days as customers did over 90 days in the history', () => {
    const now = NOW.getTime();
    const forward = churnRate(portal, now, (t) => t.churnsWithin90Days === true);
    const history = [120, 180, 270, 360].map((daysBack) => {
      const at = now - daysBack * DAY_MS;
      return churnRate(
        portal,
        at,
        (t) => t.churnDecidedAt !== null && t.churnDecidedAt.getTime() < at + HORIZON_MS,
      );
    });
    const historical = history.reduce((s, x) => s + x, 0) / history.length;
    expect(historical).toBeGreaterThan(0.03);
    expect(forward).toBeGreaterThan(historical / 2);
    expect(forward).toBeLessThan(historical * 2);
  });

  it('travels with the truth into a Salesforce org', () => {
    const org = new SalesforceStore().createOrg();
    copyPortal(org, portal);
    const copied = [...org.truth.values()];
    expect(copied.length).toBe(portal.truth.size);
    expect(copied.filter((t) => t.churnsWithin90Days).length).toBe(
      [...portal.truth.values()].filter((t) => t.churnsWithin90Days).length,
    );
    expect(copied.every((t) => typeof t.churnsWithin90Days === 'boolean')).toBe(true);
  });

  it('leaves the CRM and the rest of the truth as generated without it', () => {
    const small = new SandboxStore().createPortal(4242);
    generatePortal(small, { contacts: 800, seed: 7, now: NOW });
    const crm = createHash('sha256');
    for (const type of OBJECT_TYPES) {
      for (const record of small.recordsOf(type).values()) {
        // Plans apart: plan changes (plan-changes.ts) come from a stream of their own too.
        const { plan: _plan, ...properties } = record.properties;
        crm.update(JSON.stringify([type, record.id, properties, record.createdAt, record.updatedAt]));
      }
    }
    for (const [key, list] of small.associations) crm.update(JSON.stringify([key, list]));
    for (const event of small.usage) crm.update(JSON.stringify(event));
    const history = createHash('sha256');
    for (const t of small.truth.values()) {
      history.update(
        JSON.stringify([t.contactId, t.churned, t.churnDecidedAt, t.churnVisibleAt, t.risk, t.drivers]),
      );
    }
    // The digests of this seed's portal before the forward truth existed; a deliberate change to
    // what the generator writes changes them.
    expect(crm.digest('hex')).toBe('954d44845dafcdd92d5d5ff97be7a4bc0eecb3b3a231292e3c20b438a0499f87');
    expect(history.digest('hex')).toBe('70f0ca714c03eeae0b08e656ba283b8406b8a288a585f7a23b4ad14c910cfada');
  });
});
