/**
 * What happens to customers after a retention campaign, by the hidden churn process: each current
 * customer leaves within the coming days with the probability its hidden annual risk implies (one
 * who has already decided to leave does so for sure), and a customer who got a retention offer
 * (the app wrote `retention_offer_code`) is kept with probability `offerChurnReduction` where it
 * would have left. Each customer's draw is fixed by (portal, contact), so a run with and without
 * the offer effect differs only by the effect. Churn shows the way the generator shows it: the
 * lifecycle stage moves to the former-customer stage, dated.
 */
import { createHash } from 'node:crypto';
import type { PortalData } from '../store.js';
import { FORMER_CUSTOMER_STAGE } from './properties.js';

const DAY_MS = 86_400_000;

export interface RetentionOutcomeOptions {
  /** The span simulated, from `now`. */
  days: number;
  /** Share of would-be leavers an offer keeps: 0 (no effect) to 1. */
  offerChurnReduction: number;
  now: Date;
}

export interface RetentionOutcomeSummary {
  offered: { customers: number; churned: number };
  notOffered: { customers: number; churned: number };
  /** Mean churn probability over the span without an offer, among customers offered one. */
  offeredBaselineRisk: number;
  /** The offer's true effect on churn among those offered: reduction × their baseline risk. */
  trueOfferUplift: number;
}

function uniform(portalId: number, contactId: string): number {
  const digest = createHash('sha256').update(`retention-outcome:${portalId}:${contactId}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

export function simulateRetentionOutcomes(
  portal: PortalData,
  options: RetentionOutcomeOptions,
): RetentionOutcomeSummary {
  const { days, offerChurnReduction, now } = options;
  const summary = {
    offered: { customers: 0, churned: 0 },
    notOffered: { customers: 0, churned: 0 },
  };
  let offeredRisk = 0;
  const contacts = portal.recordsOf('contacts');
  for (const truth of portal.truth.values()) {
    const contact = contacts.get(truth.contactId);
    if (!contact || contact.archived || contact.properties.lifecyclestage !== 'customer') continue;
    const baseline = truth.churnDecidedAt !== null ? 1 : 1 - Math.pow(1 - truth.risk, days / 365);
    const offered = Boolean(contact.properties.retention_offer_code);
    const p = offered ? baseline * (1 - offerChurnReduction) : baseline;
    const group = offered ? summary.offered : summary.notOffered;
    group.customers++;
    if (offered) offeredRisk += baseline;
    const u = uniform(portal.portalId, contact.id);
    if (u >= p) continue;
    group.churned++;
    const leftAt = new Date(now.getTime() + Math.max(1, Math.floor((u / p) * days)) * DAY_MS);
    portal.updateRecord(
      'contacts',
      contact.id,
      { lifecyclestage: FORMER_CUSTOMER_STAGE, hs_lifecyclestage_other_date: leftAt.toISOString() },
      now,
    );
    truth.churned = true;
    truth.churnDecidedAt ??= leftAt;
    truth.churnVisibleAt = leftAt;
  }
  const baselineRisk = summary.offered.customers === 0 ? 0 : offeredRisk / summary.offered.customers;
  return {
    ...summary,
    offeredBaselineRisk: baselineRisk,
    trueOfferUplift: baselineRisk * offerChurnReduction,
  };
}
