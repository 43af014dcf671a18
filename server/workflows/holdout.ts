import { createHash } from 'node:crypto';

export type Group = 'treatment' | 'control';

/**
 * Where a contact falls in [0, 1) for a campaign: the first 48 bits of SHA-256 over (portal,
 * campaign, contact). The same contact always lands in the same place within a campaign (a
 * replayed or repeated action never switches group), and places in different campaigns are
 * independent, so the same customers are not held out of every campaign.
 */
export function holdoutDraw(portalId: number, campaignId: string, contactId: string): number {
  const digest = createHash('sha256')
    .update(JSON.stringify(['churn-radar-holdout', portalId, campaignId, contactId]))
    .digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** Control for the `holdoutPercent` share of contacts (0–100), treatment for the rest. */
export function assignGroup(
  portalId: number,
  campaignId: string,
  contactId: string,
  holdoutPercent: number,
): Group {
  return holdoutDraw(portalId, campaignId, contactId) < holdoutPercent / 100 ? 'control' : 'treatment';
}
