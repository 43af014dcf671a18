/**
 * Offer redemptions, reported by the billing system one at a time or as a CSV export
 * (`code,redeemed_at,value`). A code is redeemed once; a second report of it changes nothing.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.js';
import { BadRequestError } from '../errors.js';
import { isoDateSchema } from '../iso-date.js';
import { ModelDataError, parseCsv } from '../model/index.js';
import { normaliseOfferCode } from './secrets.js';

export const redemptionSchema = z.object({
  code: z.string().trim().min(1).max(64),
  redeemedAt: isoDateSchema.optional(),
  /** What the offer cost when used (the discount given), in the portal's currency. */
  value: z.number().min(0).max(1e9).optional(),
});
export type Redemption = z.infer<typeof redemptionSchema>;

export type RedemptionStatus =
  | 'redeemed'
  | 'already_redeemed'
  | 'expired'
  | 'unknown_code'
  /** Dated before the offer was issued, or more than a day ahead of now. */
  | 'date_out_of_range';

/** How far ahead of the server's clock a redemption may be dated (billing clocks drift, zones differ). */
const FUTURE_SLACK_MS = 86_400_000;

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
  if (!offer) return { code, status: 'unknown_code' };
  if (offer.redeemed_at) return { code, status: 'already_redeemed' };
  if (at < offer.created_at || at.getTime() > now.getTime() + FUTURE_SLACK_MS) {
    return {
      code,
      status: 'date_out_of_range',
      message:
        at < offer.created_at
          ? `Offer ${code} was issued at ${offer.created_at.toISOString()}; it cannot have been redeemed at ${at.toISOString()}.`
          : `Offer ${code} cannot have been redeemed at ${at.toISOString()}: that is more than a day from now.`,
    };
  }
  if (offer.expires_at < at) return { code, status: 'expired' };
  const updated = await db
    .updateTable('retention_offers')
    .set({ redeemed_at: at, redeemed_value: redemption.value ?? null })
    .where('id', '=', offer.id)
    .where('redeemed_at', 'is', null)
    .executeTakeFirst();
  return { code, status: updated.numUpdatedRows > 0n ? 'redeemed' : 'already_redeemed' };
}

export interface RedemptionImport {
  rows: number;
  counts: Record<RedemptionStatus, number>;
  /** Rows not redeemed, by line, with why. */
  refused: { line: number; code: string; status: RedemptionStatus; message?: string }[];
}

/** A CSV with a `code` column and optional `redeemed_at` and `value` columns. */
export async function importRedemptionsCsv(
  db: Kysely<Database>,
  portalId: number,
  text: string,
): Promise<RedemptionImport> {
  let table;
  try {
    table = parseCsv(text, 'the redemptions CSV');
  } catch (error) {
    if (error instanceof ModelDataError) throw new BadRequestError(error.message);
    throw error;
  }
  const column = (name: string) => table.header.findIndex((h) => h.trim().toLowerCase() === name);
  const [codeAt, dateAt, valueAt] = [column('code'), column('redeemed_at'), column('value')];
  if (codeAt < 0) throw new BadRequestError('The redemptions CSV needs a "code" column.');
  // Every row is checked before any is written, so a bad file changes nothing.
  const parsed = table.rows.map((row, i) => {
    const input = {
      code: row[codeAt] ?? '',
      ...(dateAt >= 0 && row[dateAt] ? { redeemedAt: row[dateAt] } : {}),
      ...(valueAt >= 0 && row[valueAt] ? { value: Number(row[valueAt]) } : {}),
    };
    const result = redemptionSchema.safeParse(input);
    if (!result.success) {
      const first = result.error.issues[0]!;
      const field = first.path[0] === 'redeemedAt' ? 'redeemed_at' : first.path.join('.');
      const issue = `${field} ${first.message}`;
      throw new BadRequestError(`The redemptions CSV, line ${table.lines[i]}: ${issue}.`);
    }
    return { line: table.lines[i]!, redemption: result.data };
  });
  const counts: Record<RedemptionStatus, number> = {
    redeemed: 0,
    already_redeemed: 0,
    expired: 0,
    unknown_code: 0,
    date_out_of_range: 0,
  };
  const refused: RedemptionImport['refused'] = [];
  for (const { line, redemption } of parsed) {
    const { code, status, message } = await redeemOffer(db, portalId, redemption);
    counts[status]++;
    if (status !== 'redeemed') refused.push({ line, code, status, ...(message ? { message } : {}) });
  }
  return { rows: parsed.length, counts, refused };
}
