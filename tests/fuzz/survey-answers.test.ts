import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { signatureV2 } from '../../server/crm/hubspot/request-signature.js';
import { PRODUCT_APP } from '../support/product-server.js';
import { startSignedInProduct, type SignedInProduct } from '../support/signed-in-product.js';
import {
  answerOf,
  AnswerTally,
  expectJsonRefusal,
  expectNoServerError,
  fuzzParameters,
  fuzzRuns,
  nastyText,
  printTallies,
  rowCounts,
  type Answer,
} from './fuzz-support.js';

const HUB = 971;

let running: SignedInProduct;
const db = () => running.product.ctx.db.db;
let requests = 0;

const tallies = {
  valid: new AnswerTally('valid answers'),
  invalid: new AnswerTally('invalid answers'),
  hard: new AnswerTally('answers with hard text'),
  tokens: new AnswerTally('fuzzed tokens'),
};

beforeAll(async () => {
  running = await startSignedInProduct(HUB);
}, 300_000);
afterAll(async () => {
  printTallies('survey answers', Object.values(tallies));
  await running?.close();
});

/** A fresh survey link, made as a workflow's feedback request makes it (no holdout). */
async function openSurvey(): Promise<string> {
  const url = `${running.product.url}/workflow-actions/request-feedback`;
  const body = JSON.stringify({
    callbackId: `survey-fuzz-${++requests}`,
    origin: { portalId: HUB },
    object: { objectId: 5000 + requests, objectType: 'CONTACT' },
    inputFields: { campaign: 'fuzz', holdout_percent: 0 },
  });
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-HubSpot-Signature': signatureV2(PRODUCT_APP.clientSecret, 'POST', url, Buffer.from(body)),
      'X-HubSpot-Signature-Version': 'v2',
    },
    body,
  });
  expect(response.status).toBe(200);
  const { outputFields } = (await response.json()) as { outputFields: { survey_url: string } };
  return new URL(outputFields.survey_url).pathname.slice('/s/'.length);
}

/**
 * A path segment for any token: percent-encoded as UTF-8, with an unpaired surrogate (which has no
 * UTF-8 form) sent as the bytes of one, so the server meets a segment that does not decode.
 */
const segment = (token: string) =>
  [...token].map((c) => (/^[\ud800-\udfff]$/.test(c) ? '%ED%A0%80' : encodeURIComponent(c))).join('');

async function answer(token: string, form: string, contentType = 'application/x-www-form-urlencoded') {
  return answerOf(
    await fetch(`${running.product.url}/s/${segment(token)}`, {
      method: 'POST',
      headers: { 'Content-Type': contentType },
      body: form,
    }),
  );
}

/**
 * A survey page that refuses: a 4xx page a customer reads, never a stack trace. What never reaches
 * the survey (a body in JSON that does not parse, an address that does not decode) gets the
 * API's JSON refusal instead.
 */
function expectPageRefusal(page: Answer, statuses: number[]): void {
  expectNoServerError(page);
  if (page.contentType.startsWith('application/json')) {
    expectJsonRefusal(page, 400);
    return;
  }
  expect(statuses).toContain(page.status);
  expect(page.contentType).toMatch(/^text\/html/);
  expect(page.text).toMatch(/<h1>|role="alert"/);
}

async function snapshot() {
  const answered = await db()
    .selectFrom('survey_requests')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('answered_at', 'is not', null)
    .executeTakeFirstOrThrow();
  return { answered: Number(answered.n), counts: await rowCounts(db(), ['feedback', 'associations']) };
}

const form = (fields: [string, string][]) => new URLSearchParams(fields).toString();

describe('a customer’s survey answer', () => {
  it('records every valid answer once and thanks the customer', async () => {
    const valid = fc.record({
      score: fc.integer({ min: 0, max: 10 }).chain((n) => fc.constantFrom(String(n), ` ${n} `)),
      comment: fc.option(fc.string({ unit: 'grapheme', maxLength: 400 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(valid, async ({ score, comment }) => {
        const token = await openSurvey();
        const before = await snapshot();
        const page = await answer(
          token,
          form(
            comment === undefined
              ? [['score', score]]
              : [
                  ['score', score],
                  ['comment', comment],
                ],
          ),
        );
        tallies.valid.note(page.status);
        expectNoServerError(page);
        expect(page.status).toBe(200);
        expect(page.text).toContain('Answer received');
        const after = await snapshot();
        expect(after.answered).toBe(before.answered + 1);
        expect(after.counts.feedback).toBe(before.counts.feedback + 1);
        const again = await answer(token, form([['score', score]]));
        expectPageRefusal(again, [409]);
      }),
      fuzzParameters(fuzzRuns(20)),
    );
  });

  describe('on an open link', () => {
    let token: string;
    beforeAll(async () => {
      token = await openSurvey();
    });

    it('refuses a missing or wrong score, or a long comment, with a 400 form, recording nothing', async () => {
      const badScore = fc.oneof(
        fc.constantFrom('', '11', '-1', '5.0', '1e1', '0x5', 'ten', '٣', '05', '10 10', '+3'),
        fc
          .integer()
          .filter((n) => n < 0 || n > 10)
          .map(String),
        fc.string().filter((s) => !/^\s*(10|[0-9])\s*$/.test(s)),
      );
      const fields = fc.oneof(
        badScore.map((score): [string, string][] => [['score', score]]),
        fc.constant<[string, string][]>([]),
        // The score twice reads as a list, not a number.
        fc.constant<[string, string][]>([
          ['score', '3'],
          ['score', '4'],
        ]),
        fc.string({ minLength: 5001, maxLength: 5200 }).map((c): [string, string][] => [
          ['score', '7'],
          ['comment', `${c.padEnd(5001, 'c')}!`],
        ]),
      );
      await fc.assert(
        fc.asyncProperty(fields, async (list) => {
          const before = await snapshot();
          const page = await answer(token, form(list));
          tallies.invalid.note(page.status);
          expectPageRefusal(page, [400]);
          expect(await snapshot()).toEqual(before);
        }),
        fuzzParameters(fuzzRuns(50)),
      );
      const still = await fetch(`${running.product.url}/s/${token}`);
      expect(still.status).toBe(200);
    });

    it('answers hard text in the score or comment, or a body in another encoding, with a 200 or a clear 4xx', async () => {
      const body = fc.oneof(
        fc.tuple(nastyText, nastyText).map(([score, comment]) => ({
          text: form([
            ['score', score],
            ['comment', comment],
          ]),
          type: undefined,
        })),
        nastyText.map((comment) => ({
          text: form([
            ['score', '6'],
            ['comment', comment],
          ]),
          type: undefined,
        })),
        fc
          .tuple(nastyText, fc.constantFrom('application/json', 'text/plain', 'multipart/form-data'))
          .map(([text, type]) => ({ text, type })),
        fc
          .constantFrom(
            'score=%ZZ',
            'score=%',
            'comment=%E0%A4%A&score=1',
            'score=1&comment=%00',
            'score=1&comment=%ED%A0%80',
          )
          .map((text) => ({ text, type: undefined })),
      );
      await fc.assert(
        fc.asyncProperty(body, async ({ text, type }) => {
          // An answer may be taken: each run gets its own link.
          const link = await openSurvey();
          const before = await snapshot();
          const page = await answer(link, text, type);
          tallies.hard.note(page.status);
          expectNoServerError(page);
          if (page.status === 200) return;
          expectPageRefusal(page, [400]);
          expect(await snapshot()).toEqual(before);
        }),
        fuzzParameters(fuzzRuns(35)),
      );
    });
  });

  it('answers a link that is not ours with a 404 page, for a GET or an answer', async () => {
    const token = fc.oneof(
      nastyText.filter((t) => t.length > 0 && t.length < 2000),
      fc.stringMatching(/^[A-Za-z0-9_-]{32}$/),
      fc.stringMatching(/^[A-Za-z0-9_-]{31,33}$/),
    );
    await fc.assert(
      fc.asyncProperty(token, fc.boolean(), async (t, post) => {
        const before = await snapshot();
        const page = post
          ? await answer(t, form([['score', '9']]))
          : await answerOf(await fetch(`${running.product.url}/s/${segment(t)}`));
        tallies.tokens.note(page.status);
        expectPageRefusal(page, [404]);
        expect(await snapshot()).toEqual(before);
      }),
      fuzzParameters(fuzzRuns(50)),
    );
  });

  it('leaves the server answering', async () => {
    expect((await fetch(`${running.product.url}/`)).status).toBe(200);
  });
});
