import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { surveyTokenHash } from '../../server/workflows/secrets.js';
import { dashboardCall } from '../support/dashboard-session.js';
import { applyRedemptionImport } from '../../server/workflows/redemption-import.js';
import { importOutcome } from '../support/redemption-import.js';
import { startSignedInProduct, type SignedInProduct } from '../support/signed-in-product.js';

const HUB = 934;
const DAY_MS = 86_400_000;

let running: SignedInProduct;
const url = () => running.product.url;
const db = () => running.product.ctx.db.db;
/** This file runs no worker: an accepted import is applied in-process. */
const apply = (importId: number) => applyRedemptionImport(running.product.ctx.db.db, importId);
const portalPath = (rest: string) => `/api/v1/portals/${running.portalId}${rest}`;

type PlayAnswer = { id: number; outputs: Record<string, string>; replayed: boolean };
const play = (contactId: string, kind: 'survey' | 'offer', requestKey: string) =>
  dashboardCall<PlayAnswer>(url(), running.session, portalPath(`/contacts/${contactId}/plays`), {
    method: 'POST',
    body: { play: kind, requestKey },
  });

beforeAll(async () => {
  running = await startSignedInProduct(HUB);
}, 300_000);
afterAll(async () => {
  await running?.close();
});

describe('the survey link', () => {
  let surveyUrl: string;
  let actionId: number;

  beforeAll(async () => {
    const first = await play('s2', 'survey', 'security-survey-0001');
    expect(first.status).toBe(201);
    surveyUrl = first.body.outputs.survey_url!;
    actionId = first.body.id;
  });

  it('is not kept in the clear: only its hash is stored, and a repeated click gives the same link', async () => {
    const token = surveyUrl.split('/s/')[1]!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const action = await db()
      .selectFrom('retention_actions')
      .select('outputs')
      .where('id', '=', actionId)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(action.outputs)).not.toContain(token);
    expect(action.outputs).not.toHaveProperty('survey_url');
    // No column of any row holds the token.
    const { rows } = await sql<{ hit: number }>`
      select count(*)::int as hit from retention_actions where outputs::text like ${`%${token}%`}
        or inputs::text like ${`%${token}%`}`.execute(db());
    expect(rows[0]!.hit).toBe(0);
    const request = await db()
      .selectFrom('survey_requests')
      .select('token_hash')
      .where('retention_action_id', '=', actionId)
      .executeTakeFirstOrThrow();
    expect(request.token_hash).toBe(surveyTokenHash(token));

    const again = await play('s2', 'survey', 'security-survey-0001');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: actionId, replayed: true });
    expect(again.body.outputs.survey_url).toBe(surveyUrl);
    expect((await fetch(surveyUrl)).status).toBe(200);
  });

  const feedbackCount = async () =>
    Number(
      (
        await db()
          .selectFrom('feedback')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('portal_id', '=', running.portalId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const answer = (fields: Record<string, string>) =>
    fetch(surveyUrl, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });

  it.each(['', ' ', '0x0A', '1e1', '+7', '-0', '7.0', '11', '٣', '10abc'])(
    'refuses the score %p with the form shown again and stores nothing',
    async (score) => {
      const before = await feedbackCount();
      const page = await answer({ score, comment: 'not stored' });
      expect(page.status).toBe(400);
      const html = await page.text();
      expect(html).toContain('Please choose a score from 0 to 10.');
      expect(html).toContain('<form method="post"');
      expect(await feedbackCount()).toBe(before);
      expect((await fetch(surveyUrl)).status).toBe(200);
    },
  );

  it('takes a whole number from 0 to 10, spaces around it forgiven', async () => {
    const page = await answer({ score: ' 10 ' });
    expect(page.status).toBe(200);
    const stored = await db()
      .selectFrom('feedback')
      .select('score')
      .where('portal_id', '=', running.portalId)
      .where('id', 'like', 'churn-radar-survey-%')
      .execute();
    expect(stored).toEqual([{ score: 10 }]);
  });
});

describe('an offer redemption', () => {
  let code: string;

  beforeAll(async () => {
    const offered = await play('s3', 'offer', 'security-offer-0001');
    expect(offered.status).toBe(201);
    code = offered.body.outputs.offer_code!;
  });

  const redeemedAt = async () =>
    (
      await db()
        .selectFrom('retention_offers')
        .select(['redeemed_at', 'redeemed_value'])
        .where('code', '=', code)
        .executeTakeFirstOrThrow()
    ).redeemed_at;
  const redeem = (body: Record<string, unknown>) =>
    dashboardCall<{ code?: string; status?: string; message?: string; error?: { message: string } }>(
      url(),
      running.session,
      portalPath('/offers/redeem'),
      { method: 'POST', body: { code, ...body } },
    );

  it('dated before the offer was issued is refused with a 422 naming the code, and changes nothing', async () => {
    const answer = await redeem({ redeemedAt: '1970-01-01T00:00:00Z', value: 10 });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ code, status: 'date_out_of_range' });
    expect(answer.body.message).toContain(code);
    expect(await redeemedAt()).toBeNull();
  });

  it('dated more than a day ahead is refused too', async () => {
    const answer = await redeem({ redeemedAt: new Date(Date.now() + 3 * DAY_MS).toISOString() });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ code, status: 'date_out_of_range' });
    expect(await redeemedAt()).toBeNull();
  });

  it.each(['99999', '1e12', 'soon'])('dated %p is a 400 naming redeemedAt', async (date) => {
    const answer = await redeem({ redeemedAt: date });
    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toMatch(/redeemedAt/);
    expect(await redeemedAt()).toBeNull();
  });

  it('in a billing CSV, a row dated before the offer is reported refused and the rest still counts', async () => {
    const headers = { cookie: running.session.cookie, 'x-csrf-token': running.session.csrfToken };
    const answer = await fetch(`${url()}${portalPath('/offers/redemptions')}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/csv' },
      body: `code,redeemed_at,value\n${code},1970-01-01T00:00:00Z,5\n`,
    });
    const report = await importOutcome(url(), answer, headers, { apply });
    expect(report.counts).toMatchObject({ redeemed: 0, date_out_of_range: 1 });
    expect(report.refused).toEqual([expect.objectContaining({ line: 2, code, status: 'date_out_of_range' })]);
    expect(await redeemedAt()).toBeNull();
  });

  it('dated within the offer’s life is redeemed', async () => {
    const at = new Date().toISOString();
    const answer = await redeem({ redeemedAt: at, value: 12 });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ code, status: 'redeemed' });
    expect((await redeemedAt())?.toISOString()).toBe(at);
  });
});
