import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import {
  DEFAULT_PORTAL_SETTINGS,
  loadPortalSettings,
  PortalSettingsError,
  updatePortalSettings,
} from '../../server/settings/portal-settings.js';
import { openTestDatabase, testDatabaseKind, type TestDatabase } from '../support/database.js';

describe(`portal settings on ${testDatabaseKind()}`, () => {
  let handle: TestDatabase;
  let portalId: number;
  let otherPortalId: number;

  beforeAll(async () => {
    handle = await openTestDatabase();
    portalId = (
      await upsertInstalledPortal(handle.db, { crm: 'hubspot', externalId: '801', name: 'A', domain: null })
    ).id;
    otherPortalId = (
      await upsertInstalledPortal(handle.db, { crm: 'hubspot', externalId: '802', name: 'B', domain: null })
    ).id;
  });
  afterAll(async () => {
    await handle.dispose();
  });

  it('reads the documented defaults for a portal that never changed anything', async () => {
    const settings = await loadPortalSettings(handle.db, portalId);
    expect(settings).toEqual(DEFAULT_PORTAL_SETTINGS);
    expect(settings.tiers).toEqual({ kind: 'share', highShare: 0.1, mediumShare: 0.2 });
    expect(settings.churnRule.kind).toBe('lifecycle_stage');
    expect(settings.schedule).toEqual({ day: 'monday', hour: 6, timeZone: 'UTC' });
  });

  it('stores a change for that portal only, and records who made it', async () => {
    const next = await updatePortalSettings(
      handle.db,
      portalId,
      { defaultHoldoutPercent: 20, schedule: { day: 'friday', hour: 9, timeZone: 'Europe/Paris' } },
      'user:42',
    );
    expect(next.defaultHoldoutPercent).toBe(20);
    expect((await loadPortalSettings(handle.db, portalId)).schedule).toEqual({
      day: 'friday',
      hour: 9,
      timeZone: 'Europe/Paris',
    });
    expect(await loadPortalSettings(handle.db, otherPortalId)).toEqual(DEFAULT_PORTAL_SETTINGS);
    const audit = await handle.db
      .selectFrom('audit_log')
      .select(['actor', 'action'])
      .where('portal_id', '=', portalId)
      .where('action', '=', 'settings.updated')
      .execute();
    expect(audit).toEqual([{ actor: 'user:42', action: 'settings.updated' }]);
  });

  it.each([
    [{ schedule: { day: 'funday', hour: 6, timeZone: 'UTC' } }, 'scheduleDay'],
    [{ schedule: { day: 'monday', hour: 6, timeZone: 'Mars/Olympus' } }, 'timeZone'],
    [{ tiers: { kind: 'share', highShare: 0.7, mediumShare: 0.5 } }, 'mediumShare'],
    [{ tiers: { kind: 'cost_aware', offerCost: -5, saveRate: 0.3 } }, 'offerCost'],
    [{ defaultHoldoutPercent: 90 }, 'defaultHoldoutPercent'],
    [{ churnRule: { kind: 'no_purchase', days: 0 } }, 'noPurchaseDays'],
    [{ colour: 'blue' }, 'colour'],
  ])('refuses %j naming the form field in words, and changes nothing', async (patch, field) => {
    const before = await loadPortalSettings(handle.db, portalId);
    const attempt = updatePortalSettings(handle.db, portalId, patch, 'user:42');
    await expect(attempt).rejects.toBeInstanceOf(PortalSettingsError);
    const error = (await attempt.catch((e: unknown) => e)) as PortalSettingsError;
    expect(error.details.map((d) => d.field)).toEqual([field]);
    expect(error.message).toMatch(/^Nothing was saved\. /);
    expect(await loadPortalSettings(handle.db, portalId)).toEqual(before);
  });

  it('reads a stored value an older release wrote, keeping what still parses', async () => {
    await handle.db
      .updateTable('portals')
      .set({ settings: JSON.stringify({ defaultHoldoutPercent: 15, tiers: { kind: 'retired' } }) })
      .where('id', '=', otherPortalId)
      .execute();
    const settings = await loadPortalSettings(handle.db, otherPortalId);
    expect(settings.defaultHoldoutPercent).toBe(15);
    expect(settings.tiers).toEqual(DEFAULT_PORTAL_SETTINGS.tiers);
  });
});
