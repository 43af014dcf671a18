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
  headerText,
  nastyJson,
  nastyText,
  printTallies,
  rowCounts,
} from './fuzz-support.js';

const HUB = 963;
const TABLES = ['usage_events', 'contacts', 'usage_api_keys'] as const;

let running: SignedInProduct;
let apiKey: string;
const db = () => running.product.ctx.db.db;

const tallies = {
  valid: new AnswerTally('valid batches'),
  malformed: new AnswerTally('malformed batches'),
  hard: new AnswerTally('events with hard text or edge numbers'),
  arbitrary: new AnswerTally('arbitrary bodies'),
  keys: new AnswerTally('fuzzed API keys'),
};

beforeAll(async () => {
  running = await startSignedInProduct(HUB);
  const created = await fetch(`${running.product.url}/api/v1/portals/${running.portalId}/usage-api-key`, {
    method: 'POST',
    headers: { 'X-Churn-Radar-Admin': '1' },
  });
  expect(created.status).toBe(201);
  apiKey = ((await created.json()) as { key: string }).key;
}, 300_000);
afterAll(async () => {
  printTallies('usage events', Object.values(tallies));
  await running?.close();
});

async function send(body: string, options: { key?: string | null; contentType?: string } = {}) {
  const headers: Record<string, string> = { 'Content-Type': options.contentType ?? 'application/json' };
  const key = options.key === undefined ? apiKey : options.key;
  if (key !== null) headers.Authorization = `Bearer ${key}`;
  return answerOf(
    await fetch(`${running.product.url}/api/v1/usage-events`, { method: 'POST', headers, body }),
  );
}

const contactRef = fc.oneof(
  fc.record({ id: fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{1,40}$/), fc.integer({ min: 1 })) }),
  // The seeded contacts, by id, so some events join at once.
  fc.record({ id: fc.constantFrom('s1', 's2', 's3') }),
  fc.record({
    email: fc.stringMatching(/^[a-z0-9]{1,12}([._-][a-z0-9]{1,5})?@[a-z0-9]{1,12}\.(com|de|io)$/),
  }),
);

const isoTime = fc
  .tuple(
    fc.date({
      min: new Date('1970-01-01T00:00:00Z'),
      max: new Date('2100-01-01T00:00:00Z'),
      noInvalidDate: true,
    }),
    fc.constantFrom('Z', '+02:00', '-05:30', '+00:00'),
  )
  .map(([date, zone]) => date.toISOString().replace('Z', zone));

const propertyValue = fc.oneof(
  fc.string({ maxLength: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

/** An event as the API documents it. */
const validEvent = fc.record(
  {
    eventId: fc.string({ minLength: 1, maxLength: 200 }),
    contact: contactRef,
    occurredAt: isoTime,
    name: fc.oneof(
      fc.constantFrom('session', 'Session', 'export_report', 'dashboard.view'),
      fc.string({ maxLength: 200 }).filter((s) => s.trim().length > 0),
    ),
    durationSeconds: fc.double({ min: 0, max: 7 * 24 * 3600, noNaN: true }),
    properties: fc.dictionary(fc.string({ maxLength: 100 }), propertyValue, { maxKeys: 50 }),
  },
  { requiredKeys: ['eventId', 'contact', 'occurredAt', 'name'] },
);

const validBatch = fc.array(validEvent, { minLength: 1, maxLength: 20 });

/** What makes one event wrong, each for a reason the API names. */
const spoilers: fc.Arbitrary<(event: Record<string, unknown>) => void>[] = [
  fc.constantFrom('eventId', 'contact', 'occurredAt', 'name').map((field) => (e) => delete e[field]),
  fc
    .oneof(fc.constant(''), fc.string({ minLength: 201, maxLength: 400 }), fc.integer(), fc.constant(null))
    .map((v) => (e) => (e.eventId = v)),
  fc
    .oneof(
      fc.constant({}),
      fc.constant({ id: 's1', email: 'a@b.com' }),
      fc.record({ id: fc.stringMatching(/^[^A-Za-z0-9]{1,5}$/) }),
      fc.record({ id: fc.integer({ max: 0 }) }),
      fc.record({ email: fc.string().filter((s) => !s.includes('@')) }),
      fc.string(),
      fc.constant(null),
    )
    .map((v) => (e) => (e.contact = v)),
  fc
    .oneof(
      fc.constantFrom(
        '',
        'yesterday',
        '2026-13-01T00:00:00Z',
        '2026-02-30',
        '99999-01-01T00:00:00Z',
        '1700000000',
      ),
      fc.integer(),
      fc.date({ noInvalidDate: true }).map((d) => d.toString()),
    )
    .map((v) => (e) => (e.occurredAt = v)),
  fc
    .oneof(
      fc.constantFrom('', '   ', '\t\n'),
      fc.string({ minLength: 201, maxLength: 300 }).map((s) => s.padEnd(201, 'n')),
      fc.integer(),
    )
    .map((v) => (e) => (e.name = v)),
  fc
    .oneof(
      fc.double({ max: -Number.MIN_VALUE }),
      fc.double({ min: 7 * 24 * 3600 + 1 }),
      fc.string(),
      fc.constant(null),
    )
    .map((v) => (e) => (e.durationSeconds = v)),
  fc
    .oneof(
      fc.dictionary(fc.string(), fc.string(), { minKeys: 51, maxKeys: 60 }),
      fc.record({ nested: fc.oneof(fc.constant({}), fc.constant([1])) }),
      fc.record({ long: fc.string({ minLength: 1001, maxLength: 1100 }).map((s) => s.padEnd(1001, 'x')) }),
      fc.string({ minLength: 101, maxLength: 120 }).map((k) => ({ [k.padEnd(101, 'k')]: 1 })),
      fc.constantFrom([], 'a', 3),
    )
    .map((v) => (e) => (e.properties = v)),
];

const malformedBatch = fc
  .tuple(validBatch, validEvent, fc.oneof(...spoilers), fc.nat())
  .map(([batch, event, spoil, at]) => {
    const spoiled: Record<string, unknown> = structuredClone(event);
    spoil(spoiled);
    const events: unknown[] = [...batch];
    events.splice(at % (batch.length + 1), 0, spoiled);
    return { events };
  });

describe('a usage batch sent with the portal’s key', () => {
  it('stores every valid batch and says how many events were new', async () => {
    await fc.assert(
      fc.asyncProperty(validBatch, async (events) => {
        const before = await rowCounts(db(), ['usage_events']);
        const answer = await send(JSON.stringify({ events }));
        tallies.valid.note(answer.status);
        const result = expectJsonSuccess<{ accepted: number; duplicates: number }>(answer, 202);
        expect(result.accepted + result.duplicates).toBe(events.length);
        const after = await rowCounts(db(), ['usage_events']);
        expect(after.usage_events - before.usage_events).toBe(result.accepted);
      }),
      fuzzParameters(fuzzRuns(20)),
    );
  });

  it('refuses a batch with one bad event with a 400, storing none of it', async () => {
    await fc.assert(
      fc.asyncProperty(malformedBatch, async (body) => {
        const before = await rowCounts(db(), TABLES);
        const answer = await send(JSON.stringify(body));
        tallies.malformed.note(answer.status);
        const { code, message } = expectJsonRefusal(answer, 400);
        expect(code).toBe('invalid_request');
        expect(message).toMatch(/^Invalid request: events\.\d+/);
        expect(await rowCounts(db(), TABLES)).toEqual(before);
      }),
      fuzzParameters(fuzzRuns(50)),
    );
  });

  it('answers events holding hard text or edge numbers with a 202 or a clear 400, never a 500', async () => {
    const hardEvent = fc
      .tuple(
        validEvent,
        fc.oneof(
          fc.tuple(fc.constantFrom('eventId', 'name', 'occurredAt'), nastyText),
          fc.tuple(fc.constant('durationSeconds'), edgeNumber),
          fc.tuple(
            fc.constant('properties'),
            fc.oneof(
              nastyText.map((k) => ({ [k]: 'v' })),
              nastyText.map((v) => ({ note: v })),
              edgeNumber.map((v) => ({ count: v })),
            ),
          ),
          fc.tuple(
            fc.constant('contact'),
            nastyText.chain((t) => fc.constantFrom({ id: t }, { email: t }, { email: `${t}@example.com` })),
          ),
        ),
      )
      .map(([event, [field, value]]) => ({ ...event, [field]: value }));
    await fc.assert(
      fc.asyncProperty(validBatch, hardEvent, fc.nat(), async (batch, hard, at) => {
        const events: unknown[] = [...batch];
        events.splice(at % (batch.length + 1), 0, hard);
        const before = await rowCounts(db(), TABLES);
        const answer = await send(JSON.stringify({ events }));
        tallies.hard.note(answer.status);
        if (answer.status === 202) return;
        expect(expectJsonRefusal(answer, 400).code).toBe('invalid_request');
        expect(await rowCounts(db(), TABLES)).toEqual(before);
      }),
      fuzzParameters(fuzzRuns(50)),
    );
  });

  it('refuses bodies that are not a batch, in any content type, with a 400', async () => {
    const notABatch = fc.oneof(
      nastyJson
        .filter((v) => typeof v !== 'object' || v === null || !('events' in v))
        .map((v) => JSON.stringify(v)),
      fc.constant(JSON.stringify({ events: [] })),
      brokenJsonText,
    );
    await fc.assert(
      fc.asyncProperty(
        notABatch,
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
        ),
        async (body, contentType) => {
          const before = await rowCounts(db(), TABLES);
          const answer = await send(body, { contentType });
          tallies.arbitrary.note(answer.status);
          expect(expectJsonRefusal(answer, [400, 415]).code).toMatch(
            /^(invalid_request|invalid_body|unsupported_charset|charset_unsupported)$/,
          );
          expect(await rowCounts(db(), TABLES)).toEqual(before);
        },
      ),
      fuzzParameters(fuzzRuns(50)),
    );
  });

  it('refuses a batch whose key is missing, malformed or unknown with a 401, storing nothing', async () => {
    const badKey = fc.oneof(
      fc.constant(null),
      headerText,
      fc.stringMatching(/^cru_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{43}$/),
      fc.nat({ max: 50 }).map((cut) => apiKey.slice(0, apiKey.length - 1 - cut)),
      fc.constant(`${apiKey}x`),
    );
    await fc.assert(
      fc.asyncProperty(validBatch, badKey, async (events, key) => {
        const before = await rowCounts(db(), TABLES);
        const answer = await send(JSON.stringify({ events }), { key });
        tallies.keys.note(answer.status);
        expect(expectJsonRefusal(answer, 401).code).toBe('invalid_api_key');
        expect(await rowCounts(db(), TABLES)).toEqual(before);
      }),
      fuzzParameters(fuzzRuns(35)),
    );
  });

  it('leaves the server answering', async () => {
    expect((await fetch(`${running.product.url}/`)).status).toBe(200);
  });
});
