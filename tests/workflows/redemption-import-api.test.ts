/**
 * Billing's CSV of offer redemptions over HTTP: taken as it streams in, answered at once with the
 * import, applied by a worker in batches with its progress; a bad or oversized file changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import { MAX_IMPORT_BYTES } from '../../server/workflows/redemption-import.js';
import { issueOffer } from '../support/offers.js';
import { importOutcome } from '../support/redemption-import.js';
import { startSignedInProduct, type SignedInProduct } from '../support/signed-in-product.js';

const HUB = 7301;
const ROWS = 20_000;

let running: SignedInProduct;
const db = () => running.product.ctx.db.db;
const url = () => running.product.url;
const path = (rest = '') => `/api/v1/portals/${running.portalId}/offers/redemptions${rest}`;
const headers = () => ({ cookie: running.session.cookie, 'x-csrf-token': running.session.csrfToken });

beforeAll(async () => {
  running = await startSignedInProduct(HUB);
  await running.product.startWorker();
}, 300_000);
afterAll(async () => {
  await running?.close();
});

/** Sends a CSV in pieces of `chunkBytes`, as a file upload streams: no Content-Length. */
function postStreamed(csv: string, chunkBytes = 16 * 1024) {
  const bytes = new TextEncoder().encode(csv);
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(at, at + chunkBytes));
      at += chunkBytes;
    },
  });
  return fetch(`${url()}${path()}`, {
    method: 'POST',
    headers: { ...headers(), 'content-type': 'text/csv' },
    body,
    duplex: 'half',
  } as RequestInit);
}

const unknownCode = (i: number) =>
  `CR-9${String(i).padStart(3, '0').slice(-3)}-0000-0000-${String(i % 10_000).padStart(4, '0')}`;

async function offerState(code: string) {
  return db()
    .selectFrom('retention_offers')
    .select(['redeemed_at', 'redeemed_value'])
    .where('code', '=', code)
    .executeTakeFirstOrThrow();
}

async function importsCount(): Promise<{ imports: number; rows: number }> {
  const imports = await db()
    .selectFrom('redemption_imports')
    .select((e) => e.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await db()
    .selectFrom('redemption_import_rows')
    .select((e) => e.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return { imports: Number(imports.n), rows: Number(rows.n) };
}

describe('a redemptions CSV from billing', () => {
  it(`of ${ROWS.toLocaleString('en-US')} rows is accepted at once and applied by a worker, each code once`, async () => {
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push(await issueOffer(db(), running.portalId, 'Import'));
    const lines = ['code,redeemed_at,value'];
    for (let i = 0; i < ROWS; i++) {
      // Five real codes spread through the file, the first of them twice; the rest unknown.
      const real = i % 4000 === 17 ? codes[Math.floor(i / 4000)]! : null;
      lines.push(real ? `${real},,${i % 50}` : `${unknownCode(i)},,`);
    }
    lines.push(`${codes[0]!.toLowerCase()},,99`);
    const accepted = await postStreamed(`${lines.join('\n')}\n`);
    expect(accepted.status).toBe(202);
    const first = (await accepted.clone().json()) as { rows: number; status: string };
    expect(first.rows).toBe(ROWS + 1);
    expect(['queued', 'running', 'succeeded']).toContain(first.status);

    const report = await importOutcome(url(), accepted, headers(), { timeoutMs: 120_000 });
    expect(report).toMatchObject({ status: 'succeeded', rows: ROWS + 1, rowsDone: ROWS + 1 });
    expect(report.counts).toEqual({
      redeemed: 5,
      already_redeemed: 1,
      expired: 0,
      unknown_code: ROWS - 5,
      date_out_of_range: 0,
    });
    expect(report.refusedTotal).toBe(ROWS - 4);
    // The first refused rows, by line, with the code as the file gave it.
    expect(report.refused).toHaveLength(100);
    expect(report.refused[0]).toEqual({ line: 2, code: unknownCode(0), status: 'unknown_code' });
    // The first report of a code wins: the value of its first row, not of the repeat at the end.
    expect((await offerState(codes[0]!)).redeemed_value).toBe(17);
    for (const code of codes) expect((await offerState(code)).redeemed_at).not.toBeNull();
  }, 300_000);

  it('with a bad row deep in the file is refused with its line, and changes nothing', async () => {
    const code = await issueOffer(db(), running.portalId, 'Import');
    const before = await importsCount();
    const lines = ['code,redeemed_at,value', `${code},,10`];
    for (let i = 0; i < 14_997; i++) lines.push(`${unknownCode(i)},,`);
    lines.push(`${unknownCode(1)},,ten`);
    for (let i = 0; i < 1000; i++) lines.push(`${unknownCode(i)},,`);
    const answer = await postStreamed(`${lines.join('\n')}\n`);
    expect(answer.status).toBe(400);
    const body = (await answer.json()) as { error: { code: string; message: string } };
    expect(body.error.message).toBe(
      'The redemptions CSV, line 15000: value Invalid input: expected number, received NaN.',
    );
    expect(await importsCount()).toEqual(before);
    expect((await offerState(code)).redeemed_at).toBeNull();
  });

  it.each([
    ['without a code column', 'offer,value\nCR-1,10\n', /needs a "code" column/],
    ['empty', '', /is empty/],
    ['with an unclosed quote', 'code,value\n"CR-1,10\n', /could not be read/],
    ['dated as nonsense', 'code,redeemed_at\nCR-1,soon\n', /line 2: redeemed_at/],
  ])('%s is a 400 saying why, and changes nothing', async (_name, csv, message) => {
    const before = await importsCount();
    const answer = await postStreamed(csv);
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: { message: string } }).error.message).toMatch(message);
    expect(await importsCount()).toEqual(before);
  });

  it('larger than the limit is a 413 before any of it is read', async () => {
    const before = await importsCount();
    // Announced by its Content-Length: refused before the body is read (fetch cannot send such a lie).
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url()}${path()}`, {
        method: 'POST',
        headers: { ...headers(), 'content-type': 'text/csv', 'content-length': String(MAX_IMPORT_BYTES + 1) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('code\n');
    });
    expect(status).toBe(413);
    expect(await importsCount()).toEqual(before);
  });

  it('that does not exist in the portal is not found', async () => {
    const answer = await fetch(`${url()}${path('/2147483647')}`, { headers: headers() });
    expect(answer.status).toBe(404);
  });
});
