import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { signatureV2, signatureV3 } from '../../server/crm/hubspot/request-signature.js';
import { PRODUCT_APP } from '../support/product-server.js';
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
  headerText,
  nastyJson,
  nastyText,
  printTallies,
  rowCounts,
} from './fuzz-support.js';

const HUB = 965;
/** Has never installed the product. */
const STRANGER_HUB = 966;
const ACTIONS = ['send-retention-offer', 'request-feedback', 'proactive-support', 'loyalty-reward'] as const;
const TABLES = [
  'retention_actions',
  'retention_offers',
  'survey_requests',
  'loyalty_ledger',
  'audit_log',
] as const;

let running: SignedInProduct;
const db = () => running.product.ctx.db.db;

const tallies = {
  valid: new AnswerTally('valid action calls'),
  malformed: new AnswerTally('malformed action calls'),
  hard: new AnswerTally('calls with hard text or edge numbers'),
  arbitrary: new AnswerTally('arbitrary bodies and actions'),
  signatures: new AnswerTally('fuzzed signatures'),
};

beforeAll(async () => {
  running = await startSignedInProduct(HUB);
}, 300_000);
afterAll(async () => {
  printTallies('workflow actions', Object.values(tallies));
  await running?.close();
});

type Scheme = 'v2' | 'v3';

interface Signing {
  scheme?: Scheme;
  secret?: string;
  signature?: string;
  timestamp?: string;
  version?: string;
  signedBody?: string;
  omit?: boolean;
}

/** A workflow step's call, signed as HubSpot signs custom actions. */
async function callAction(action: string, body: string, signing: Signing = {}) {
  const url = `${running.product.url}/workflow-actions/${action}`;
  const secret = signing.secret ?? PRODUCT_APP.clientSecret;
  const signed = Buffer.from(signing.signedBody ?? body);
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (!signing.omit) {
    if ((signing.scheme ?? 'v2') === 'v2') {
      headers['X-HubSpot-Signature'] = signing.signature ?? signatureV2(secret, 'POST', url, signed);
      headers['X-HubSpot-Signature-Version'] = signing.version ?? 'v2';
    } else {
      const timestamp = signing.timestamp ?? String(Date.now());
      headers['X-HubSpot-Signature-v3'] =
        signing.signature ?? signatureV3(secret, 'POST', url, signed, timestamp);
      headers['X-HubSpot-Request-Timestamp'] = timestamp;
    }
  }
  return answerOf(await fetch(url, { method: 'POST', headers, body }));
}

/** Static inputs arrive as strings or numbers: either form, as a workflow sends them. */
const asSent = (n: number) => fc.constantFrom<string | number>(n, String(n), ` ${n} `);
const whole = (min: number, max: number) => fc.integer({ min, max }).chain(asSent);
const campaign = fc.string({ minLength: 1, maxLength: 200 }).filter((c) => c.trim().length > 0);
const holdout = fc.option(fc.double({ min: 0, max: 100, noNaN: true }).chain(asSent), { nil: undefined });

const validInputs: Record<(typeof ACTIONS)[number], fc.Arbitrary<Record<string, string | number>>> = {
  'send-retention-offer': fc.oneof(
    fc.record({
      campaign,
      offer_type: fc.constant('discount'),
      discount_percent: fc.double({ min: 1, max: 100, noNaN: true }).chain(asSent),
      validity_days: whole(1, 365),
    }),
    fc.record({
      campaign,
      offer_type: fc.constantFrom('free_month', 'upgrade'),
      validity_days: whole(1, 365),
    }),
  ),
  'request-feedback': fc.record({ campaign }),
  'proactive-support': fc.record({ campaign }),
  'loyalty-reward': fc
    .tuple(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 0, max: 9_000_000 }))
    .chain(([points, extra]) =>
      fc.record({
        campaign,
        points: asSent(points),
        period_days: whole(1, 3650),
        cap_per_period: asSent(points + extra),
      }),
    ),
};

const validCall = fc.constantFrom(...ACTIONS).chain((action) =>
  fc
    .record({
      callbackId: fc.string({ minLength: 1, maxLength: 200 }),
      origin: fc.record({
        portalId: fc.constantFrom<number | string>(HUB, String(HUB)),
        actionDefinitionId: fc.nat(),
      }),
      object: fc.record({
        objectId: fc.oneof(fc.integer({ min: 1 }), fc.stringMatching(/^\d{1,12}$/)),
        objectType: fc.constant('CONTACT'),
      }),
      inputFields: validInputs[action],
      holdout,
    })
    .map(({ holdout: percent, ...body }) => ({
      action,
      body: {
        ...body,
        inputFields:
          percent === undefined ? body.inputFields : { ...body.inputFields, holdout_percent: percent },
      },
    })),
);

/** What makes a call wrong: its envelope or one of its inputs. */
/** A call's body as the tests change it. */
interface CallBody {
  inputFields: Record<string, unknown>;
  [field: string]: unknown;
}

const spoilers: fc.Arbitrary<(body: CallBody, action: string) => void>[] = [
  fc.constantFrom('callbackId', 'origin', 'object').map((field) => (b) => delete b[field]),
  fc
    .oneof(
      fc.constant(''),
      fc.string({ minLength: 201, maxLength: 260 }).map((s) => s.padEnd(201, 'c')),
      fc.integer(),
      fc.constant(null),
    )
    .map((v) => (b) => (b.callbackId = v)),
  fc
    .oneof(fc.constantFrom(0, -1, 'abc', '', null, 1.5), fc.integer({ max: 0 }))
    .map((v) => (b) => (b.origin = { portalId: v })),
  fc
    .oneof(
      fc.record({
        objectId: fc.constantFrom(0, -3, 'x1', '', null, 2.5),
        objectType: fc.constant('CONTACT'),
      }),
      fc.record({
        objectId: fc.constant(7),
        objectType: fc.constantFrom('COMPANY', 'contact', 'DEAL', '', null),
      }),
      fc.constant(null),
    )
    .map((v) => (b) => (b.object = v)),
  fc
    .oneof(fc.constant([]), fc.constant('inputs'), fc.record({ campaign: fc.constant({ nested: true }) }))
    // Not a record of inputs at all.
    .map((v) => (b) => (b.inputFields = v as unknown as Record<string, unknown>)),
  fc.constant((b) => delete b.inputFields.campaign),
  fc.constantFrom('', '   ', null).map((v) => (b) => (b.inputFields.campaign = v)),
  fc
    .string({ minLength: 201, maxLength: 230 })
    .map((s) => (b) => (b.inputFields.campaign = s.padEnd(201, 'x'))),
  fc
    .oneof(
      fc.double({ min: 100.0001, max: 1e6, noNaN: true }),
      fc.double({ max: -0.0001, noNaN: true }),
      fc.constantFrom('lots', 'NaN', '1e999', true),
    )
    .map((v) => (b) => (b.inputFields.holdout_percent = v)),
  fc
    .constantFrom(
      {
        action: 'send-retention-offer',
        field: 'validity_days',
        values: [0, 366, 1.5, 'soon', '', -1, '1e3'],
      },
      { action: 'send-retention-offer', field: 'offer_type', values: ['DISCOUNT', 'gift', '', 3] },
      { action: 'loyalty-reward', field: 'points', values: [0, -5, 2.5, 'many', 1_000_001] },
      { action: 'loyalty-reward', field: 'period_days', values: [0, 3651, 'weekly', ''] },
      { action: 'loyalty-reward', field: 'cap_per_period', values: [0, 10_000_001, 'none'] },
    )
    .chain(({ action: only, field, values }) =>
      fc.constantFrom(...values).map((v) => (b: CallBody, action: string) => {
        // A spoiler for another action's input spoils the campaign instead, so the call stays wrong.
        if (action === only) b.inputFields[field] = v;
        else b.inputFields.campaign = '';
      }),
    ),
  fc.constant((b, action) => {
    if (action === 'send-retention-offer') {
      b.inputFields.offer_type = 'discount';
      delete b.inputFields.discount_percent;
    } else if (action === 'loyalty-reward') {
      b.inputFields.cap_per_period = Number(b.inputFields.points) - 1 || 'none';
    } else b.inputFields.campaign = 7 as unknown as string;
  }),
];

describe('a signed workflow-action call', () => {
  it('performs every valid call, once per callbackId', async () => {
    await fc.assert(
      fc.asyncProperty(validCall, fc.constantFrom<Scheme>('v2', 'v3'), async ({ action, body }, scheme) => {
        const before = await rowCounts(db(), ['retention_actions']);
        const answer = await callAction(action, JSON.stringify(body), { scheme });
        tallies.valid.note(answer.status);
        const result = expectJsonSuccess<{ outputFields: { hs_execution_state: string; group?: string } }>(
          answer,
          200,
        );
        expect(['SUCCESS', 'BLOCK']).toContain(result.outputFields.hs_execution_state);
        const added =
          (await rowCounts(db(), ['retention_actions'])).retention_actions - before.retention_actions;
        expect([0, 1]).toContain(added);
      }),
      fuzzParameters(fuzzRuns(20)),
    );
  });

  it('refuses a call with a bad envelope or input with a 400 naming it, creating nothing', async () => {
    await fc.assert(
      fc.asyncProperty(validCall, fc.oneof(...spoilers), async ({ action, body }, spoil) => {
        const spoiled = structuredClone(body) as CallBody;
        spoil(spoiled, action);
        const before = await rowCounts(db(), TABLES);
        const answer = await callAction(action, JSON.stringify(spoiled));
        tallies.malformed.note(answer.status);
        const { code, message } = expectJsonRefusal(answer, 400);
        expect(code).toBe('invalid_request');
        expect(message).toMatch(/^Invalid (action request|inputs for [a-z-]+): \S/);
        expect(await rowCounts(db(), TABLES)).toEqual(before);
      }),
      fuzzParameters(fuzzRuns(50)),
    );
  });

  it('answers calls holding hard text or edge numbers with a 200 or a clear 400, never a 500', async () => {
    /** A change as data (where, what), so a counterexample shows it. */
    const hard = fc.oneof(
      fc.tuple(fc.constant(['callbackId']), nastyText),
      fc.tuple(fc.constant(['inputFields', 'campaign']), nastyText),
      fc.tuple(
        fc
          .constantFrom(
            'holdout_percent',
            'validity_days',
            'discount_percent',
            'points',
            'period_days',
            'cap_per_period',
          )
          .map((f) => ['inputFields', f]),
        fc.oneof(edgeNumber, nastyText),
      ),
      fc.tuple(
        nastyText.map((k) => ['inputFields', k]),
        nastyText,
      ),
      fc.tuple(fc.constant(['origin', 'portalId']), edgeNumber),
      fc.tuple(fc.constant(['object', 'objectId']), edgeNumber),
    );
    await fc.assert(
      fc.asyncProperty(validCall, hard, async ({ action, body }, [path, value]) => {
        const changed = structuredClone(body) as Record<string, unknown>;
        const field = path[path.length - 1]!;
        path.slice(0, -1).reduce((node, key) => node[key] as Record<string, unknown>, changed)[field] = value;
        const before = await rowCounts(db(), TABLES);
        const answer = await callAction(action, JSON.stringify(changed));
        tallies.hard.note(answer.status);
        if (answer.status === 200) return;
        expect(['invalid_request', 'not_found']).toContain(expectJsonRefusal(answer, [400, 404]).code);
        expect(await rowCounts(db(), TABLES)).toEqual(before);
      }),
      fuzzParameters(fuzzRuns(50)),
    );
  });

  it('refuses other bodies, unknown actions and portals that never installed with a clear 4xx', async () => {
    const actionName = fc.oneof(
      fc.constantFrom(...ACTIONS),
      fc.stringMatching(/^[a-z-]{1,30}$/).filter((a) => !(ACTIONS as readonly string[]).includes(a)),
    );
    const body = fc.oneof(
      nastyJson.map((v) => JSON.stringify(v)),
      brokenJsonText,
      validCall.map(({ body: b }) => JSON.stringify({ ...b, origin: { portalId: STRANGER_HUB } })),
    );
    await fc.assert(
      fc.asyncProperty(actionName, body, async (action, text) => {
        const before = await rowCounts(db(), TABLES);
        const answer = await callAction(encodeURIComponent(action), text);
        tallies.arbitrary.note(answer.status);
        const { code } = expectJsonRefusal(answer, [400, 404]);
        if (!(ACTIONS as readonly string[]).includes(action)) expect(code).toBe('not_found');
        expect(await rowCounts(db(), TABLES)).toEqual(before);
      }),
      fuzzParameters(fuzzRuns(50)),
    );
  });

  it('refuses a call whose signature does not hold with a 401, creating nothing', async () => {
    const badSigning: fc.Arbitrary<Signing> = fc.oneof(
      fc.record({ scheme: fc.constantFrom<Scheme>('v2', 'v3'), signature: headerText }),
      fc.record({
        scheme: fc.constantFrom<Scheme>('v2', 'v3'),
        secret: fc.string({ minLength: 1 }).filter((s) => s !== PRODUCT_APP.clientSecret),
      }),
      fc.record({
        scheme: fc.constant<Scheme>('v3'),
        timestamp: headerText.filter((t) => !/^\d{1,16}$/.test(t)),
      }),
      fc
        .integer({ min: 6 * 60_000, max: 400 * 86_400_000 })
        .chain((age) => fc.constantFrom(-age, age))
        .map((offset) => ({ scheme: 'v3' as const, timestamp: String(Date.now() - offset) })),
      fc.record({ scheme: fc.constant<Scheme>('v2'), version: fc.constantFrom('v1', 'v3', 'V4', 'x') }),
      fc.record({ scheme: fc.constantFrom<Scheme>('v2', 'v3'), signedBody: fc.string() }),
      fc.constant({ omit: true }),
    );
    await fc.assert(
      fc.asyncProperty(validCall, badSigning, async ({ action, body }, signing) => {
        const text = JSON.stringify(body);
        fc.pre(signing.signedBody !== text);
        const before = await rowCounts(db(), TABLES);
        const answer = await callAction(action, text, signing);
        tallies.signatures.note(answer.status);
        expect(expectJsonRefusal(answer, 401).code).toBe('invalid_signature');
        expect(await rowCounts(db(), TABLES)).toEqual(before);
      }),
      fuzzParameters(fuzzRuns(20)),
    );
  });

  it('leaves the server answering', async () => {
    expect((await fetch(`${running.product.url}/`)).status).toBe(200);
  });
});
