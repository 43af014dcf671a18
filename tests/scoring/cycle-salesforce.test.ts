/**
 * The scoring cycle of cycle.test.ts on a Salesforce org instead of a HubSpot portal: the same
 * generated customers, installed through Salesforce's OAuth, synced with SOQL, scored, and written
 * back as the five custom fields the cycle creates; a second cycle sends only what the org no longer
 * holds.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { forwardUsageEvents } from '../../cli/demo-install.js';
import { generateOrg } from '../../sandbox/salesforce/from-generator.js';
import type { SalesforceOrg } from '../../sandbox/salesforce/org.js';
import { enqueueCycle } from '../../server/jobs/cycle-job.js';
import type { WorkerPool } from '../../server/jobs/worker-pool.js';
import { latestRunProgress } from '../../server/scoring/runs.js';
import { createUsageApiKey } from '../../server/sync/usage/api-keys.js';
import { startSalesforceHarness } from '../contract/salesforce-driver.js';
import { waitUntil } from '../support/processes.js';
import { firstRunAfter, lastRunInFirstRunsHour, rewritesBetween, storedTiers } from '../support/rewrites.js';
import { rocAuc } from '../support/roc-auc.js';

const CONTACTS = 3000;
const SCORE_FIELDS = [
  'Churn_Risk_Score__c',
  'Churn_Risk_Tier__c',
  'Churn_Risk_Reasons__c',
  'Churn_Risk_Updated_At__c',
  'Churn_Risk_Model__c',
];

let harness: Awaited<ReturnType<typeof startSalesforceHarness>>;
let worker: WorkerPool;
let org: SalesforceOrg;
let portalId: number;

beforeAll(async () => {
  harness = await startSalesforceHarness();
}, 300_000);

afterAll(async () => {
  await worker?.close(1000);
  await harness?.stop();
});

const compositeWrites = () => harness.wire.since(0).filter((c) => c.kind === 'batch-update').length;

function contacts() {
  return [...org.records('Contact')].filter((r) => r.fields.IsDeleted !== true);
}

function scoreFields() {
  return new Map(
    contacts().map((c) => [c.Id, Object.fromEntries(SCORE_FIELDS.map((f) => [f, c.fields[f] ?? null]))]),
  );
}

describe('the scoring cycle on a Salesforce org', () => {
  it('scores every customer after the install and writes the five fields back', async () => {
    const installed = await harness.installOrg(0);
    org = installed.org;
    portalId = installed.portalId;
    generateOrg(org, { contacts: CONTACTS, seed: 77 });
    const key = await createUsageApiKey(harness.db, portalId);
    await forwardUsageEvents(harness.product.url, key.key, org.usageEvents);
    worker = await harness.product.startWorker();
    await waitUntil(
      async () => (await latestRunProgress(harness.db, portalId))?.status === 'succeeded',
      720_000,
    );

    const run = (await latestRunProgress(harness.db, portalId))!;
    const truth = org.truth;
    const active = [...truth.values()].filter((t) => t.churnVisibleAt === null).length;
    expect(run.contactsScored).toBe(active);
    // Every contact the org holds (the generated history merged or deleted a few).
    const all = contacts();
    expect(all.length).toBeGreaterThan(CONTACTS * 0.95);
    expect(run.written).toBe(all.length);
    for (const contact of all) {
      const t = truth.get(contact.Id);
      const expected = !t ? 'prospect' : t.churnVisibleAt !== null ? 'churned' : null;
      if (expected) {
        expect([contact.Id, contact.fields.Churn_Risk_Tier__c]).toEqual([contact.Id, expected]);
        expect(contact.fields.Churn_Risk_Score__c).toBeNull();
      } else {
        for (const name of SCORE_FIELDS)
          expect([name, contact.fields[name] ?? null]).not.toEqual([name, null]);
      }
    }
    const tiers = new Map<string, number>();
    for (const c of all) {
      const tier = String(c.fields.Churn_Risk_Tier__c);
      tiers.set(tier, (tiers.get(tier) ?? 0) + 1);
    }
    expect(Math.abs(tiers.get('high')! - active * 0.1)).toBeLessThanOrEqual(1);
    expect(Math.abs(tiers.get('medium')! - active * 0.2)).toBeLessThanOrEqual(1);

    const scores: number[] = [];
    const labels: boolean[] = [];
    for (const [id, t] of truth) {
      if (t.churnVisibleAt !== null) continue;
      scores.push(Number(org.byId(id)!.fields.Churn_Risk_Score__c));
      labels.push(t.churnDecidedAt !== null);
    }
    const auc = rocAuc(scores, labels);
    console.log(
      `Salesforce: written Churn_Risk_Score__c vs hidden churn in the next 90 days: ROC-AUC ${auc.toFixed(3)} ` +
        `(${labels.filter(Boolean).length} churners of ${labels.length} customers; ${compositeWrites()} composite writes)`,
    );
    expect(auc).toBeGreaterThanOrEqual(0.8);
  }, 900_000);

  it('sends on a second cycle only what the org no longer holds: fields someone cleared', async () => {
    const scored = contacts().filter((c) =>
      ['low', 'medium', 'high'].includes(String(c.fields.Churn_Risk_Tier__c)),
    );
    const cleared = scored.slice(0, 5);
    for (const c of cleared)
      org.update('Contact', c.Id, { Churn_Risk_Tier__c: null, Churn_Risk_Score__c: null });
    const touched = cleared.map((c) => c.Id).sort();
    const fieldsBefore = scoreFields();
    const mark = harness.wire.mark();
    const first = (await latestRunProgress(harness.db, portalId))!;
    await enqueueCycle(harness.product.ctx.queues, portalId, 'manual');
    // The run this request started, whatever else the portal's queue runs after it.
    const second = () => firstRunAfter(harness.db, portalId, first.runId, 'manual');
    await waitUntil(async () => (await second())?.status === 'succeeded', 840_000);
    const run = (await second())!;
    const active = [...org.truth.values()].filter((t) => t.churnVisibleAt === null).length;
    expect(run.summary.scored).toBe(active);

    const tierOf = await storedTiers(harness.db, portalId, touched);
    for (const c of cleared) {
      expect([c.Id, org.byId(c.Id)!.fields.Churn_Risk_Tier__c]).toEqual([c.Id, tierOf.get(c.Id)]);
      expect(org.byId(c.Id)!.fields.Churn_Risk_Score__c).not.toBeNull();
    }
    // Nothing the org still held was sent again; within the first cycle's hour, only the five.
    const { changed } = rewritesBetween(fieldsBefore, scoreFields(), 'Churn_Risk_Updated_At__c');
    const contactIds = new Set(contacts().map((c) => c.Id));
    const sent = [
      ...new Set(
        harness.wire
          .since(mark)
          .filter((c) => c.kind === 'batch-update')
          .flatMap((c) => c.ids)
          .filter((id) => contactIds.has(id)),
      ),
    ].sort();
    expect(sent).toEqual(changed);
    for (const id of touched) expect(sent).toContain(id);
    if (await lastRunInFirstRunsHour(harness.db, portalId)) expect(sent).toEqual(touched);
  }, 900_000);
});
