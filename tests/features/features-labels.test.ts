import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { json } from '../../server/db/json.js';
import { buildFeatures } from '../../server/features/build/build-features.js';
import {
  buildTrainingSet,
  churnRuleOf,
  churnRuleSchema,
  DEFAULT_CHURN_RULE,
  TrainingSetError,
  type ChurnRule,
  type TrainingRow,
} from '../../server/features/labels.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { DAY, FixtureWarehouse } from './features-warehouse.js';

const A = new Date('2026-03-01T00:00:00Z');
const at = (days: number) => new Date(A.getTime() + days * DAY);
const UNTIL = at(365);

let database: TestDatabase;
let w: FixtureWarehouse;
const id: Record<string, string> = {};

async function labels(
  options: { cutoffs?: Date[]; horizonDays?: number; rule?: ChurnRule } = {},
): Promise<Map<string, 0 | 1>> {
  const rows: TrainingRow[] = [];
  for await (const chunk of buildTrainingSet(database.db, w.portalId, {
    cutoffs: options.cutoffs ?? [A],
    horizonDays: options.horizonDays ?? 60,
    observedUntil: UNTIL,
    ...(options.rule ? { rule: options.rule } : {}),
  }))
    rows.push(...chunk);
  return new Map(rows.map((r) => [`${r.contactId}@${r.cutoff.toISOString().slice(0, 10)}`, r.label]));
}
const key = (name: string, cutoff = A) => `${id[name]}@${cutoff.toISOString().slice(0, 10)}`;

async function customer(name: string, sinceDays: number, properties: Record<string, string | null> = {}) {
  const left = properties.hs_lifecyclestage_other_date !== undefined;
  id[name] = await w.contact(
    { id: name, createdAt: at(sinceDays), stage: left ? 'other' : 'customer' },
    { hs_lifecyclestage_customer_date: at(sinceDays).toISOString(), ...properties },
  );
  return id[name];
}

beforeAll(async () => {
  database = await openTestDatabase();
  w = await FixtureWarehouse.create(database.db, 'features-labels');
  await customer('steady', -400);
  await customer('leaves', -400, { hs_lifecyclestage_other_date: at(30).toISOString() });
  await w.deal(await customer('renewal-lost', -400), { closeAt: at(10), won: false, renewal: true });
  await w.deal(await customer('new-deal-lost', -400), { closeAt: at(10), won: false, renewal: false });
  await customer('left-before', -400, { hs_lifecyclestage_other_date: at(-5).toISOString() });
  await customer('joins-later', 5);
  id.prospect = await w.contact({ id: 'prospect', createdAt: at(-100), stage: 'lead' });
  await customer('flagged', -400, { churned: 'true', churn_date: at(15).toISOString() });
  for (const [name, purchases] of [
    ['buys-on', [-50, -20, 10]],
    ['stops', [-50]],
    ['long-gone', [-100]],
    ['late-again', [-20, 50]],
  ] as const) {
    id[name] = await w.contact({ id: name, createdAt: at(-200), stage: 'customer' });
    for (const d of purchases) await w.deal(id[name], { closeAt: at(d), won: true });
  }
}, 300_000);
afterAll(async () => {
  await database.dispose();
});

describe('the churn label rule', () => {
  it('a rule is validated, and a portal without one uses the default', () => {
    expect(churnRuleOf({})).toEqual(DEFAULT_CHURN_RULE);
    // The former stage and the renewal types are the CRM's own unless the admin names them.
    expect(DEFAULT_CHURN_RULE).toEqual({ kind: 'lifecycle_stage', renewalLost: true });
    expect(churnRuleSchema.parse({ kind: 'property', property: 'Churned__c' })).toMatchObject({
      property: 'Churned__c',
    });
    expect(() => churnRuleSchema.parse({ kind: 'no_purchase', days: 0 })).toThrow();
    expect(() => churnRuleSchema.parse({ kind: 'property', property: 'Churned; drop' })).toThrow();
    expect(() => churnRuleOf({ churnRule: { kind: 'sometimes' } })).toThrow();
  });

  it('default: the former-customer stage or a lost renewal, among customers active at the cutoff', async () => {
    const l = await labels();
    expect(l.get(key('steady'))).toBe(0);
    expect(l.get(key('leaves'))).toBe(1);
    expect(l.get(key('renewal-lost'))).toBe(1);
    expect(l.get(key('new-deal-lost'))).toBe(0);
    // Outside the population: churned before, customer only later, never a customer.
    for (const name of ['left-before', 'joins-later', 'prospect']) expect(l.has(key(name))).toBe(false);
  });

  it('the horizon bounds the label, and each cutoff has its own population and labels', async () => {
    expect((await labels({ horizonDays: 20 })).get(key('leaves'))).toBe(0);
    const earlier = at(-60);
    const l = await labels({ cutoffs: [earlier, A] });
    expect(l.get(key('leaves', earlier))).toBe(0);
    expect(l.get(key('leaves', A))).toBe(1);
    expect(l.get(key('left-before', earlier))).toBe(1);
    expect(l.has(key('left-before', A))).toBe(false);
  });

  it('without renewals, only the stage counts', async () => {
    const l = await labels({ rule: churnRuleSchema.parse({ kind: 'lifecycle_stage', renewalLost: false }) });
    expect(l.get(key('renewal-lost'))).toBe(0);
    expect(l.get(key('leaves'))).toBe(1);
  });

  it('a boolean property, dated by another property', async () => {
    const rule = churnRuleSchema.parse({ kind: 'property', property: 'churned', dateProperty: 'churn_date' });
    const l = await labels({ rule });
    expect(l.get(key('flagged'))).toBe(1);
    expect(l.get(key('leaves'))).toBe(0);
    expect((await labels({ rule, horizonDays: 10 })).get(key('flagged'))).toBe(0);
  });

  it('no purchase in N days: active if they bought within N days, churned if the next purchase misses the deadline', async () => {
    const l = await labels({ rule: churnRuleSchema.parse({ kind: 'no_purchase', days: 60 }) });
    expect(l.get(key('buys-on'))).toBe(0);
    expect(l.get(key('stops'))).toBe(1);
    expect(l.get(key('late-again'))).toBe(1);
    expect(l.has(key('long-gone'))).toBe(false);
  });

  it('the rule stored in the portal settings is the one used', async () => {
    await database.db
      .updateTable('portals')
      .set({ settings: json({ churnRule: { kind: 'no_purchase', days: 60 } }) })
      .where('id', '=', w.portalId)
      .execute();
    try {
      const l = await labels();
      expect(l.get(key('stops'))).toBe(1);
      expect(l.has(key('steady'))).toBe(false);
    } finally {
      await database.db
        .updateTable('portals')
        .set({ settings: json({}) })
        .where('id', '=', w.portalId)
        .execute();
    }
  });

  it('training rows carry the features as of their cutoff', async () => {
    const rows: TrainingRow[] = [];
    for await (const chunk of buildTrainingSet(database.db, w.portalId, {
      cutoffs: [A],
      horizonDays: 60,
      observedUntil: UNTIL,
    }))
      rows.push(...chunk);
    const asOf = new Map<string, unknown>();
    for await (const chunk of buildFeatures(database.db, w.portalId, A))
      for (const f of chunk) asOf.set(f.contactId, f.values);
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) expect(row.values).toEqual(asOf.get(row.contactId));
  });

  it('refuses a cutoff whose horizon is not observed yet', async () => {
    const run = async () => {
      for await (const chunk of buildTrainingSet(database.db, w.portalId, {
        cutoffs: [at(330)],
        horizonDays: 60,
        observedUntil: UNTIL,
      }))
        void chunk;
    };
    await expect(run()).rejects.toThrow(TrainingSetError);
  });
});
