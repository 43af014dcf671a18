/**
 * A portal's model is validated the way it is used: its cross-validation keeps an account's (or a
 * lone contact's) rows in one fold, and an out-of-time check fits on the older cutoffs and judges
 * the latest one. That check's ROC-AUC should tell what the model is worth today: on generated
 * portals it is compared with the ranking of today's active customers against the sandbox's
 * hidden truth (who leaves in the next 90 days: decided already, or deciding within them).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generatePortal } from '../../sandbox/generator/index.js';
import { SandboxStore, type PortalData } from '../../sandbox/store.js';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import { featuresOfContacts } from '../../server/features/build/build-features.js';
import { loadContacts } from '../../server/features/build/contact-chunks.js';
import { datasetFromRecords, predictProbabilities } from '../../server/model/index.js';
import type { TrainedModel } from '../../server/model/model.js';
import {
  HORIZON_DAYS,
  portalFeatureSpec,
  trainPortalModel,
  type PortalTrainingResult,
} from '../../server/scoring/portal-model.js';
import { loadSandboxPortal } from '../features/features-sandbox-load.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { rocAuc } from '../support/roc-auc.js';

const NOW = new Date('2026-11-01T00:00:00Z');
const CONTACTS = 2000;
const SEEDS = [5, 17];

let database: TestDatabase;
const portals = new Map<number, { id: number; crm: PortalData; trained: PortalTrainingResult }>();

beforeAll(async () => {
  database = await openTestDatabase();
  for (const seed of SEEDS) {
    const crm = new SandboxStore().createPortal(500 + seed);
    generatePortal(crm, { contacts: CONTACTS, seed, now: NOW });
    const portal = await upsertInstalledPortal(database.db, {
      crm: 'hubspot',
      externalId: String(500 + seed),
      name: `Generated ${seed}`,
      domain: null,
    });
    await loadSandboxPortal(database.db, portal.id, crm);
    const trained = await trainPortalModel(database.db, portal.id, { now: NOW, seed: 42 });
    portals.set(seed, { id: portal.id, crm, trained });
  }
}, 600_000);

afterAll(async () => {
  await database?.dispose();
});

/**
 * ROC-AUC of today's scores of the hidden truth's active customers against who of them leaves in
 * the next 90 days (`churnsWithin90Days`: the generator's churn process continued past `now`).
 */
async function hiddenTruthRocAuc(portalId: number, crm: PortalData, model: TrainedModel): Promise<number> {
  const active = [...crm.truth.values()].filter((t) => t.churnVisibleAt === null);
  const contacts = await loadContacts(database.db, portalId, { ids: active.map((t) => t.contactId) });
  const features = await featuresOfContacts(database.db, portalId, NOW, contacts);
  const dataset = datasetFromRecords(
    features.map((f) => f.values),
    { features: portalFeatureSpec() },
  );
  const probabilities = await predictProbabilities(model, dataset);
  const labels = features.map((f) => crm.truth.get(f.contactId)!.churnsWithin90Days === true);
  return rocAuc([...probabilities], labels);
}

describe.each(SEEDS)('a generated portal (seed %i)', (seed) => {
  it('cross-validates by account: fewer groups than contacts, every row in one', () => {
    const { trained } = portals.get(seed)!;
    const metrics = trained.model.model.metrics!;
    expect(metrics.cv_split).toBe('groups');
    expect(metrics.cv_groups).toBeGreaterThan(100);
    expect(metrics.cv_groups).toBeLessThan(CONTACTS);
  });

  it('carries an out-of-time check on the latest cutoff, with intervals and the churners they rest on', () => {
    const { trained } = portals.get(seed)!;
    const check = trained.model.model.metrics!.out_of_time!;
    expect(check.status).toBe('measured');
    if (check.status !== 'measured') return;
    expect(check.churners).toBeGreaterThanOrEqual(20);
    expect(check.rows).toBeGreaterThan(check.churners);
    expect(check.fit_rows).toBeGreaterThan(check.rows);
    expect(Date.parse(check.fit_period!.to) + HORIZON_DAYS * 86_400_000).toBeLessThanOrEqual(
      Date.parse(check.validate_at!),
    );
    // Training reads a year of monthly cutoffs: the check fits on customers from eleven months
    // before the one it judges (the Model page names the period).
    expect(Date.parse(check.validate_at!) - Date.parse(check.fit_period!.from)).toBeGreaterThanOrEqual(
      330 * 86_400_000,
    );
    // As the model is used, many of the latest cutoff's customers were already customers before.
    expect(check.repeated_contacts).toBeGreaterThan(0);
    for (const figure of [check.roc_auc, check.pr_auc, check.brier, check.calibration_slope]) {
      expect(figure.low).toBeLessThanOrEqual(figure.value);
      expect(figure.value).toBeLessThanOrEqual(figure.high);
    }
    expect(check.roc_auc.high - check.roc_auc.low).toBeLessThan(0.2);
  });

  it('its out-of-time ROC-AUC is close to the ranking of today’s customers against the hidden truth', async () => {
    const { id, crm, trained } = portals.get(seed)!;
    const check = trained.model.model.metrics!.out_of_time!;
    if (check.status !== 'measured') throw new Error('no out-of-time figure');
    const truth = await hiddenTruthRocAuc(id, crm, trained.model.model);
    expect(Math.abs(check.roc_auc.value - truth)).toBeLessThan(0.1);
  }, 300_000);
});
