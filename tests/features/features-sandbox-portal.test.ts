import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generatePortal } from '../../sandbox/generator/index.js';
import { SandboxStore } from '../../sandbox/store.js';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import { featuresOfContacts } from '../../server/features/build/build-features.js';
import { loadContacts } from '../../server/features/build/contact-chunks.js';
import { buildTrainingSet, TrainingSetError, type TrainingRow } from '../../server/features/labels.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { DAY } from './features-warehouse.js';
import { loadSandboxPortal } from './features-sandbox-load.js';

const NOW = new Date('2026-11-01T00:00:00Z');
const CUTOFFS = [330, 270, 210, 150, 90].map((days) => new Date(NOW.getTime() - days * DAY));

let database: TestDatabase;
let portalId: number;
let rows: TrainingRow[];

beforeAll(async () => {
  database = await openTestDatabase();
  const crm = new SandboxStore().createPortal(42);
  generatePortal(crm, { contacts: 600, seed: 5, now: NOW });
  const portal = await upsertInstalledPortal(database.db, {
    crm: 'hubspot',
    externalId: '42',
    name: 'Generated',
    domain: null,
  });
  portalId = portal.id;
  await loadSandboxPortal(database.db, portal.id, crm);
  rows = [];
  for await (const chunk of buildTrainingSet(database.db, portal.id, {
    cutoffs: CUTOFFS,
    horizonDays: 90,
    observedUntil: NOW,
    chunkSize: 250,
  }))
    rows.push(...chunk);
}, 300_000);
afterAll(async () => {
  await database.dispose();
});

function mean(of: TrainingRow[], feature: string): number {
  const values = of.map((r) => r.values[feature]).filter((v): v is number => typeof v === 'number');
  return values.reduce((a, b) => a + b, 0) / values.length;
}

describe('features of a generated portal', () => {
  it('the training set holds active customers at each cutoff, some of whom churn in the horizon', () => {
    const churned = rows.filter((r) => r.label === 1).length;
    expect(rows.length).toBeGreaterThan(600);
    expect(churned).toBeGreaterThan(20);
    expect(churned / rows.length).toBeLessThan(0.3);
    expect(rows.every((r) => r.values.lifecycle_stage === 'customer')).toBe(true);
  });

  it('churners used the product less than before, and opened fewer emails, than stayers', () => {
    const churners = rows.filter((r) => r.label === 1);
    const stayers = rows.filter((r) => r.label === 0);
    expect(mean(churners, 'usage_trend')).toBeLessThan(mean(stayers, 'usage_trend') - 0.05);
    expect(mean(churners, 'email_open_rate_90d')).toBeLessThan(mean(stayers, 'email_open_rate_90d') - 0.1);
    expect(mean(churners, 'days_since_last_use')).toBeGreaterThan(mean(stayers, 'days_since_last_use'));
  });

  it('reads a fixed sample of the contacts when asked for a share, the same one for a seed', async () => {
    const sample = async (seed: number) => {
      const contacts = new Set<string>();
      for await (const chunk of buildTrainingSet(database.db, portalId, {
        cutoffs: CUTOFFS,
        horizonDays: 90,
        observedUntil: NOW,
        contactShare: 0.5,
        seed,
      }))
        for (const row of chunk) contacts.add(row.contactId);
      return contacts;
    };
    const all = new Set(rows.map((r) => r.contactId));
    const first = await sample(1);
    expect([...first].every((id) => all.has(id))).toBe(true);
    expect(first.size / all.size).toBeGreaterThan(0.4);
    expect(first.size / all.size).toBeLessThan(0.6);
    expect(await sample(1)).toEqual(first);
    expect(await sample(2)).not.toEqual(first);
  }, 300_000);

  describe('at most so many rows', () => {
    const sampled = async (maxRows: number, seed: number) => {
      const kept: TrainingRow[] = [];
      for await (const chunk of buildTrainingSet(database.db, portalId, {
        cutoffs: CUTOFFS,
        horizonDays: 90,
        observedUntil: NOW,
        chunkSize: 250,
        maxRows,
        seed,
      }))
        kept.push(...chunk);
      return kept;
    };
    const key = (r: TrainingRow) => `${r.contactId}@${r.cutoff.toISOString()}`;

    it('keeps that many of the rows, each with the features and label it has when every row is built', async () => {
      const maxRows = Math.round(rows.length * 0.4);
      const kept = await sampled(maxRows, 1);
      expect(kept).toHaveLength(maxRows);
      const full = new Map(rows.map((r) => [key(r), r]));
      for (const row of kept) expect(row).toEqual(full.get(key(row)));
      expect(new Set(kept.map(key)).size).toBe(maxRows);
    }, 300_000);

    it('draws evenly from every cutoff and every part of the portal, the same rows for a seed', async () => {
      const maxRows = Math.round(rows.length * 0.4);
      const kept = await sampled(maxRows, 7);
      const ids = [...new Set(rows.map((r) => r.contactId))].sort();
      const laterHalf = new Set(ids.slice(ids.length / 2));
      const share = (part: (r: TrainingRow) => boolean) =>
        kept.filter(part).length / rows.filter(part).length;
      for (const cutoff of CUTOFFS) {
        const atCutoff = (r: TrainingRow) => r.cutoff.getTime() === cutoff.getTime();
        expect(share(atCutoff)).toBeGreaterThan(0.3);
        expect(share(atCutoff)).toBeLessThan(0.5);
      }
      for (const half of [
        (r: TrainingRow) => laterHalf.has(r.contactId),
        (r: TrainingRow) => !laterHalf.has(r.contactId),
      ]) {
        expect(share(half)).toBeGreaterThan(0.33);
        expect(share(half)).toBeLessThan(0.47);
      }
      expect((await sampled(maxRows, 7)).map(key)).toEqual(kept.map(key));
      expect((await sampled(maxRows, 8)).map(key)).not.toEqual(kept.map(key));
    }, 300_000);

    it('keeps every row when there are no more than that, and refuses a bound that is not a positive whole number', async () => {
      expect((await sampled(rows.length, 1)).map(key)).toEqual(rows.map(key));
      await expect(sampled(0, 1)).rejects.toThrow(TrainingSetError);
      await expect(sampled(2.5, 1)).rejects.toThrow('positive whole number');
    }, 300_000);
  });

  it('reads every cutoff in one pass and gets, value for value, what one cutoff at a time gets', async () => {
    const contacts = await loadContacts(database.db, portalId, { from: '', upTo: '\uffff' });
    for (const cutoff of CUTOFFS) {
      const expected = rows.filter((r) => r.cutoff.getTime() === cutoff.getTime());
      const wanted = new Set(expected.map((r) => r.contactId));
      const alone = await featuresOfContacts(
        database.db,
        portalId,
        cutoff,
        contacts.filter((c) => wanted.has(c.id)),
      );
      expect(alone.map((f) => [f.contactId, f.values])).toEqual(expected.map((r) => [r.contactId, r.values]));
    }
  }, 300_000);
});
