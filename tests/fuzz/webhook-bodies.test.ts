import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { signatureV3 } from '../../server/crm/hubspot/request-signature.js';
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

const HUB = 961;
/** A portal the product never served: its events are acknowledged and dropped. */
const STRANGER_HUB = 962;
const TABLES = ['webhook_events', 'contacts', 'associations', 'scores'] as const;

let running: SignedInProduct;
const db = () => running.product.ctx.db.db;
const webhookUrl = () => `${running.product.url}/webhooks/hubspot`;

const tallies = {
  valid: new AnswerTally('valid batches'),
  malformed: new AnswerTally('malformed batches'),
  hardText: new AnswerTally('events with hard text or edge numbers'),
  arbitrary: new AnswerTally('arbitrary bodies'),
  signatures: new AnswerTally('fuzzed signatures and timestamps'),
};

beforeAll(async () => {
  running = await startSignedInProduct(HUB);
}, 300_000);
afterAll(async () => {
  printTallies('webhook bodies', Object.values(tallies));
  await running?.close();
});

interface Signing {
  secret?: string;
  timestamp?: string;
  signature?: string;
  /** Sign these bytes, send the body. */
  signedBody?: string;
  signedUrl?: string;
  method?: string;
  omit?: 'signature' | 'timestamp' | 'both';
}

/** A delivery as HubSpot makes it: POST, v3-signed over the URL, the exact bytes and the time. */
async function deliver(body: string, signing: Signing = {}) {
  const timestamp = signing.timestamp ?? String(Date.now());
  const signature =
    signing.signature ??
    signatureV3(
      signing.secret ?? PRODUCT_APP.clientSecret,
      signing.method ?? 'POST',
      signing.signedUrl ?? webhookUrl(),
      Buffer.from(signing.signedBody ?? body),
      timestamp,
    );
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (signing.omit !== 'signature' && signing.omit !== 'both') headers['X-HubSpot-Signature-v3'] = signature;
  if (signing.omit !== 'timestamp' && signing.omit !== 'both')
    headers['X-HubSpot-Request-Timestamp'] = timestamp;
  return answerOf(await fetch(webhookUrl(), { method: 'POST', headers, body }));
}

const decimalId = fc.oneof(fc.nat(), fc.stringMatching(/^\d{1,18}$/));
const SUBSCRIPTIONS = [
  'contact.creation',
  'contact.propertyChange',
  'contact.deletion',
  'contact.merge',
  'contact.associationChange',
  'contact.restore',
  'company.propertyChange',
  'deal.creation',
  'ticket.deletion',
  'object.creation',
  'object.propertyChange',
  'conversation.creation',
];

/** An event as HubSpot documents it; ids and the hub id in either of the forms it sends. */
const validEvent = (hubs: number[]) =>
  fc.record(
    {
      eventId: decimalId,
      subscriptionId: fc.integer(),
      portalId: fc.constantFrom(...hubs).chain((hub) => fc.constantFrom(hub, String(hub))),
      appId: fc.constant(PRODUCT_APP.appId),
      occurredAt: fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }),
      subscriptionType: fc.oneof(fc.constantFrom(...SUBSCRIPTIONS), fc.string({ minLength: 1 })),
      attemptNumber: fc.nat({ max: 10 }),
      objectId: decimalId,
      objectTypeId: fc.constantFrom('0-1', '0-2', '0-3', '0-5', '0-49', '0-19', '2-123'),
      propertyName: fc.string(),
      propertyValue: fc.string({ unit: 'grapheme', maxLength: 60 }),
      changeSource: fc.constantFrom('CRM_UI', 'API', 'INTEGRATION'),
      primaryObjectId: decimalId,
      mergedObjectIds: fc.array(decimalId, { maxLength: 4 }),
      fromObjectId: decimalId,
    },
    {
      requiredKeys: [
        'eventId',
        'subscriptionId',
        'portalId',
        'appId',
        'occurredAt',
        'subscriptionType',
        'attemptNumber',
      ],
    },
  );

const validBatch = fc.array(validEvent([HUB, HUB, STRANGER_HUB]), { minLength: 0, maxLength: 12 });

const REQUIRED = [
  'eventId',
  'subscriptionId',
  'portalId',
  'appId',
  'occurredAt',
  'subscriptionType',
  'attemptNumber',
];

/** A value no field of an event may hold, for each kind of field. */
const wrongFor = (field: string): fc.Arbitrary<unknown> => {
  const alwaysWrong = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.dictionary(fc.string(), fc.nat(), { maxKeys: 2 }),
  );
  switch (field) {
    case 'eventId':
    case 'portalId':
    case 'objectId':
    case 'primaryObjectId':
    case 'fromObjectId':
      // Ids are decimal: negatives, fractions and words are not.
      return fc.oneof(
        alwaysWrong,
        fc.integer({ max: -1 }),
        fc.double({ noInteger: true }),
        nastyText.filter((s) => !/^\d+$/.test(s)),
      );
    case 'subscriptionId':
    case 'appId':
      return fc.oneof(alwaysWrong, fc.double({ noInteger: true }), fc.string());
    case 'occurredAt':
    case 'attemptNumber':
      return fc.oneof(alwaysWrong, fc.integer({ max: -1 }), fc.double({ noInteger: true }), fc.string());
    case 'subscriptionType':
      return fc.oneof(alwaysWrong, fc.constant(''), fc.integer());
    default:
      return fc.oneof(alwaysWrong, fc.integer());
  }
};

/** A valid batch with one event spoiled: a required field dropped, or a field of the wrong kind. */
const malformedBatch = fc.tuple(validBatch, validEvent([HUB]), fc.nat()).chain(([batch, event, at]) =>
  fc
    .oneof(
      fc.constantFrom(...REQUIRED).map((field) => ({ drop: field })),
      fc
        .constantFrom(...REQUIRED, 'objectId', 'propertyName', 'mergedObjectIds')
        .chain((field) => wrongFor(field).map((value) => ({ set: field, value }))),
    )
    .map((spoil) => {
      const spoiled: Record<string, unknown> = { ...event };
      if ('drop' in spoil) delete spoiled[spoil.drop];
      else spoiled[spoil.set] = spoil.value;
      const events: unknown[] = [...batch];
      events.splice(at % (batch.length + 1), 0, spoiled);
      return events;
    }),
);

/** A body that is JSON but not a batch, or not JSON. */
const notABatch = fc.oneof(
  nastyJson.filter(
    (v) => !Array.isArray(v) || (v.length > 0 && v.some((e) => typeof e !== 'object' || e === null)),
  ),
  fc.record({ events: validBatch }),
);

describe('a signed webhook delivery', () => {
  it('accepts every well-formed batch, recording each event of our portal once', async () => {
    await fc.assert(
      fc.asyncProperty(validBatch, async (events) => {
        const before = await rowCounts(db(), ['webhook_events']);
        const answer = await deliver(JSON.stringify(events));
        tallies.valid.note(answer.status);
        const result = expectJsonSuccess<{ recorded: number; duplicates: number; ignored: number }>(
          answer,
          200,
        );
        const ours = events.filter((e) => String(e.portalId) === String(HUB)).length;
        expect(result.ignored).toBe(events.length - ours);
        expect(result.recorded + result.duplicates).toBe(ours);
        const after = await rowCounts(db(), ['webhook_events']);
        expect(after.webhook_events - before.webhook_events).toBe(result.recorded);
      }),
      fuzzParameters(fuzzRuns(20)),
    );
  });

  it('refuses a batch with one bad event with a 400, recording none of it', async () => {
    await fc.assert(
      fc.asyncProperty(malformedBatch, async (events) => {
        const before = await rowCounts(db(), TABLES);
        const answer = await deliver(JSON.stringify(events));
        tallies.malformed.note(answer.status);
        const { code, message } = expectJsonRefusal(answer, 400);
        expect(code).toBe('invalid_request');
        expect(message).toMatch(/^Invalid webhook batch: /);
        expect(await rowCounts(db(), TABLES)).toEqual(before);
      }),
      fuzzParameters(fuzzRuns(50)),
    );
  });

  it('answers events holding hard text or edge numbers with a 200 or a clear 400, never a 500', async () => {
    const withHardText = fc
      .tuple(
        validEvent([HUB]),
        fc.oneof(
          fc.tuple(
            fc.constantFrom(
              'subscriptionType',
              'propertyName',
              'propertyValue',
              'changeSource',
              'objectTypeId',
              'extra',
            ),
            nastyText,
          ),
          fc.tuple(
            fc.constantFrom('eventId', 'objectId', 'occurredAt', 'subscriptionId', 'attemptNumber', 'appId'),
            edgeNumber,
          ),
        ),
      )
      .map(([event, [field, value]]) => ({ ...event, [field]: value }));
    await fc.assert(
      fc.asyncProperty(fc.array(withHardText, { minLength: 1, maxLength: 3 }), async (events) => {
        const before = await rowCounts(db(), TABLES);
        const answer = await deliver(JSON.stringify(events));
        tallies.hardText.note(answer.status);
        if (answer.status === 200) return;
        expect(expectJsonRefusal(answer, 400).code).toBe('invalid_request');
        expect(await rowCounts(db(), TABLES)).toEqual(before);
      }),
      fuzzParameters(fuzzRuns(50)),
    );
  });

  it('refuses bodies that are not a batch (other JSON, broken JSON, bytes) with a 400', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          notABatch.map((v) => JSON.stringify(v)),
          brokenJsonText,
        ),
        async (body) => {
          const before = await rowCounts(db(), TABLES);
          const answer = await deliver(body);
          tallies.arbitrary.note(answer.status);
          expect(expectJsonRefusal(answer, 400).code).toBe('invalid_request');
          expect(await rowCounts(db(), TABLES)).toEqual(before);
        },
      ),
      fuzzParameters(fuzzRuns(50)),
    );
  });
});

describe('a webhook delivery whose signature does not hold', () => {
  const FIVE_MINUTES = 5 * 60_000;
  const badSigning: fc.Arbitrary<Signing> = fc.oneof(
    fc.record({ signature: headerText }),
    fc.record({ secret: fc.string({ minLength: 1 }).filter((s) => s !== PRODUCT_APP.clientSecret) }),
    fc.record({ timestamp: headerText.filter((t) => !/^\d{1,16}$/.test(t)) }),
    fc
      .integer({ min: FIVE_MINUTES + 2_000, max: 10 * 365 * 86_400_000 })
      .chain((age) => fc.constantFrom(-age, age))
      .map((offset) => ({ timestamp: String(Date.now() - offset) })),
    fc.record({ signedBody: fc.string() }),
    fc.record({
      signedUrl: fc.constantFrom(
        'http://127.0.0.1/webhooks/hubspot',
        'https://evil.example/webhooks/hubspot',
      ),
    }),
    fc.record({ method: fc.constantFrom('GET', 'PUT', 'post ') }),
    fc.record({ omit: fc.constantFrom('signature' as const, 'timestamp' as const, 'both' as const) }),
  );

  it('is refused with a 401 before its body is read, and records nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          validBatch.map((b) => JSON.stringify(b)),
          brokenJsonText,
        ),
        badSigning,
        async (body, signing) => {
          fc.pre(signing.signedBody === undefined || signing.signedBody !== body);
          const before = await rowCounts(db(), TABLES);
          const answer = await deliver(body, signing);
          tallies.signatures.note(answer.status);
          expect(expectJsonRefusal(answer, 401).code).toBe('invalid_signature');
          expect(await rowCounts(db(), TABLES)).toEqual(before);
        },
      ),
      fuzzParameters(fuzzRuns(50)),
    );
  });

  it('leaves the server answering', async () => {
    const health = await fetch(`${running.product.url}/`);
    expect(health.status).toBe(200);
  });
});
