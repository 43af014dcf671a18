import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import {
  loadPortalSettings,
  PortalSettingsError,
  updatePortalSettings,
  type PortalSettings,
} from '../../server/settings/portal-settings.js';
import { loadSettingsOptions } from '../../server/settings/stage-options.js';
import { formOf, settingsOf, type SettingsForm } from '../../web/src/pages/settings-form.js';
import { describeRun, nextRunAt, timeZoneGroups } from '../../web/src/pages/settings-schedule.js';
import { openTestDatabase, testDatabaseKind, type TestDatabase } from '../support/database.js';

/** What the server answers for `patch`: its problems, or none when it stored it. */
async function refusal(db: TestDatabase['db'], portalId: number, patch: unknown) {
  try {
    await updatePortalSettings(db, portalId, patch, 'user:42');
    return null;
  } catch (error) {
    if (!(error instanceof PortalSettingsError)) throw error;
    return { message: error.message, details: error.details };
  }
}

/** Anything that reads like code rather than words: a dotted path, a camelCase name, "must not". */
const CODE_LIKE = /\b[a-z]+\.[a-z]+\b|\b[a-z]+[A-Z][A-Za-z]*\b|must not|expected|Invalid input/;

describe(`settings refused in words, on ${testDatabaseKind()}`, () => {
  let handle: TestDatabase;
  let hubspot: number;
  let salesforce: number;

  beforeAll(async () => {
    handle = await openTestDatabase();
    hubspot = (
      await upsertInstalledPortal(handle.db, { crm: 'hubspot', externalId: '901', name: 'H', domain: null })
    ).id;
    salesforce = (
      await upsertInstalledPortal(handle.db, {
        crm: 'salesforce',
        externalId: '00D000000000901',
        name: 'S',
        domain: null,
      })
    ).id;
  });
  afterAll(async () => {
    await handle.dispose();
  });

  it.each([
    [{ defaultHoldoutPercent: 'abc' }, 'defaultHoldoutPercent', 'Enter a number, such as 10'],
    [{ defaultHoldoutPercent: 90 }, 'defaultHoldoutPercent', 'Enter a whole number from 0 to 50'],
    [{ defaultHoldoutPercent: 12.5 }, 'defaultHoldoutPercent', 'Enter a whole number from 0 to 50'],
    [
      { tiers: { kind: 'share', highShare: 0.7, mediumShare: 0.5 } },
      'mediumShare',
      'The high and medium shares together cannot exceed 100 %',
    ],
    [
      { tiers: { kind: 'share', highShare: 1.5, mediumShare: 0 } },
      'highShare',
      'Enter a percentage from 0 to 100',
    ],
    [{ tiers: { kind: 'cost_aware', offerCost: 0, saveRate: 0.3 } }, 'offerCost', 'Enter an amount above 0'],
    [{ tiers: { kind: 'tea' } }, 'tierKind', 'Choose how scores become tiers'],
    [
      { churnRule: { kind: 'no_purchase', days: 0 } },
      'noPurchaseDays',
      'Enter a whole number of days from 1 to 3650',
    ],
    [
      { churnRule: { kind: 'property', property: 'churned flag' } },
      'churnProperty',
      'Enter the property’s internal name: letters, digits and underscores, such as churned',
    ],
    [
      { schedule: { day: 'monday', hour: 6, timeZone: 'Mars/Olympus' } },
      'timeZone',
      'Choose a time zone from the list, such as Europe/London',
    ],
    [{ schedule: { day: 'funday', hour: 6, timeZone: 'UTC' } }, 'scheduleDay', 'Choose a day of the week'],
    [{ retrainAfterDays: 3 }, 'retrainAfterDays', 'Enter a whole number of days from 7 to 365'],
    [{ colour: 'blue' }, 'colour', 'There is no setting called “colour”'],
  ])('refuses %j at the form field %s: “%s”', async (patch, field, message) => {
    const before = await loadPortalSettings(handle.db, hubspot);
    const answer = await refusal(handle.db, hubspot, patch);
    expect(answer?.details).toEqual([{ field, message }]);
    expect(answer?.message).toMatch(/^Nothing was saved\. /);
    for (const text of [answer!.message, message]) expect(text).not.toMatch(CODE_LIKE);
    expect(await loadPortalSettings(handle.db, hubspot)).toEqual(before);
  });

  it('names every refused field once, in the order of the form', async () => {
    const answer = await refusal(handle.db, hubspot, {
      defaultHoldoutPercent: -1,
      retrainAfterDays: 'soon',
      tiers: { kind: 'share', highShare: 2, mediumShare: 0.2 },
    });
    expect(answer?.details.map((d) => d.field)).toEqual([
      'highShare',
      'defaultHoldoutPercent',
      'retrainAfterDays',
    ]);
    expect(answer?.message).toBe(
      'Nothing was saved: 3 settings need a change (High tier: riskiest share (%); Default holdout (%); Retrain after (days)).',
    );
  });

  it('keeps a holdout an older release stored as a fraction, and takes whole ones on write', async () => {
    await handle.db
      .updateTable('portals')
      .set({ settings: JSON.stringify({ defaultHoldoutPercent: 12.5 }) })
      .where('id', '=', salesforce)
      .execute();
    expect((await loadPortalSettings(handle.db, salesforce)).defaultHoldoutPercent).toBe(12.5);
    expect(await refusal(handle.db, salesforce, { defaultHoldoutPercent: 0 })).toBeNull();
    expect((await loadPortalSettings(handle.db, salesforce)).defaultHoldoutPercent).toBe(0);
  });

  it.each([
    ['hubspot', 'customer', '“Customer” is a customer stage'],
    ['hubspot', 'evangelist', '“Evangelist” is a customer stage'],
    ['salesforce', 'customer', '“Customer” is a customer stage'],
  ] as const)('refuses a %s customer stage (%s) as the former-customer stage', async (crm, stage, words) => {
    const portalId = crm === 'hubspot' ? hubspot : salesforce;
    const answer = await refusal(handle.db, portalId, {
      churnRule: { kind: 'lifecycle_stage', formerStage: stage },
    });
    expect(answer?.details).toEqual([
      { field: 'formerStage', message: `${words}: choose the stage customers move to when they leave` },
    ]);
  });

  describe('the former-customer stages offered', () => {
    const contact = (portalId: number, id: string, stage: string | null, kind: string | null) => ({
      portal_id: portalId,
      id,
      email: null,
      lifecycle_stage: stage,
      stage_kind: kind,
      owner_id: null,
      company_id: null,
    });

    beforeAll(async () => {
      await handle.db
        .insertInto('contacts')
        .values([
          ...['h1', 'h2', 'h3'].map((id) => contact(hubspot, id, 'other', 'former')),
          ...['h4', 'h5'].map((id) => contact(hubspot, id, 'customer', 'customer')),
          contact(hubspot, 'h6', '1234567', null),
          contact(hubspot, 'h7', 'lead', 'prospect'),
          contact(hubspot, 'h8', 'our_vip', 'customer'),
          contact(salesforce, 's1', 'Former Customer', 'former'),
          contact(salesforce, 's2', 'Customer', 'customer'),
          contact(salesforce, 's3', 'Churned', null),
        ])
        .execute();
    });

    it("offers HubSpot's lifecycle stages and those seen, never a customer stage", async () => {
      const options = await loadSettingsOptions(handle.db, hubspot, undefined);
      expect(options.defaultFormerStage).toBe('other');
      expect(options.stages[0]).toEqual({
        value: 'other',
        label: 'Other (the CRM’s default, 3 contacts now)',
      });
      const values = options.stages.map((s) => s.value);
      expect(values).toEqual(
        expect.arrayContaining(['subscriber', 'lead', 'marketingqualifiedlead', 'opportunity', '1234567']),
      );
      for (const customer of ['customer', 'evangelist', 'our_vip']) expect(values).not.toContain(customer);
      expect(options.stages.find((s) => s.value === 'lead')?.label).toBe('Lead (1 contact now)');
    });

    it("offers Salesforce's customer statuses and those seen, and the stage the rule names", async () => {
      const options = await loadSettingsOptions(handle.db, salesforce, 'Lapsed');
      expect(options.defaultFormerStage).toBe('Former Customer');
      expect(options.stages.map((s) => s.value)).toEqual([
        'Former Customer',
        'Prospect',
        'Churned',
        'Lapsed',
      ]);
      expect(options.stages[0]!.label).toBe('Former Customer (the CRM’s default, 1 contact now)');
    });
  });
});

describe('the form checks what is typed as the server does', () => {
  const saved: PortalSettings = {
    churnRule: { kind: 'lifecycle_stage', renewalLost: true },
    tiers: { kind: 'share', highShare: 0.1, mediumShare: 0.2 },
    defaultHoldoutPercent: 10,
    schedule: { day: 'monday', hour: 6, timeZone: 'Europe/London' },
    retrainAfterDays: 30,
    driftPsiThreshold: 0.2,
    cardPlays: { who: 'any_user' },
  };
  const typed = (change: Partial<SettingsForm>) =>
    settingsOf({ ...formOf(saved, 'other'), ...change }, saved, 'other');

  it('reads the saved settings back unchanged', () => {
    const { settings, problems } = typed({});
    expect(problems).toEqual({});
    const { driftPsiThreshold: _, cardPlays: _plays, ...rest } = saved;
    expect(settings).toEqual(rest);
  });

  it.each([
    [{ defaultHoldoutPercent: 'ten' }, 'defaultHoldoutPercent', 'Enter a number, such as 10'],
    [{ defaultHoldoutPercent: '' }, 'defaultHoldoutPercent', 'Enter a number, such as 10'],
    [{ defaultHoldoutPercent: '60' }, 'defaultHoldoutPercent', 'Enter a whole number from 0 to 50'],
    [{ defaultHoldoutPercent: '12.5' }, 'defaultHoldoutPercent', 'Enter a whole number from 0 to 50'],
    [
      { highShare: '70', mediumShare: '50' },
      'mediumShare',
      'The high and medium shares together cannot exceed 100 %',
    ],
    [{ highShare: 'lots' }, 'highShare', 'Enter a number, such as 10'],
    [{ retrainAfterDays: '3' }, 'retrainAfterDays', 'Enter a whole number of days from 7 to 365'],
    [
      { churnRuleKind: 'no_purchase', noPurchaseDays: '0' },
      'noPurchaseDays',
      'Enter a whole number of days from 1 to 3650',
    ],
    [
      { churnRuleKind: 'property', churnProperty: 'churned flag' },
      'churnProperty',
      'Enter the property’s internal name: letters, digits and underscores, such as churned',
    ],
  ] as const)('refuses %j where it is typed, with the words of the server', (change, field, message) => {
    const { settings, problems } = typed(change);
    expect(settings).toBeNull();
    expect(problems).toEqual({ [field]: message });
  });

  it('reads a percentage typed with its sign, and names the CRM default stage by leaving it out', () => {
    const { settings } = typed({ defaultHoldoutPercent: ' 25 % ', formerStage: 'other' });
    expect(settings?.defaultHoldoutPercent).toBe(25);
    expect(settings?.churnRule).toEqual({ kind: 'lifecycle_stage', renewalLost: true });
    expect(typed({ formerStage: 'subscriber' }).settings?.churnRule).toEqual({
      kind: 'lifecycle_stage',
      renewalLost: true,
      formerStage: 'subscriber',
    });
  });

  it('ignores the fields of a rule or tier kind not chosen', () => {
    expect(typed({ noPurchaseDays: 'x', offerCost: '-1' }).problems).toEqual({});
  });
});

describe('the next weekly run', () => {
  // Wednesday 1 July 2026, 12:00 UTC (13:00 in London, summer time).
  const now = new Date('2026-07-01T12:00:00Z');

  it('is the next time the portal’s clock shows the day and hour', () => {
    expect(nextRunAt({ day: 'monday', hour: 6, timeZone: 'Europe/London' }, now)?.toISOString()).toBe(
      '2026-07-06T05:00:00.000Z',
    );
    expect(nextRunAt({ day: 'wednesday', hour: 14, timeZone: 'Europe/London' }, now)?.toISOString()).toBe(
      '2026-07-01T13:00:00.000Z',
    );
    // Earlier today on that clock: next week.
    expect(nextRunAt({ day: 'wednesday', hour: 9, timeZone: 'UTC' }, now)?.toISOString()).toBe(
      '2026-07-08T09:00:00.000Z',
    );
    expect(nextRunAt({ day: 'thursday', hour: 6, timeZone: 'Asia/Kathmandu' }, now)?.toISOString()).toBe(
      '2026-07-02T00:15:00.000Z',
    );
  });

  it('is said in words', () => {
    expect(describeRun({ day: 'monday', hour: 6, timeZone: 'Europe/London' }, now)).toBe(
      'Monday 06:00 Europe/London (in 5 days)',
    );
    expect(describeRun({ day: 'wednesday', hour: 14, timeZone: 'Europe/London' }, now)).toBe(
      'Wednesday 14:00 Europe/London (in 1 hour)',
    );
  });

  it('offers every time zone, city first, with UTC on top and the current one kept', () => {
    const groups = timeZoneGroups('Asia/Kolkata', now);
    expect(groups[0]!.zones).toEqual([{ value: 'UTC', label: 'UTC — Coordinated Universal Time' }]);
    const zones = groups.flatMap((g) => g.zones);
    expect(zones.length).toBeGreaterThan(300);
    expect(zones.find((z) => z.value === 'Europe/London')?.label).toBe('London — Europe/London (UTC+01:00)');
    const label = (zone: string) => zones.find((z) => z.value === zone)?.label;
    expect(label('America/Buenos_Aires')).toBe('Buenos Aires — America/Buenos_Aires (UTC-03:00)');
    // The browser's id is the old one; the label names the city as people say it now.
    expect(label('Asia/Calcutta')).toBe('Kolkata — Asia/Calcutta (UTC+05:30)');
    expect(label('Asia/Kolkata')).toBe('Kolkata — Asia/Kolkata (UTC+05:30)');
  });
});
