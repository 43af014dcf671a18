/**
 * The demo's closing lines about its campaigns: what the workflows did, an offer code and a survey
 * link to try, and what the Retention effect page shows, read from the product's own report.
 */
import { ADMIN_HEADER, ADMIN_HEADER_VALUE } from '../server/api/admin-guard.js';
import type { CampaignEffect, RetentionEffectReport } from '../server/workflows/outcomes.js';
import { WIN_BACK_CAMPAIGN, type CampaignTrial } from './demo-campaign.js';

const DAY_MS = 86_400_000;

/**
 * The win-back campaign's offers as the report (`GET /api/v1/portals/:portalId/retention/effect`) has
 * them, read as the operator (the admin header; the demo has no dashboard session).
 */
export async function winBackEffect(effectReportUrl: string): Promise<CampaignEffect | null> {
  const response = await fetch(effectReportUrl, { headers: { [ADMIN_HEADER]: ADMIN_HEADER_VALUE } });
  if (!response.ok) {
    throw new Error(`the retention effect report answered ${response.status}: ${await response.text()}`);
  }
  const report = (await response.json()) as RetentionEffectReport;
  return (
    report.campaigns.find((c) => c.campaignId === WIN_BACK_CAMPAIGN && c.action === 'send-retention-offer') ??
    null
  );
}

const day = (date: Date) => date.toISOString().slice(0, 10);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const listed = (items: unknown[]) =>
  items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${String(items.at(-1))}`;

const INDENT = ' '.repeat(21);
/** The share of would-be leavers an offer keeps, in the sandbox's outcome the closing lines suggest. */
const SUGGESTED_OFFER_EFFECT = 0.3;

export function campaignLines(options: {
  trial: CampaignTrial;
  effect: CampaignEffect | null;
  recordUrl: (contactId: string) => string;
  /** The product's retention effect report of the demo portal. */
  effectReportUrl: string;
}): string[] {
  const { trial, effect } = options;
  const lines = [
    `Try a campaign: in the sandbox portal, the workflow "${WIN_BACK_CAMPAIGN}" (when churn_risk_tier becomes high → Send retention offer,`,
    `${trial.holdoutPercent} % holdout) enrolled the ${plural(trial.enrolled, 'contact')} the first cycle scored high: ${trial.treated} got an offer code, ${trial.heldOut} ${trial.heldOut === 1 ? 'is' : 'are'} held out.`,
    trial.offer
      ? `  Offer code:        ${trial.offer.code}  (written to retention_offer_code of ${options.recordUrl(trial.offer.contactId)})`
      : '  Offer code:        none yet (no treated contact has its code in the CRM)',
    trial.surveyUrl
      ? `  Survey link:       ${trial.surveyUrl}  (${plural(trial.asked, 'customer')} asked for feedback; answer as one of them)`
      : '  Survey link:       none (no contact was asked for feedback)',
  ];
  if (trial.codesWritten < trial.treated) {
    lines.push(`  Written back:      ${trial.codesWritten} of ${trial.treated} offer codes so far`);
  }
  if (trial.problem) {
    lines.push(
      `  Not finished:      ${plural(trial.unfinished, 'enrollment')}; the first says: ${trial.problem}`,
    );
  }
  if (!effect) {
    lines.push('  Retention effect:  the dashboard’s Retention effect page lists no campaign yet.');
    return lines;
  }
  lines.push(
    `  Retention effect:  the dashboard’s Retention effect page lists "${WIN_BACK_CAMPAIGN}": ${effect.enrolled.treatment} treated, ${effect.enrolled.control} held out.`,
  );
  const enrolledAt = Date.parse(effect.firstEnrolledAt);
  const days = effect.windows.map((w) => w.days);
  const first = effect.windows[0];
  if (first && first.pending > 0) {
    const longest = Math.max(...days);
    lines.push(
      `${INDENT}Churn is counted ${listed(days)} days after enrolment, once each window has ended:`,
      `${INDENT}until ${day(new Date(enrolledAt + first.days * DAY_MS))} every window shows as pending (the sandbox’s clock moves the CRM, not the product’s windows).`,
      `${INDENT}To see an effect now, let the sandbox decide who leaves in the next ${longest} days (an offer keeps ${Math.round(SUGGESTED_OFFER_EFFECT * 100)} % of would-be`,
      `${INDENT}leavers), then read the report as of then:`,
      `${INDENT}curl -X POST -H 'content-type: application/json' -d '{"days":${longest},"offerChurnReduction":${SUGGESTED_OFFER_EFFECT}}' ${trial.outcomesUrl}`,
      `${INDENT}curl '${options.effectReportUrl}?asOf=${day(new Date(enrolledAt + (longest + 1) * DAY_MS))}' -H '${ADMIN_HEADER}: ${ADMIN_HEADER_VALUE}'`,
    );
  }
  return lines;
}
