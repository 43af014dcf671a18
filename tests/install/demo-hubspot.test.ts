/**
 * `churn demo` on HubSpot, one short run shared by every assertion: a progress line for each
 * object type's sync, log records as one-line text (never pino's JSON), and a campaign to try at
 * the end: the app's workflow actions registered in the sandbox, a win-back workflow with a holdout
 * that wrote offer codes, survey links for a few customers, and the retention report listing both
 * groups. Started again on the same data folder, the demo runs the same way against its new CRM.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CampaignEffect, RetentionEffectReport } from '../../server/workflows/outcomes.js';
import { winBackHoldoutPercent } from '../../cli/demo-campaign.js';
import { spawnChurn, tempDir, type Spawned } from '../support/processes.js';

/** The demo portal's domain, which HubSpot (and so the product) names the portal by. */
const COMPANY = 'northwind.example';

const DEMO_ENV = {
  DATA_DIR: tempDir(),
  PORT: '0',
  DATABASE_URL: '',
  REDIS_URL: '',
  SHUTDOWN_GRACE_MS: '3000',
  // As a person runs it: no LOG_FORMAT=json.
  LOG_FORMAT: '',
};
/** The last closing line; on a busy box the customers and the dashboard take a while to build. */
const LAST_LINE = /curl '(http:\/\/\S+\/retention\/effect)\?asOf=/;

let demo: Spawned;
let output: string;
let offerCode: string;
let offerRecordUrl: string;
let surveyUrl: string;
let effectReportUrl: string;

function printed(pattern: RegExp): RegExpMatchArray {
  const match = output.match(pattern);
  if (!match) throw new Error(`the demo did not print ${pattern}:\n${output}`);
  return match;
}

beforeAll(async () => {
  demo = spawnChurn(['demo', '--contacts', '300'], DEMO_ENV);
  await demo.waitFor(LAST_LINE, 270_000);
  output = demo.output();
  const offer = printed(/Offer code:\s+(CR-\S+)\s+\(written to retention_offer_code of (http:\/\/\S+)\)/);
  [offerCode, offerRecordUrl] = [offer[1]!, offer[2]!];
  surveyUrl = printed(/Survey link:\s+(http:\/\/\S+\/s\/\S+)/)[1]!;
  effectReportUrl = printed(LAST_LINE)[1]!;
}, 300_000);

async function stopDemo(): Promise<void> {
  demo.child.kill('SIGINT');
  const { code } = await demo.exited();
  if (code !== 0) console.log(demo.output());
  expect(code).toBe(0);
}

afterAll(stopDemo, 300_000);

describe('the demo’s terminal', () => {
  it('shows the sync of every object type to its end', () => {
    for (const type of ['contacts', 'companies', 'deals', 'tickets', 'emails', 'feedback']) {
      const lines = [...output.matchAll(new RegExp(`^Syncing ${type}\\s*: (\\d+)/(\\d+)$`, 'gm'))];
      expect(lines.length).toBeGreaterThan(0);
      const [, done, total] = lines.at(-1)!;
      expect(Number(total)).toBeGreaterThan(0);
      expect(done).toBe(total);
    }
  });

  it('prints log records as one-line text between its lines, never as JSON', () => {
    expect(output).not.toContain('{"level":');
    expect(output).toMatch(/^\d\d:\d\d:\d\d info {2}portal \d+: portal installed \(crm=hubspot/m);
  });
});

describe('the demo’s campaign', () => {
  it('says what it did and what the retention page will show', () => {
    const line = printed(
      /Try a campaign: in the sandbox portal, the workflow "Demo win-back" \(when churn_risk_tier becomes high → Send retention offer,\n(\d+) % holdout\) enrolled the (\d+) contacts the first cycle scored high: \d+ got an offer code, \d+ (is|are) held out\./,
    );
    expect(Number(line[1])).toBe(winBackHoldoutPercent(Number(line[2])));
    expect(output).toMatch(/every window shows as pending/);
  });

  it('prints an offer code that the CRM holds on the contact', async () => {
    expect(offerCode).toMatch(/^CR-[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/);
    const record = await fetch(offerRecordUrl);
    expect(record.status).toBe(200);
    expect(await record.text()).toContain(offerCode);
  });

  it('prints a survey link that asks in the company’s name and says what happens next', async () => {
    const page = await fetch(surveyUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(
      `How likely are you to recommend ${COMPANY} to a friend or colleague?`,
    );
    const answer = await fetch(surveyUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ score: '8', comment: 'Good, but the invoices confuse me.' }),
    });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain(`Thanks — ${COMPANY} will read your answer;`);
  });

  it('is in the retention effect report with a treatment and a control group', async () => {
    const response = await fetch(effectReportUrl, { headers: { 'X-Churn-Radar-Admin': '1' } });
    expect(response.status).toBe(200);
    const report = (await response.json()) as RetentionEffectReport;
    const winBack = report.campaigns.find(
      (c) => c.campaignId === 'Demo win-back' && c.action === 'send-retention-offer',
    ) as CampaignEffect;
    expect(winBack).toBeDefined();
    expect(winBack.enrolled.treatment).toBeGreaterThan(0);
    expect(winBack.enrolled.control).toBeGreaterThan(0);
    // Nothing is counted before the first window has ended.
    expect(winBack.windows[0]).toMatchObject({ days: 30, uplift: null });
    expect(winBack.windows[0]!.pending).toBe(winBack.enrolled.treatment + winBack.enrolled.control);
    expect(winBack.offers).toMatchObject({ issued: winBack.enrolled.treatment });
    const feedback = report.campaigns.find((c) => c.action === 'request-feedback');
    expect(feedback?.enrolled.treatment).toBeGreaterThan(0);
  });
});

describe('the demo started again on the same data folder', () => {
  let again: string;

  beforeAll(async () => {
    await stopDemo();
    demo = spawnChurn(['demo', '--contacts', '300'], DEMO_ENV);
    await demo.waitFor(LAST_LINE, 270_000);
    again = demo.output();
  }, 600_000);

  it('scores its new CRM afresh and writes the tiers there', () => {
    expect(again).toMatch(/removed what an earlier demo stored of this account/);
    expect(again).toMatch(/^Syncing contacts\s*: (\d+)\/\1$/m);
    expect(again).toMatch(/^ {4}churn_risk_tier: (low|medium|high)$/m);
  });

  it('runs its campaign on the new CRM’s high tier, and the report counts only that campaign', async () => {
    const line = again.match(
      /enrolled the (\d+) contacts the first cycle scored high: (\d+) got an offer code, (\d+) (?:is|are) held out\./,
    );
    expect(line).not.toBeNull();
    const [enrolled, treated, heldOut] = line!.slice(1).map(Number) as [number, number, number];
    expect(enrolled).toBeGreaterThan(0);
    const response = await fetch(again.match(LAST_LINE)![1]!, { headers: { 'X-Churn-Radar-Admin': '1' } });
    const report = (await response.json()) as RetentionEffectReport;
    const winBack = report.campaigns.find((c) => c.campaignId === 'Demo win-back')!;
    expect(winBack.enrolled).toEqual({ treatment: treated, control: heldOut });
  });
});
