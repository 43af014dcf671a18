/**
 * A year of billing's offer redemptions sent as one CSV: how long the request takes to be accepted,
 * how long a worker takes to apply it, and how the dashboard's overview answers meanwhile (its
 * median while the import runs against its median when idle, in one run). The product, Redis and
 * the CRM sandbox run in this process, as in the tests; the CSV streams over HTTP.
 *
 *   npx tsx bench/redemption-import.ts [--rows 450000] [--offers 2000]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { issueOffer } from '../tests/support/offers.js';
import { startSignedInProduct } from '../tests/support/signed-in-product.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '450000' },
    offers: { type: 'string', default: '2000' },
  },
});
const rows = Number(values.rows);
const offers = Number(values.offers);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const running = await startSignedInProduct(7302, 2000);
try {
  await running.product.startWorker();
  const headers = { cookie: running.session.cookie, 'x-csrf-token': running.session.csrfToken };
  const base = `${running.product.url}/api/v1/portals/${running.portalId}`;
  const overview = async () => {
    const started = performance.now();
    const answer = await fetch(`${base}/overview`, { headers });
    if (answer.status !== 200) throw new Error(`overview answered ${answer.status}`);
    await answer.arrayBuffer();
    return performance.now() - started;
  };
  const idle: number[] = [];
  for (let i = 0; i < 20; i++) idle.push(await overview());

  const codes: string[] = [];
  for (let i = 0; i < offers; i++)
    codes.push(await issueOffer(running.product.ctx.db.db, running.portalId, 'Bench'));
  const lines = ['code,redeemed_at,value'];
  for (let i = 0; i < rows; i++) {
    lines.push(
      i % Math.max(1, Math.floor(rows / offers)) === 0 && codes.length > 0
        ? `${codes.pop()},,10`
        : `CR-9999-${String(i)
            .padStart(12, '0')
            .replace(/(\d{4})(\d{4})(\d{4})/, '$1-$2-$3')},,`,
    );
  }
  const csv = `${lines.join('\n')}\n`;
  const cpu = process.cpuUsage();
  const started = performance.now();
  // The overview is asked for all along, while the file is received and while it is applied.
  const during: number[] = [];
  let finished = false;
  const asking = (async () => {
    while (!finished) {
      during.push(await overview());
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const accepted = await fetch(`${base}/offers/redemptions`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'text/csv' },
    body: csv,
  });
  const acceptedMs = performance.now() - started;
  if (accepted.status !== 202)
    throw new Error(`the import answered ${accepted.status}: ${await accepted.text()}`);
  const location = accepted.headers.get('location')!;
  let status = '';
  let peakRss = process.memoryUsage().rss;
  while (status !== 'succeeded' && status !== 'failed') {
    const report = (await (await fetch(`${running.product.url}${location}`, { headers })).json()) as {
      status: string;
    };
    status = report.status;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    await new Promise((r) => setTimeout(r, 200));
  }
  finished = true;
  await asking;
  const used = process.cpuUsage(cpu);
  const doneMs = performance.now() - started;
  process.stdout.write(
    `${rows.toLocaleString('en-US')} rows (${(Buffer.byteLength(csv) / 1024 / 1024).toFixed(1)} MB): accepted in ${(acceptedMs / 1000).toFixed(1)} s, ` +
      `${status} after ${(doneMs / 1000).toFixed(1)} s (${((used.user + used.system) / 1e6).toFixed(1)} CPU s, peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MB)\n` +
      `overview: idle median ${median(idle).toFixed(0)} ms, during the import median ${median(during).toFixed(0)} ms ` +
      `(ratio ${(median(during) / median(idle)).toFixed(2)}, ${during.length} requests)\n`,
  );
} finally {
  await running.close();
}
