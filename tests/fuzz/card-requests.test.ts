import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { adminUserId } from '../../sandbox/store.js';
import { signatureV3 } from '../../server/crm/hubspot/request-signature.js';
import { json } from '../../server/db/json.js';
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

const HUB = 967;
const STRANGER_HUB = 968;
/** The portal's admin: an active user of the portal, whom the card acts for. */
const USER = adminUserId(HUB);
/** Contacts with CRM ids, as the card names them. */
const CONTACTS = ['1001', '1002', '1003'];
const TABLES = [
  'retention_actions',
  'retention_offers',
  'survey_requests',
  'score_feedback',
  'contacts',
] as const;

let running: SignedInProduct;
const db = () => running.product.ctx.db.db;

const tallies = {
  query: new AnswerTally('risk fetches with fuzzed queries'),
  plays: new AnswerTally('play bodies'),
  feedback: new AnswerTally('feedback bodies'),
  hardText: new AnswerTally('plays and feedback with hard text'),
  arbitrary: new AnswerTally('arbitrary bodies'),
  signatures: new AnswerTally('fuzzed signatures'),
};

beforeAll(async () => {
  running = await startSignedInProduct(HUB);
  await db()
    .insertInto('contacts')
    .values(
      CONTACTS.map((id) => ({
        portal_id: running.portalId,
        id,
        email: `c${id}@example.com`,
        first_name: `C${id}`,
        properties: json({}),
      })),
    )
    .execute();
}, 300_000);
afterAll(async () => {
  printTallies('card requests', Object.values(tallies));
  await running?.close();
});

interface Signing {
  secret?: string;
  signature?: string;
  timestamp?: string;
  signedPath?: string;
  omit?: boolean;
}

/** A card's `hubspot.fetch` as HubSpot sends it: identity appended to the URL, v3-signed. */
async function cardFetch(method: 'GET' | 'POST', pathAndQuery: string, body = '', signing: Signing = {}) {
  const timestamp = signing.timestamp ?? String(Date.now());
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (!signing.omit) {
    headers['X-HubSpot-Signature-v3'] =
      signing.signature ??
      signatureV3(
        signing.secret ?? PRODUCT_APP.clientSecret,
        method,
        `${running.product.url}${signing.signedPath ?? pathAndQuery}`,
        Buffer.from(body),
        timestamp,
      );
    headers['X-HubSpot-Request-Timestamp'] = timestamp;
  }
  return answerOf(
    await fetch(`${running.product.url}${pathAndQuery}`, {
      method,
      headers,
      ...(method === 'POST' ? { body } : {}),
    }),
  );
}

const identity = (hub: number | string = HUB) =>
  new URLSearchParams({
    userId: String(USER),
    userEmail: 'advisor@example.com',
    appId: String(PRODUCT_APP.appId),
    portalId: String(hub),
  });
const actionPath = (kind: 'plays' | 'feedback') => `/api/v1/cards/${kind}?${identity().toString()}`;

const requestKey = fc.string({ minLength: 8, maxLength: 200 }).filter((k) => k.trim().length >= 8);
const contactId = fc.constantFrom(...CONTACTS);

describe('the risk card’s signed fetches', () => {
  it('answers the risk view for any query with a 200 or a clear 4xx', async () => {
    const queryValue = fc.oneof(
      fc.constantFrom(...CONTACTS, '999999', '0'),
      fc.stringMatching(/^\d{1,25}$/),
      nastyText,
      edgeNumber.map(String),
    );
    const query = fc.record(
      {
        contactId: fc.oneof(
          queryValue,
          fc.array(fc.constantFrom(...CONTACTS), { minLength: 2, maxLength: 2 }),
        ),
        portalId: fc.oneof(fc.constant(String(HUB)), fc.constant(String(STRANGER_HUB)), queryValue),
        userId: fc.oneof(fc.constant(String(USER)), queryValue),
        appId: fc.constant(String(PRODUCT_APP.appId)),
        extra: nastyText,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(query, async (fields) => {
        const params = new URLSearchParams();
        for (const [key, value] of Object.entries(fields))
          for (const one of [value].flat()) params.append(key, one);
        const search = params.toString();
        const answer = await cardFetch('GET', `/api/v1/cards/contact-risk${search ? `?${search}` : ''}`);
        tallies.query.note(answer.status);
        // Node's HTTP parser refuses a request line past 16 kB before the product sees it.
        if (answer.status === 431) return;
        if (answer.status === 200) {
          expect(fields.portalId).toBe(String(HUB));
          return;
        }
        expect(['invalid_request', 'not_found', 'not_a_portal_user']).toContain(
          expectJsonRefusal(answer, [400, 403, 404]).code,
        );
      }),
      fuzzParameters(fuzzRuns(50)),
    );
  });

  it('starts a play for every valid request, and refuses every other body with a 400 or 404, changing nothing', async () => {
    const valid = fc.record({ contactId, play: fc.constantFrom('offer', 'survey', 'check_in'), requestKey });
    const spoiled = fc.oneof(
      valid.chain((b) =>
        fc.oneof(
          fc.constantFrom('contactId', 'play', 'requestKey').map((f) => {
            const copy: Record<string, unknown> = { ...b };
            delete copy[f];
            return copy;
          }),
          fc
            .oneof(fc.constantFrom('', 'c1', '12a', '-1', '1'.repeat(21)), fc.integer(), fc.constant(null))
            .map((v) => ({ ...b, contactId: v })),
          fc.oneof(fc.constantFrom('OFFER', 'discount', ''), nastyText).map((v) => ({ ...b, play: v })),
          fc
            .oneof(
              fc.string({ maxLength: 7 }),
              fc.constant('       x'),
              fc.string({ minLength: 201, maxLength: 230 }).map((s) => s.padEnd(201, 'k')),
            )
            .map((v) => ({ ...b, requestKey: v })),
        ),
      ),
      // A contact the portal does not have: 404.
      valid.map((b) => ({ ...b, contactId: '424242' })),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          valid.map((b) => ({ ok: true, b })),
          spoiled.map((b) => ({ ok: false, b })),
        ),
        async ({ ok, b }) => {
          const before = await rowCounts(db(), TABLES);
          const answer = await cardFetch('POST', actionPath('plays'), JSON.stringify(b));
          tallies.plays.note(answer.status);
          if (ok) {
            const result = expectJsonSuccess<{ status: string }>(answer, [200, 201]);
            expect(['pending', 'completed']).toContain(result.status);
            return;
          }
          expect(['invalid_request', 'not_found', 'not_a_portal_user']).toContain(
            expectJsonRefusal(answer, [400, 403, 404]).code,
          );
          expect(await rowCounts(db(), TABLES)).toEqual(before);
        },
      ),
      fuzzParameters(fuzzRuns(50)),
    );
  });

  it('records score feedback for every valid request, and refuses every other body with a 400 or 404', async () => {
    const comment = fc.option(fc.string({ maxLength: 2000 }), { nil: undefined });
    const valid = fc.record(
      { contactId, scoreId: fc.constant(null), comment, requestKey },
      { requiredKeys: ['contactId', 'requestKey'] },
    );
    const spoiled = valid.chain((b) =>
      fc.oneof(
        fc.constantFrom('contactId', 'requestKey').map((f) => {
          const copy: Record<string, unknown> = { ...b };
          delete copy[f];
          return copy;
        }),
        fc
          .oneof(
            fc.constantFrom(0, -1, 1.5, '3', true),
            edgeNumber.filter((n) => !Number.isInteger(n) || n <= 0),
          )
          .map((v) => ({ ...b, scoreId: v })),
        // A positive whole score id that is not this contact's.
        fc.integer({ min: 1_000_000, max: 2 ** 31 - 1 }).map((v) => ({ ...b, scoreId: v })),
        fc
          .string({ minLength: 2001, maxLength: 2100 })
          .map((c) => ({ ...b, comment: `${c.padEnd(2001, 'c')}x` })),
        fc.oneof(fc.integer(), fc.constant({ text: 'no' })).map((v) => ({ ...b, comment: v })),
        fc.string({ maxLength: 7 }).map((v) => ({ ...b, requestKey: v })),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          valid.map((b) => ({ ok: true, b })),
          spoiled.map((b) => ({ ok: false, b })),
        ),
        async ({ ok, b }) => {
          const before = await rowCounts(db(), TABLES);
          const answer = await cardFetch('POST', actionPath('feedback'), JSON.stringify(b));
          tallies.feedback.note(answer.status);
          if (ok) {
            expectJsonSuccess(answer, [200, 201]);
            return;
          }
          expect(['invalid_request', 'not_found', 'not_a_portal_user']).toContain(
            expectJsonRefusal(answer, [400, 403, 404]).code,
          );
          expect(await rowCounts(db(), TABLES)).toEqual(before);
        },
      ),
      fuzzParameters(fuzzRuns(50)),
    );
  });

  it('takes any text in a comment or request key as a 2xx or refuses it with a 400, storing what it takes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ kind: fc.constant('feedback' as const), contactId, comment: nastyText, requestKey }),
          fc.record({
            kind: fc.constant('feedback' as const),
            contactId,
            requestKey: nastyText.map((k) => `key-${k}-key`),
          }),
          fc.record({
            kind: fc.constant('plays' as const),
            contactId,
            play: fc.constant('survey'),
            requestKey: nastyText.map((k) => `key-${k}-key`),
          }),
        ),
        async ({ kind, ...body }) => {
          const before = await rowCounts(db(), TABLES);
          const answer = await cardFetch('POST', actionPath(kind), JSON.stringify(body));
          tallies.hardText.note(answer.status);
          if (answer.status < 300) {
            expectJsonSuccess(answer, [200, 201]);
            return;
          }
          expect(expectJsonRefusal(answer, [400]).code).toBe('invalid_request');
          expect(await rowCounts(db(), TABLES)).toEqual(before);
        },
      ),
      fuzzParameters(fuzzRuns(35)),
    );
  });

  it('refuses bodies that are not JSON objects with a 400', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<'plays' | 'feedback'>('plays', 'feedback'),
        fc.oneof(
          nastyJson
            .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
            .map((v) => JSON.stringify(v)),
          brokenJsonText.filter((t) => t.trim() !== ''),
        ),
        async (kind, body) => {
          const before = await rowCounts(db(), TABLES);
          const answer = await cardFetch('POST', actionPath(kind), body);
          tallies.arbitrary.note(answer.status);
          expect(expectJsonRefusal(answer, 400).code).toBe('invalid_request');
          expect(await rowCounts(db(), TABLES)).toEqual(before);
        },
      ),
      fuzzParameters(fuzzRuns(20)),
    );
  });

  it('refuses a fetch whose signature does not hold with a 401, changing nothing', async () => {
    const badSigning: fc.Arbitrary<Signing> = fc.oneof(
      fc.record({ signature: headerText }),
      fc.record({ secret: fc.string({ minLength: 1 }).filter((s) => s !== PRODUCT_APP.clientSecret) }),
      fc.record({ timestamp: headerText.filter((t) => !/^\d{1,16}$/.test(t)) }),
      fc
        .integer({ min: 6 * 60_000, max: 400 * 86_400_000 })
        .chain((age) => fc.constantFrom(-age, age))
        .map((offset) => ({ timestamp: String(Date.now() - offset) })),
      // Signed for another portal, sent for ours: the identity in the URL is what is signed.
      fc.constant({ signedPath: `/api/v1/cards/plays?${identity(STRANGER_HUB).toString()}` }),
      fc.constant({ omit: true }),
    );
    const body = fc.record({ contactId, play: fc.constantFrom('offer', 'survey', 'check_in'), requestKey });
    await fc.assert(
      fc.asyncProperty(body, badSigning, async (b, signing) => {
        const before = await rowCounts(db(), TABLES);
        const answer = await cardFetch('POST', actionPath('plays'), JSON.stringify(b), signing);
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
