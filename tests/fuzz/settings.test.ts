import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { startSignedInProduct, type SignedInProduct } from '../support/signed-in-product.js';
import {
  answerOf,
  AnswerTally,
  brokenJsonText,
  edgeNumber,
  expectJsonRefusal,
  expectJsonSuccess,
  fuzzParameters,
  fuzzRuns,
  nastyJson,
  nastyText,
  printTallies,
  rowCounts,
} from './fuzz-support.js';

const HUB = 969;

let running: SignedInProduct;
const db = () => running.product.ctx.db.db;
const settingsUrl = () => `${running.product.url}/api/v1/portals/${running.portalId}/settings`;

const tallies = {
  valid: new AnswerTally('valid changes'),
  malformed: new AnswerTally('invalid changes'),
  hard: new AnswerTally('changes with hard text or edge numbers'),
  arbitrary: new AnswerTally('arbitrary bodies'),
  session: new AnswerTally('missing or wrong CSRF token'),
};

beforeAll(async () => {
  running = await startSignedInProduct(HUB);
}, 300_000);
afterAll(async () => {
  printTallies('settings', Object.values(tallies));
  await running?.close();
});

async function put(body: string, options: { csrf?: string | null; contentType?: string } = {}) {
  const headers: Record<string, string> = {
    cookie: running.session.cookie,
    'content-type': options.contentType ?? 'application/json',
  };
  const csrf = options.csrf === undefined ? running.session.csrfToken : options.csrf;
  if (csrf !== null) headers['x-csrf-token'] = csrf;
  return answerOf(await fetch(settingsUrl(), { method: 'PUT', headers, body }));
}

/** What a refused change must leave alone: the portal's settings and the audit trail. */
async function snapshot() {
  const portal = await db()
    .selectFrom('portals')
    .select(['settings'])
    .where('id', '=', running.portalId)
    .executeTakeFirstOrThrow();
  return { settings: portal.settings, counts: await rowCounts(db(), ['audit_log', 'sync_cursors']) };
}

const propertyName = fc.stringMatching(/^[A-Za-z0-9_]{1,100}$/);
const churnRule = fc.oneof(
  fc.record(
    {
      kind: fc.constant('lifecycle_stage'),
      formerStage: fc.constantFrom('other', 'Former customer', 'churned_customer'),
      renewalLost: fc.boolean(),
      renewalDealTypes: fc.array(fc.string({ minLength: 1, maxLength: 100 }), {
        minLength: 1,
        maxLength: 20,
      }),
    },
    { requiredKeys: ['kind'] },
  ),
  fc.record(
    { kind: fc.constant('property'), property: propertyName, dateProperty: propertyName },
    { requiredKeys: ['kind', 'property'] },
  ),
  fc.record({ kind: fc.constant('no_purchase'), days: fc.integer({ min: 1, max: 3650 }) }),
);
const tiers = fc.oneof(
  fc
    .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([a, b]) => ({ kind: 'share', highShare: a * 0.5, mediumShare: b * 0.5 })),
  fc.record(
    {
      kind: fc.constant('cost_aware'),
      offerCost: fc.double({ min: 0.01, max: 1e9, noNaN: true }),
      saveRate: fc.double({ min: 0.001, max: 1, noNaN: true }),
      valueProperty: fc.oneof(fc.constant(null), fc.stringMatching(/^[a-z0-9_]{1,100}$/)),
      defaultValue: fc.double({ min: 0, max: 1e12, noNaN: true }),
      mediumFactor: fc.double({ min: 0.001, max: 1, noNaN: true }),
    },
    { requiredKeys: ['kind', 'offerCost', 'saveRate'] },
  ),
);
const validChange = fc.record(
  {
    churnRule,
    tiers,
    defaultHoldoutPercent: fc.integer({ min: 0, max: 50 }),
    schedule: fc.record(
      {
        day: fc.constantFrom('monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'),
        hour: fc.integer({ min: 0, max: 23 }),
        timeZone: fc.constantFrom(
          'UTC',
          'Europe/London',
          'America/New_York',
          'Asia/Kolkata',
          'Australia/Eucla',
        ),
      },
      { requiredKeys: [] },
    ),
    retrainAfterDays: fc.integer({ min: 7, max: 365 }),
    driftPsiThreshold: fc.double({ min: 0.0001, max: 5, noNaN: true }),
  },
  { requiredKeys: [] },
);

/** One setting given a value the form would refuse, as (path, value). */
const badValue: fc.Arbitrary<[readonly string[], unknown]> = fc.oneof(
  fc.tuple(
    fc.constant(['defaultHoldoutPercent']),
    fc.oneof(fc.integer({ min: 51 }), fc.integer({ max: -1 }), fc.constantFrom(10.5, '10', null, true)),
  ),
  fc.tuple(
    fc.constant(['retrainAfterDays']),
    fc.oneof(fc.integer({ max: 6 }), fc.integer({ min: 366 }), fc.constantFrom(30.5, '30')),
  ),
  fc.tuple(
    fc.constant(['driftPsiThreshold']),
    fc.oneof(fc.double({ max: 0, noNaN: true }), fc.double({ min: 5.0001, noNaN: true }), fc.constant('0.2')),
  ),
  fc.tuple(
    fc.constant(['schedule']),
    fc.oneof(
      fc.constantFrom('monday', null, 3, []),
      fc.record({ day: fc.constantFrom('Monday', 'mon', '') }),
    ),
  ),
  fc.tuple(
    fc.constant(['schedule']),
    fc
      .integer()
      .filter((h) => h < 0 || h > 23)
      .map((hour) => ({ hour })),
  ),
  fc.tuple(
    fc.constant(['schedule']),
    fc.constantFrom('Mars/Olympus', 'utc+2', '', 'Europe/Lndon').map((timeZone) => ({ timeZone })),
  ),
  fc.tuple(
    fc.constant(['churnRule']),
    fc.oneof(
      fc.constantFrom(null, 'property', {}, { kind: 'never' }),
      fc.record({
        kind: fc.constant('no_purchase'),
        days: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 3651 }), fc.constant(1.5)),
      }),
    ),
  ),
  fc.tuple(
    fc.constant(['churnRule']),
    fc
      .string()
      .filter((p) => !/^[A-Za-z0-9_]{1,100}$/.test(p))
      .map((property) => ({ kind: 'property', property })),
  ),
  fc.tuple(
    fc.constant(['churnRule']),
    fc.constantFrom(
      { kind: 'lifecycle_stage', formerStage: 'customer' },
      { kind: 'lifecycle_stage', formerStage: '   ' },
      { kind: 'lifecycle_stage', renewalDealTypes: [] },
      { kind: 'lifecycle_stage', renewalDealTypes: [''] },
    ),
  ),
  fc.tuple(
    fc.constant(['tiers']),
    fc.oneof(
      fc.constantFrom(
        { kind: 'share', highShare: 0.7, mediumShare: 0.6 },
        { kind: 'share', highShare: 2 },
        { kind: 'cost_aware', offerCost: 0, saveRate: 0.3 },
        { kind: 'cost_aware', offerCost: 10, saveRate: 0 },
        { kind: 'cost_aware', offerCost: 10, saveRate: 0.3, valueProperty: 'ARR' },
        { kind: 'tiers' },
      ),
      fc.constant(null),
    ),
  ),
  fc.tuple(
    fc
      .string({ minLength: 1 })
      .filter(
        (k) =>
          ![
            'churnRule',
            'tiers',
            'defaultHoldoutPercent',
            'schedule',
            'retrainAfterDays',
            'driftPsiThreshold',
          ].includes(k),
      )
      .map((k) => [k]),
    nastyJson,
  ),
);

const withValue = (change: Record<string, unknown>, [path, value]: [readonly string[], unknown]) => {
  const copy = structuredClone(change);
  let node = copy;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
};

describe('the dashboard’s settings, changed with a signed-in session', () => {
  it('saves every valid change and answers the settings now in force', async () => {
    await fc.assert(
      fc.asyncProperty(validChange, async (change) => {
        const answer = await put(JSON.stringify(change));
        tallies.valid.note(answer.status);
        const saved = expectJsonSuccess<{
          defaultHoldoutPercent: number;
          churnRule: { kind: string };
          tiers: { kind: string };
        }>(answer, 200);
        if (change.defaultHoldoutPercent !== undefined)
          expect(saved.defaultHoldoutPercent).toBe(change.defaultHoldoutPercent);
        if (change.churnRule) expect(saved.churnRule.kind).toBe(change.churnRule.kind);
        if (change.tiers) expect(saved.tiers.kind).toBe(change.tiers.kind);
      }),
      fuzzParameters(fuzzRuns(35)),
    );
  });

  it('refuses an invalid change with a 400 that says what to enter, saving nothing', async () => {
    await fc.assert(
      fc.asyncProperty(validChange, badValue, async (change, bad) => {
        const before = await snapshot();
        const answer = await put(JSON.stringify(withValue(change, bad)));
        tallies.malformed.note(answer.status);
        const { code, message } = expectJsonRefusal(answer, 400);
        expect(code).toBe('invalid_request');
        expect(message).toMatch(/^Nothing was saved/);
        expect(await snapshot()).toEqual(before);
      }),
      fuzzParameters(fuzzRuns(50)),
    );
  });

  it('answers changes holding hard text or edge numbers with a 200 or a clear 400, never a 500', async () => {
    const hard: fc.Arbitrary<[readonly string[], unknown]> = fc.oneof(
      fc.tuple(
        fc.constant(['churnRule']),
        nastyText.map((formerStage) => ({ kind: 'lifecycle_stage', formerStage })),
      ),
      fc.tuple(
        fc.constant(['churnRule']),
        fc
          .array(nastyText, { minLength: 1, maxLength: 3 })
          .map((renewalDealTypes) => ({ kind: 'lifecycle_stage', renewalDealTypes })),
      ),
      fc.tuple(
        fc.constant(['churnRule']),
        nastyText.map((property) => ({ kind: 'property', property })),
      ),
      fc.tuple(
        fc.constant(['schedule']),
        nastyText.map((timeZone) => ({ timeZone })),
      ),
      fc.tuple(
        fc.constantFrom(
          ['defaultHoldoutPercent'],
          ['retrainAfterDays'],
          ['driftPsiThreshold'],
          ['schedule', 'hour'],
        ),
        edgeNumber,
      ),
      fc.tuple(
        fc.constant(['tiers']),
        fc.tuple(edgeNumber, edgeNumber, edgeNumber).map(([offerCost, saveRate, defaultValue]) => ({
          kind: 'cost_aware',
          offerCost,
          saveRate,
          defaultValue,
        })),
      ),
      fc.tuple(
        fc.constant(['tiers']),
        fc
          .tuple(edgeNumber, edgeNumber)
          .map(([highShare, mediumShare]) => ({ kind: 'share', highShare, mediumShare })),
      ),
      fc.tuple(
        nastyText.map((k) => [k]),
        fc.constant(1),
      ),
    );
    await fc.assert(
      fc.asyncProperty(validChange, hard, async (change, value) => {
        const before = await snapshot();
        const answer = await put(JSON.stringify(withValue(change, value)));
        tallies.hard.note(answer.status);
        if (answer.status === 200) return;
        expect(expectJsonRefusal(answer, 400).code).toBe('invalid_request');
        expect(await snapshot()).toEqual(before);
      }),
      fuzzParameters(fuzzRuns(50)),
    );
  });

  it('refuses bodies that are not a change (other JSON, broken JSON, other types) with a 400 or 415', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          nastyJson
            .filter(
              (v) => typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(v).length > 0,
            )
            .map((v) => JSON.stringify(v)),
          brokenJsonText.filter((t) => t.trim() !== ''),
        ),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
        async (body, contentType) => {
          const before = await snapshot();
          const answer = await put(body, { contentType });
          tallies.arbitrary.note(answer.status);
          expectJsonRefusal(answer, [400, 415]);
          expect(await snapshot()).toEqual(before);
        },
      ),
      fuzzParameters(fuzzRuns(50)),
    );
  });

  it('refuses a change without the session’s CSRF token with a 403, saving nothing', async () => {
    const wrongToken = fc.oneof(
      fc.constant(null),
      fc.string({
        unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
        minLength: 1,
        maxLength: 80,
      }),
    );
    await fc.assert(
      fc.asyncProperty(validChange, wrongToken, async (change, csrf) => {
        fc.pre(csrf !== running.session.csrfToken);
        const before = await snapshot();
        const answer = await put(JSON.stringify(change), { csrf });
        tallies.session.note(answer.status);
        expectJsonRefusal(answer, 403);
        expect(await snapshot()).toEqual(before);
      }),
      fuzzParameters(fuzzRuns(30)),
    );
  });

  it('leaves the server answering', async () => {
    expect((await fetch(`${running.product.url}/`)).status).toBe(200);
  });
});
