/**
 * The churn score people see: the calibrated probability in percent, to one decimal (0–100, "12.3").
 * The list, the card, the CRM field and every text give this one number.
 *
 * One decimal, not whole points: most active customers have low probabilities, and whole points
 * tie hundreds of them at 0, 1 or 2, so a CRM view sorted by the score, or a list filtered by
 * "score ≥ x", loses the model's order exactly among the many customers a portal-wide ranking is
 * about. A tenth of a point keeps that order (HubSpot's own predictive scores carry decimals).
 *
 * The rounding is decimal, as the database does it, so a filter or sort in SQL
 * (`scorePointsSql`) agrees with the number shown to the last digit: the probability is read as
 * PostgreSQL reads a float8 as numeric (15 significant digits), then rounded half away from zero
 * to a tenth of a point. `Math.round(p * 1000) / 10` would not: 0.1235 × 1000 is 123.49999999999999
 * in binary, 12.3, where the database (and a person) makes 12.35 into 12.4.
 */

/** Decimals the score carries. */
export const SCORE_DECIMALS = 1;

/** Significant digits PostgreSQL keeps when it casts a float8 to numeric (`DBL_DIG`). */
const FLOAT8_DIGITS = 15;

/** The score of a probability: percent, rounded half away from zero to one decimal. */
export function scorePoints(probability: number): number {
  if (!Number.isFinite(probability))
    throw new RangeError(`A probability is a finite number, not ${probability}.`);
  // |p| = digits × 10^(exponent − 14), digits the 15 significant digits as an integer.
  const [mantissa, exponent] = Math.abs(probability)
    .toExponential(FLOAT8_DIGITS - 1)
    .split('e') as [string, string];
  const digits = BigInt(mantissa.replace('.', ''));
  // Tenths of a point are p × 1000 = digits × 10^shift.
  const shift = Number(exponent) - (FLOAT8_DIGITS - 1) + 2 + SCORE_DECIMALS;
  let tenths: bigint;
  if (shift >= 0) {
    tenths = digits * 10n ** BigInt(shift);
  } else {
    const unit = 10n ** BigInt(-shift);
    tenths = digits / unit + ((digits % unit) * 2n >= unit ? 1n : 0n);
  }
  const points = Number(tenths) / 10 ** SCORE_DECIMALS;
  return probability < 0 ? -points : points;
}

/**
 * Points gained (+) or lost (−) from one score to the next: the difference of the two scores as
 * shown, so "▲ +6.2" is exactly what one reads off the two numbers.
 */
export function scoreChange(current: number, previous: number): number {
  const scale = 10 ** SCORE_DECIMALS;
  return Math.round((current - previous) * scale) / scale;
}

/** The score as the CRM field holds it: the number's plain text ("12.3", "0.4", "100"). */
export const scoreText = (probability: number): string => String(scorePoints(probability));

/**
 * `scorePoints` in SQL, over a float8 expression (a column): the same number as a numeric, for
 * sorting and filtering in the database.
 */
export const scorePointsSql = (probability: string): string =>
  `(round((${probability})::numeric * ${10 ** (2 + SCORE_DECIMALS)}) / ${10 ** SCORE_DECIMALS})`;

/**
 * Parts of a score, each shown to one decimal, adding up to the score as shown: each part is cut
 * down to a tenth, and the tenths the score still lacks go to the parts that lost most in the cut
 * (the earlier part on a tie). Rounding each part alone can make "75.5 = 72.8 + 2.7" sit beside
 * bars of 72.7 and 2.7; this moves no part by more than a tenth from its own value.
 * `parts` are points (percent) that add up to the probability's; the last may be "the rest".
 */
export function apportionPoints(probability: number, parts: readonly number[]): number[] {
  const scale = 10 ** SCORE_DECIMALS;
  const target = Math.round(scorePoints(probability) * scale);
  const scaled = parts.map((part) => Math.max(0, part) * scale);
  // A hair's float error (72.99999…) is not a lost tenth.
  const cut = scaled.map((x) => Math.floor(x + 1e-9));
  const order = scaled
    // Losses to a millionth of a tenth, so float noise (27.400000000000002) breaks no tie.
    .map((x, i) => ({ i, lost: Math.round((x - cut[i]!) * 1e6) }))
    .sort((a, b) => b.lost - a.lost || a.i - b.i);
  let missing = target - cut.reduce((sum, x) => sum + x, 0);
  // Short: the largest losses first, round again if every part took one. Over (parts above the
  // score): back from the smallest losses.
  for (let k = 0; missing > 0 && order.length > 0; k++, missing--) {
    const i = order[k % order.length]!.i;
    cut[i] = cut[i]! + 1;
  }
  for (let k = order.length - 1; missing < 0 && k >= 0; k--) {
    const i = order[k]!.i;
    const take = Math.min(cut[i]!, -missing);
    cut[i] = cut[i]! - take;
    missing += take;
  }
  return cut.map((x) => x / scale);
}
