/**
 * A customer who moved to a cheaper plan a month before leaving: the features of a date before the
 * downgrade are what the CRM held on that date, not today's plan, so the model never learns from a
 * downgrade it could not have seen. Synced from the sandbox over HTTP, history and all.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLANS } from '../../sandbox/generator/profile.js';
import { featuresOfContacts } from '../../server/features/build/build-features.js';
import { loadContacts } from '../../server/features/build/contact-chunks.js';
import type { FeatureValues } from '../../server/features/catalogue.js';
import { customerStatusAt, NO_DEALS } from '../../server/features/customer-status.js';
import { DEFAULT_CHURN_RULE, FORMER_CUSTOMER_STAGE } from '../../server/settings/churn-rule.js';
import { syncPortal } from '../../server/sync/sync-portal.js';
import { installedPortal, type InstalledPortal } from '../support/installed-portal.js';
import { DAY } from './features-warehouse.js';

const HUB = 733;
const NOW = new Date('2026-11-01T00:00:00Z');

let portal: InstalledPortal;

beforeAll(async () => {
  portal = await installedPortal({ hub: HUB, contacts: 150, seed: 31, now: NOW });
}, 300_000);

afterAll(async () => {
  await portal?.close();
});

const db = () => portal.product.ctx.db.db;
const sync = (mode: 'full' | 'incremental' = 'full') =>
  syncPortal(
    { db: db(), connector: portal.product.ctx.services.crms.connectorFor('hubspot') },
    portal.portalId,
    mode,
  );

async function featuresAt(contactId: string, asOf: Date): Promise<FeatureValues> {
  const contacts = await loadContacts(db(), portal.portalId, { ids: [contactId] });
  const [features] = await featuresOfContacts(db(), portal.portalId, asOf, contacts);
  return features!.values;
}

/** The plan one step cheaper, in the plan's own segment. */
function cheaper(plan: string): string | undefined {
  for (const plans of Object.values(PLANS)) {
    const tier = plans.findIndex(([name]) => name === plan);
    if (tier > 0) return plans[tier - 1]![0];
  }
  return undefined;
}

describe('profile values as of the cutoff', () => {
  it('a plan downgrade 30 days before leaving changes nothing in the features of a date before it', async () => {
    const { crm } = portal;
    // A customer who left, on a plan with a cheaper one below it, whose plan never changed.
    const leaver = [...crm.recordsOf('contacts').values()].find((contact) => {
      const left = crm.truth.get(contact.id)?.churnVisibleAt;
      return (
        left != null &&
        left.getTime() - contact.createdAt.getTime() > 200 * DAY &&
        cheaper(contact.properties.plan ?? '') !== undefined &&
        !contact.history?.plan
      );
    })!;
    expect(leaver).toBeDefined();
    const plan = leaver.properties.plan!;
    const left = crm.truth.get(leaver.id)!.churnVisibleAt!;
    const downgradedAt = new Date(left.getTime() - 30 * DAY);
    const before = new Date(downgradedAt.getTime() - 60 * DAY);
    const after = new Date(downgradedAt.getTime() + 7 * DAY);

    await sync();
    const untouched = await featuresAt(leaver.id, before);
    expect(untouched.plan).toBe(plan);

    crm.updateRecord('contacts', leaver.id, { plan: cheaper(plan)! }, downgradedAt);
    await sync();
    const stored = await db()
      .selectFrom('contacts')
      .select('plan')
      .where('portal_id', '=', portal.portalId)
      .where('id', '=', leaver.id)
      .executeTakeFirstOrThrow();
    expect(stored.plan).toBe(cheaper(plan));

    // Before the downgrade: every feature as it was. After it: the cheaper plan.
    expect(await featuresAt(leaver.id, before)).toEqual(untouched);
    expect((await featuresAt(leaver.id, after)).plan).toBe(cheaper(plan));
  }, 300_000);

  it('sees a customer who leaves after the history was read as churned from the day the CRM says', async () => {
    const { crm, sandbox } = portal;
    const stayer = [...crm.recordsOf('contacts').values()].find(
      (c) => c.properties.lifecyclestage === 'customer' && !c.properties.hs_merged_object_ids,
    )!;
    await sync();
    const leftAt = sandbox.store.now();
    crm.updateRecord(
      'contacts',
      stayer.id,
      { lifecyclestage: FORMER_CUSTOMER_STAGE, hs_lifecyclestage_other_date: leftAt.toISOString() },
      leftAt,
    );
    await sync('incremental');
    const [row] = await loadContacts(db(), portal.portalId, { ids: [stayer.id] });
    const after = new Date(leftAt.getTime() + DAY);
    expect(customerStatusAt(row!, NO_DEALS, DEFAULT_CHURN_RULE, after)).toMatchObject({
      status: 'churned',
      leftAt,
    });
  }, 300_000);

  it('keeps the profile history of every customer, each plan change dated as in the CRM', async () => {
    const rows = await db()
      .selectFrom('contacts')
      .select(['id', 'stage_kind', 'property_history'])
      .where('portal_id', '=', portal.portalId)
      .execute();
    const customers = rows.filter((r) => r.stage_kind === 'customer' || r.stage_kind === 'former');
    expect(customers.length).toBeGreaterThan(50);
    for (const row of customers) {
      expect(Object.keys(row.property_history ?? {})).toEqual(
        expect.arrayContaining(['plan', 'billing_period', 'segment', 'country']),
      );
    }
    // Each generated plan change is in the warehouse's history, with the CRM's date.
    const changed = [...portal.crm.recordsOf('contacts').values()].filter((c) => c.history?.plan);
    expect(changed.length).toBeGreaterThan(0);
    for (const contact of changed) {
      const history = rows.find((r) => r.id === contact.id)?.property_history;
      if (!history) continue; // merged away or deleted by the generator
      expect(history.plan!.at(-1)!.value).toBe(contact.properties.plan);
      expect(history.plan!.length).toBeGreaterThan(1);
    }
  });
});
