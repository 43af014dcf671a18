/**
 * Offer redemptions reported by the billing system one at a time (a CSV export is read by
 * `redemption-import.ts`). A code is redeemed once; a second report of it changes nothing.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database, RedemptionOutcome } from '../db/schema.js';
import { isoDateSchema } from '../iso-date.js';
import { normaliseOfferCode } from './secrets.js';

export const redemptionSchema = z.object({
  code: z.string().trim().min(1).max(64),
  redeemedAt: isoDateSchema.optional(),
  /** What the offer cost when used (the discount given), in the portal's currency. */
  value: z.number().min(0).max(1e9).optional(),
});
export type Redemption = z.infer<typeof redemptionSchema>;

export type RedemptionStatus = RedemptionOutcome;

/** How far ahead of the server's clock a redemption may be dated (billing clocks drift, zones differ). */
const FUTURE_SLACK_MS = 86_400_000;

interface OfferState {
  created_at: Date;
  expires_at: Date;
  redeemed_at: Date | null;
}

/**
 * Whether an offer (or no offer: an unknown code) can be redeemed at `at`, judged at `now`: the
 * one rule for single reports and for a billing CSV's rows.
 */
export function judgeRedemption(
  offer: OfferState | undefined,
  code: string,
  at: Date,
  now: Date,
): { status: RedemptionOutcome | 'redeemable'; message?: string } {
  if (!offer) return { status: 'unknown_code' };
  if (offer.redeemed_at) return { status: 'already_redeemed' };
  if (at < offer.created_at) {
    return {
      status: 'date_out_of_range',
      message: `Offer ${code} was issued at ${offer.created_at.toISOString()}; it cannot have been redeemed at ${at.toISOString()}.`,
    };
  }
  if (at.getTime() > now.getTime() + FUTURE_SLACK_MS) {
    return {
      status: 'date_out_of_range',
      message: `Offer ${code} cannot have been redeemed at ${at.toISOString()}: that is more than a day from now.`,
    };
  }
  if (offer.expires_at < at) return { status: 'expired' };
  return { status: 'redeemable' };
}

export interface RedemptionResult {
  code: string;
  status: RedemptionStatus;
  /** Why a redemption was refused, in words, when the status alone does not say. */
  message?: string;
}

export async function redeemOffer(
  db: Kysely<Database>,
  portalId: number,
  redemption: Redemption,
  now = new Date(),
): Promise<RedemptionResult> {
  const code = normaliseOfferCode(redemption.code);
  const at = redemption.redeemedAt ?? now;
  const offer = await db
    .selectFrom('retention_offers')
    .select(['id', 'created_at', 'expires_at', 'redeemed_at'])
    .where('portal_id', '=', portalId)
    .where('code', '=', code)
    .executeTakeFirst();
  const { status, message } = judgeRedemption(offer, code, at, now);
  if (status !== 'redeemable' || !offer) {
    return {
      code,
      status: status === 'redeemable' ? 'unknown_code' : status,
      ...(message ? { message } : {}),
    };
  }
  const updated = await db
    .updateTable('retention_offers')
    .set({ redeemed_at: at, redeemed_value: redemption.value ?? null })
    .where('id', '=', offer.id)
    .where('redeemed_at', 'is', null)
    .executeTakeFirst();
  return { code, status: updated.numUpdatedRows > 0n ? 'redeemed' : 'already_redeemed' };
}
