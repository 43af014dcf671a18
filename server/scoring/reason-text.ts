/**
 * A reason in the words a person would say, with the customer's own values: "No purchase in
 * 12 months", "Product use fell from 25 to 0 minutes a week", "3 support tickets in 30 days, one
 * angry". Each catalogue feature has its phrasing here, reading the contact's whole feature row
 * where another feature makes the sentence (a trend with its level, a sentiment with its ticket
 * counts). Durations read in days, weeks, months or years, never with decimals; sentiment reads as
 * a word, never a number. A feature this file does not know (a CSV model's column) reads
 * "Label: value", sensibly rounded.
 *
 * A reason whose value is missing (null, empty, or the category "unknown") says nothing about the
 * customer, and one about who the customer is (country, industry, company size, segment: the
 * catalogue's identity-like features) gives an advisor nothing to act on: neither is ever shown
 * (`isMeaningfulReason`). A contact's reasons say each fact once (`FACTS`, `pickReasons`): every
 * surface (the card, the at-risk list, the CRM field) cuts its few from the reasons kept here.
 */
import type { FeatureValue, FeatureValues } from '../features/index.js';
import { isIdentityFeature, NEUTRAL_BAND } from '../features/index.js';
import type { Reason } from '../model/index.js';

type ReasonLike = Pick<Reason, 'feature' | 'label' | 'value'>;

/** Whether a value tells something: not null, not empty, not the category "unknown". */
export function isMeaningfulValue(value: FeatureValue | undefined): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'number') return Number.isFinite(value);
  const text = value.trim().toLowerCase();
  return text !== '' && text !== 'unknown';
}

/**
 * Whether a reason is shown: a missing value says nothing about the customer, and who the
 * customer is (an identity-like feature) is nothing an advisor can act on.
 */
export function isMeaningfulReason(reason: Pick<Reason, 'feature' | 'value'>): boolean {
  return isMeaningfulValue(reason.value) && !isIdentityFeature(reason.feature);
}

// ---------------------------------------------------------------------------------------------
// Words for numbers, durations and tone

/** Formats made once: `toLocaleString` with a locale builds a new one on every call. */
const WHOLE = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const ONE_DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const TWO_DECIMALS = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** A whole number in words' company: "1,235"; never "-0". */
const count = (n: number) => WHOLE.format(Math.round(n) + 0);

/** "1 ticket", "3 tickets". */
function plural(n: number, one: string, many = `${one}s`): string {
  const whole = Math.round(n);
  return `${count(whole)} ${whole === 1 ? one : many}`;
}

const capitalise = (text: string) => (text === '' ? text : text[0]!.toUpperCase() + text.slice(1));

const DAYS_PER_MONTH = 365.25 / 12;

/**
 * A length of time in whole units: days under two weeks, weeks under two months, months under two
 * years, then years. Months and years are counted down ("12 months" for 376.6 days, "3 years" for
 * 3.9), so that "no purchase in 12 months" and "customer for 3 years" hold.
 */
export function duration(days: number): string {
  const d = Math.max(0, days);
  if (d < 13.5) return plural(Math.max(1, Math.round(d)), 'day');
  if (d < 61) return plural(Math.round(d / 7), 'week');
  if (d < 2 * 365.25) return plural(Math.floor(d / DAYS_PER_MONTH), 'month');
  return plural(Math.floor(d / 365.25), 'year');
}

/** "today", "yesterday", "3 days ago", "5 weeks ago", "12 months ago". */
function ago(days: number): string {
  if (days < 1) return 'today';
  if (days < 2) return 'yesterday';
  return `${duration(days)} ago`;
}

/** The window of a feature as a person says it: "in 30 days", "in 3 months", "in 12 months". */
function within(windowDays: number): string {
  if (windowDays === 28) return 'in 4 weeks';
  if (windowDays === 90) return 'in 3 months';
  if (windowDays === 365) return 'in 12 months';
  return `in ${plural(windowDays, 'day')}`;
}

export type Tone = 'angry' | 'unhappy' | 'neutral' | 'positive';

/** Sentiment (-1..1) strongly negative from here down reads "angry". */
export const ANGRY_BELOW = -0.5;

/** A sentiment score (-1..1) in a word; the neutral band is the sentiment scorer's own. */
export function toneOf(sentiment: number): Tone {
  if (sentiment <= ANGRY_BELOW) return 'angry';
  if (sentiment <= -NEUTRAL_BAND) return 'unhappy';
  if (sentiment < NEUTRAL_BAND) return 'neutral';
  return 'positive';
}

/** "25 minutes", "under a minute", "6 hours". */
function minutes(m: number): string {
  if (m <= 0) return '0 minutes';
  if (m < 0.5) return 'under a minute';
  if (m < 120) return plural(m, 'minute');
  return plural(m / 60, 'hour');
}

/** Sessions a week: whole numbers, "under 1" for a few in several weeks. */
function perWeek(n: number): string {
  if (n <= 0) return '0';
  if (n < 0.5) return 'under 1';
  return count(n);
}

/** "12 minutes" → ["12", "minutes"]; words without a leading number → [null, the words]. */
function splitNumber(words: string): [string | null, string] {
  const match = /^([\d,]+) (.*)$/.exec(words);
  return match ? [match[1]!, match[2]!] : [null, words];
}

/** "5 times a week", "once a week", "less than once a week". */
function timesAWeek(n: number): string {
  const weekly = perWeek(n);
  if (weekly === 'under 1') return 'less than once a week';
  return weekly === '1' ? 'once a week' : `${weekly} times a week`;
}

// ---------------------------------------------------------------------------------------------
// Reading the row

/** A numeric value, or null when it is missing or not a number. */
function numberOf(value: FeatureValue | undefined): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

interface Row {
  /** The reason's own value (a number when the feature is numeric). */
  value: number;
  /** Another feature of the same contact, when it is known. */
  get(name: string): number | null;
  /** What a typical customer held of the reason's feature, when the model knows it. */
  typical: number | null;
}

/**
 * Each numeric feature's value for a typical customer of the portal (the model's training
 * median): a level that means little alone ("sessions lasted about 3 minutes") is set against it.
 */
export type TypicalValues = ReadonlyMap<string, number>;

/**
 * ", against 12 for a typical customer": the typical level in the same words as the customer's
 * own (the unit said once when both share it), or nothing when the model knows none.
 */
function against(row: Row, words: (value: number) => string): string {
  if (row.typical === null) return '';
  const own = words(row.value);
  const typical = words(row.typical);
  if (typical === own) return ', as for a typical customer';
  if (/^0 /.test(typical)) return ', against none for a typical customer';
  // "3 minutes" against "12 minutes": the number alone.
  const [ownNumber, ownUnit] = splitNumber(own);
  const [typicalNumber, typicalUnit] = splitNumber(typical);
  const short = ownNumber !== null && typicalNumber !== null && ownUnit === typicalUnit;
  return `, against ${short ? typicalNumber : typical} for a typical customer`;
}

/**
 * The level a usage measure is compared with (the 8 weeks before the last 4, or the customer's
 * usual), from its level now and its trend `log2((now + 1) / (before + 1))`: exact, since the
 * trend is built from those two levels.
 */
function earlierLevel(now: number, trend: number): number {
  return Math.max(0, (now + 1) / 2 ** trend - 1);
}

/** "fell from 25 to 0 minutes a week", "rose from 2 to 6 hours a week", "steady at 30 minutes a week". */
function change(before: string, after: string, unit: string, earlier: number, now: number): string {
  if (before === after) return `steady at ${after}${unit}`;
  const verb = now < earlier ? 'fell' : 'rose';
  // "from 25 to 0 minutes": the unit once when both sides share it.
  const shared = /^(?:[\d,]+|under 1) (\w+)$/.exec(before)?.[1];
  const from = shared !== undefined && after.endsWith(` ${shared}`) ? before.replace(/ \w+$/, '') : before;
  return `${verb} from ${from} to ${after}${unit}`;
}

/** Percent change of a trend on the log2 scale when the level is not in the row: "fell by about 80 %". */
function trendPercent(trend: number): string {
  const ratio = 2 ** trend;
  const percent = Math.round(Math.abs(ratio - 1) * 100);
  if (percent < 5) return 'steady';
  return `${ratio < 1 ? 'fell' : 'rose'} by about ${WHOLE.format(percent)} %`;
}

/** "3 support tickets in 30 days" plus the tone of the worst support message when it is known. */
function ticketsWithTone(tickets: number, windowDays: 30 | 90, row: Row): string {
  const text =
    tickets === 0
      ? `No support tickets ${within(windowDays)}`
      : `${plural(tickets, 'support ticket')} ${within(windowDays)}`;
  if (tickets === 0) return text;
  const worst = row.get('support_sentiment_worst_90d');
  // The worst message is from the last 90 days: within 30 days it speaks for these tickets only
  // when every ticket of the 90 days is among them; otherwise the 90-day count is said too.
  const in90 = row.get('tickets_90d');
  const counted =
    windowDays === 30 && in90 !== null && in90 > tickets ? `${text} (${count(in90)} in 3 months)` : text;
  if (worst === null) return counted;
  const tone = toneOf(worst);
  if (tone === 'angry' || tone === 'unhappy')
    return tickets === 1 && counted === text ? `${text}, ${tone}` : `${counted}, at least one ${tone}`;
  return tickets === 1 ? `${counted}, not unhappy` : `${counted}, none unhappy`;
}

type Phrase = (row: Row) => string;

/** "Opened 2 of our 5 emails in 3 months", or a share when the count sent is not in the row. */
const emailShare =
  (verb: string, not: string): Phrase =>
  (row) => {
    const sent = row.get('emails_sent_90d');
    if (sent !== null && Math.round(sent) === 1)
      return row.value >= 0.5 ? `${verb} our one email in 3 months` : `${not} our one email in 3 months`;
    if (sent !== null && sent > 0) {
      const done = Math.round(row.value * sent);
      return done === 0
        ? `${verb} none of our ${plural(sent, 'email')} in 3 months`
        : `${verb} ${count(done)} of our ${plural(sent, 'email')} in 3 months`;
    }
    const percent = Math.round(row.value * 100);
    return percent === 0
      ? `${verb} none of our emails in 3 months`
      : `${verb} ${percent} % of our emails in 3 months`;
  };

const emailsSent =
  (windowDays: 30 | 90): Phrase =>
  ({ value }) =>
    value === 0
      ? `No emails sent to them ${within(windowDays)}`
      : `${plural(value, 'email')} sent to them ${within(windowDays)}`;

const emailsDone =
  (verb: string, windowDays: 30 | 90): Phrase =>
  ({ value }) =>
    value === 0
      ? `${verb} none of our emails ${within(windowDays)}`
      : `${verb} ${plural(value, 'email')} ${within(windowDays)}`;

const PHRASES: Record<string, Phrase> = {
  // email
  emails_sent_30d: emailsSent(30),
  emails_sent_90d: emailsSent(90),
  emails_opened_30d: emailsDone('Opened', 30),
  emails_opened_90d: emailsDone('Opened', 90),
  emails_replied_30d: emailsDone('Answered', 30),
  emails_replied_90d: emailsDone('Answered', 90),
  email_open_rate_90d: emailShare('Opened', 'Did not open'),
  email_response_rate_90d: emailShare('Answered', 'Did not answer'),
  days_since_last_open: ({ value }) =>
    value < 1 ? 'Opened one of our emails today' : `Last opened one of our emails ${ago(value)}`,
  days_since_last_reply: ({ value }) =>
    value < 1 ? 'Answered one of our emails today' : `Last answered one of our emails ${ago(value)}`,
  emails_unopened_in_a_row: ({ value }) => {
    const unopened = Math.round(value);
    if (unopened <= 0) return 'Left none of our emails unopened since they last opened one';
    return unopened === 1
      ? 'Our last email to them went unopened'
      : `Our last ${count(unopened)} emails to them went unopened`;
  },

  // support
  tickets_30d: (row) => ticketsWithTone(row.value, 30, row),
  tickets_90d: (row) => ticketsWithTone(row.value, 90, row),
  tickets_open: ({ value }) =>
    value === 0 ? 'No open support tickets' : `${plural(value, 'support ticket')} open`,
  tickets_open_over_7d: ({ value }) =>
    Math.round(value) <= 0
      ? 'No support ticket open for over a week'
      : `${plural(value, 'support ticket')} open for over a week`,
  tickets_high_priority_share_90d: (row) => {
    const tickets = row.get('tickets_90d');
    if (tickets !== null && tickets > 0) {
      const urgent = Math.round(row.value * tickets);
      if (Math.round(tickets) === 1)
        return `1 support ticket in 3 months, ${urgent === 1 ? '' : 'not '}urgent`;
      if (urgent === 0) return `None of ${plural(tickets, 'support ticket')} in 3 months was urgent`;
      if (urgent >= tickets) return `All ${plural(tickets, 'support ticket')} in 3 months were urgent`;
      return `${count(urgent)} of ${plural(tickets, 'support ticket')} in 3 months were urgent`;
    }
    const percent = Math.round(row.value * 100);
    return percent === 0
      ? 'No urgent support tickets in 3 months'
      : `${percent} % of support tickets in 3 months were urgent`;
  },
  ticket_resolution_hours_median_90d: ({ value }) => {
    const time = value < 1 ? 'under an hour' : value < 48 ? plural(value, 'hour') : duration(value / 24);
    return `A typical support ticket took ${time} to resolve`;
  },
  support_sentiment_mean_90d: ({ value }) =>
    `${capitalise(toneOf(value))} tone in support messages over 3 months`,
  support_sentiment_worst_90d: (row) => {
    const tone = toneOf(row.value);
    if (tone === 'positive') return 'Only positive support messages in 3 months';
    if (tone === 'neutral') return 'No unhappy support messages in 3 months';
    const tickets = row.get('tickets_90d');
    const recent = row.get('tickets_30d');
    if (tickets !== null && tickets > 0) {
      // All the 90 days' tickets in the last 30: say so, as a person would.
      const counted = `${plural(tickets, 'support ticket')} ${recent === tickets ? 'in 30 days' : 'in 3 months'}`;
      return Math.round(tickets) === 1 ? `${counted}, ${tone}` : `${counted}, at least one ${tone}`;
    }
    return `${tone === 'angry' ? 'An angry' : 'An unhappy'} message to support in 3 months`;
  },
  support_sentiment_trend: ({ value }) => {
    if (Math.abs(value) < 0.1) return 'Tone of support messages steady in the last 30 days';
    const much = Math.abs(value) >= 0.5 ? 'much ' : '';
    return `Support messages turned ${much}${value < 0 ? 'more negative' : 'more positive'} in the last 30 days`;
  },

  // usage
  sessions_per_week_4w: (row) => {
    const sessions = Math.round(row.value * 4);
    if (sessions === 0) return 'No product sessions in 4 weeks';
    const typical = against(row, timesAWeek);
    if (sessions < 4)
      return `Used the product ${sessions === 1 ? 'once' : `${sessions} times`} in 4 weeks${typical}`;
    const weekly = Math.round(row.value);
    return weekly === 1
      ? `Uses the product about once a week${typical}`
      : `Uses the product ${count(weekly)} times a week${typical}`;
  },
  usage_minutes_per_week_4w: (row) =>
    row.value <= 0
      ? 'No product use in 4 weeks'
      : `Uses the product ${minutes(row.value)} a week${against(row, minutes)}`,
  features_used_4w: (row) =>
    row.value === 0
      ? 'Used no product features in 4 weeks'
      : `Used ${plural(row.value, 'product feature')} in 4 weeks${against(row, (v) => plural(v, 'product feature'))}`,
  usage_trend: (row) => {
    const now = row.get('usage_minutes_per_week_4w');
    if (now === null) return `Product use ${trendPercent(row.value)} in the last 4 weeks`;
    const earlier = earlierLevel(now, row.value);
    if (now <= 0 && earlier < 1e-9) return 'No product use in 12 weeks';
    return `Product use ${change(minutes(earlier), minutes(now), ' a week', earlier, now)}`;
  },
  usage_vs_own_baseline: (row) => {
    const now = row.get('usage_minutes_per_week_4w');
    if (now === null) return `Product use ${trendPercent(row.value)} against their usual`;
    const usual = earlierLevel(now, row.value);
    if (now <= 0 && usual < 1e-9) return 'No product use in 6 months';
    const [before, after] = [minutes(usual), minutes(now)];
    if (before === after) return `Product use steady at their usual ${after} a week`;
    return `Product use ${now < usual ? 'fell' : 'rose'} to ${after} a week from their usual ${before}`;
  },
  sessions_trend: (row) => {
    const now = row.get('sessions_per_week_4w');
    if (now === null) return `Product sessions ${trendPercent(row.value)} in the last 4 weeks`;
    const earlier = earlierLevel(now, row.value);
    if (now <= 0 && earlier < 1e-9) return 'No product sessions in 12 weeks';
    return `Product sessions ${change(perWeek(earlier), perWeek(now), ' a week', earlier, now)}`;
  },
  days_since_last_use: ({ value }) =>
    value < 1 ? 'Used the product today' : `Last used the product ${ago(value)}`,
  session_minutes_12w: (row) =>
    `Sessions lasted about ${minutes(row.value)} in the last 12 weeks${against(row, minutes)}`,
  session_minutes_vs_usual: ({ value }) => {
    const ratio = 2 ** value;
    const percent = Math.round(Math.abs(ratio - 1) * 100);
    if (percent < 5) return 'Sessions as long as their usual in the last 4 weeks';
    return `Sessions about ${WHOLE.format(percent)} % ${ratio < 1 ? 'shorter' : 'longer'} than their usual in the last 4 weeks`;
  },

  // commerce
  purchases_total: ({ value }) => (value === 0 ? 'No purchases yet' : `${plural(value, 'purchase')} so far`),
  purchases_365d: ({ value }) =>
    value === 0 ? 'No purchase in 12 months' : `${plural(value, 'purchase')} in 12 months`,
  purchase_amount_365d: ({ value }) =>
    value <= 0 ? 'Nothing bought in 12 months' : `Bought for ${count(value)} in 12 months`,
  days_since_last_purchase: ({ value }) =>
    value < 90 ? `Last purchase ${ago(value)}` : `No purchase in ${duration(value)}`,
  days_to_next_renewal: ({ value }) => (value < 1 ? 'Renews within a day' : `Renews in ${duration(value)}`),

  // profile (only customers have a tenure: the customer status leaves it null for everyone else)
  tenure_days: ({ value }) => `Customer for ${duration(value)}`,
  company_size: ({ value }) => `Company of ${plural(value, 'employee')}`,

  // feedback
  nps_last: ({ value }) => `Gave ${count(value)} out of 10 in their last NPS survey`,
  nps_mean: ({ value }) => `NPS answers average ${count(value)} out of 10`,
  nps_detractor_count: ({ value }) =>
    value === 0 ? 'No low NPS answers (6 or less)' : `${plural(value, 'low NPS answer')} (6 or less)`,
  feedback_sentiment_mean: ({ value }) => `${capitalise(toneOf(value))} survey comments`,

  // account: the contact's company, through its other contacts
  account_contacts_left_180d: (row) => {
    if (Math.round(row.value) <= 0) return 'No colleagues left in 6 months';
    const left = `${plural(row.value, 'colleague')} left in 6 months`;
    const active = row.get('account_contacts_active');
    if (active === null) return left;
    const staying = Math.round(active);
    return staying <= 0
      ? `${left}, none still a customer`
      : `${left}, ${count(staying)} still ${staying === 1 ? 'a customer' : 'customers'}`;
  },
  account_contacts_active: ({ value }) => {
    const n = Math.round(value);
    if (n <= 0) return 'No colleague is a customer';
    return n === 1 ? '1 colleague is a customer too' : `${count(n)} colleagues are customers too`;
  },
  account_tickets_90d: ({ value }) =>
    Math.round(value) <= 0
      ? 'No support tickets from colleagues in 3 months'
      : `Colleagues opened ${plural(value, 'support ticket')} in 3 months`,
  account_usage_trend: ({ value }) => `Colleagues' product use ${trendPercent(value)} in the last 4 weeks`,
  account_usage_per_colleague: ({ value }) =>
    `Colleagues use the product ${minutes(value)} a week each (last 3 months)`,
  account_nps_mean: ({ value }) =>
    `Colleagues' NPS answers average ${count(value)} out of 10 in the last 12 months`,
  emails_bounced_90d: (row) => {
    if (Math.round(row.value) <= 0) return 'None of our emails to them bounced in 3 months';
    const sent = row.get('emails_sent_90d');
    const bounced = Math.round(row.value);
    if (sent !== null && Math.round(sent) === 1 && bounced === 1)
      return 'Our one email to them in 3 months bounced';
    if (sent !== null && Math.round(sent) >= bounced)
      return `${count(bounced)} of our ${plural(sent, 'email')} to them bounced in 3 months`;
    return `${plural(bounced, 'email')} to them bounced in 3 months`;
  },
};

const STAGES: Record<string, string> = {
  customer: 'A customer',
  other: 'A former customer',
  subscriber: 'A subscriber, not yet a customer',
  lead: 'A lead, not yet a customer',
  marketingqualifiedlead: 'A marketing-qualified lead, not yet a customer',
  salesqualifiedlead: 'A sales-qualified lead, not yet a customer',
  opportunity: 'An open opportunity, not yet a customer',
  evangelist: 'An evangelist',
};

/** Underscores to spaces, a capital first: "basic" → "Basic", "ANNUAL" → "Annual"; "US" stays. */
const words = (value: string) => {
  const spaced = value.trim().replace(/[_-]+/g, ' ');
  return capitalise(spaced === spaced.toUpperCase() && spaced.length > 3 ? spaced.toLowerCase() : spaced);
};

/** "COMPUTER_SOFTWARE" → "computer software", "Retail" → "retail", "IT" stays. */
const industry = (value: string) => {
  const spaced = value.trim().replace(/[_-]+/g, ' ');
  const shout = spaced === spaced.toUpperCase() && spaced.length > 3;
  return shout || /^[A-Z][a-z]/.test(spaced) ? spaced.toLowerCase() : spaced;
};

const CATEGORIES: Record<string, (value: string) => string> = {
  lifecycle_stage: (v) => STAGES[v.toLowerCase()] ?? `Lifecycle stage: ${words(v)}`,
  company_industry: (v) => `In the ${industry(v)} industry`,
  country: (v) => `Based in ${words(v)}`,
  plan: (v) => (/\bplan$/i.test(v.trim()) ? `On the ${words(v)}` : `On the ${words(v)} plan`),
  billing_period: (v) => `${words(v)} billing`,
  customer_segment: (v) =>
    v.toUpperCase() === 'B2B'
      ? 'Business customer (B2B)'
      : v.toUpperCase() === 'B2C'
        ? 'Consumer (B2C)'
        : `Segment: ${words(v)}`,
};

// ---------------------------------------------------------------------------------------------

/** Whole numbers for a count of days or weeks; otherwise at most one or two decimals. */
export function roundForDisplay(value: number, dayLike: boolean): string {
  if (dayLike || Number.isInteger(value) || Math.abs(value) >= 100)
    return WHOLE.format(Math.round(value) + 0);
  return (Math.abs(value) < 1 ? TWO_DECIMALS : ONE_DECIMAL).format(value);
}

/** "Label: value", for a feature without a phrasing of its own (a CSV model's column). */
export function genericReasonText(reason: ReasonLike): string {
  if (!isMeaningfulValue(reason.value)) return `${reason.label}: unknown`;
  const value = reason.value!;
  if (typeof value === 'string') return `${reason.label}: ${value}`;
  const dayLike =
    /(^|_)(days?|weeks?)(_|$)/i.test(reason.feature) || /\b(days?|weeks?)\b/i.test(reason.label);
  return `${reason.label}: ${roundForDisplay(value, dayLike)}`;
}

/**
 * The reason in plain words, with this contact's values. `values` is the contact's whole feature
 * row (the reason's own value wins over the row's); without it, the reason's value alone is read.
 * With `typical`, a level that means little alone is set against a typical customer's.
 */
export function reasonText(reason: ReasonLike, values: FeatureValues = {}, typical?: TypicalValues): string {
  if (!isMeaningfulValue(reason.value)) return genericReasonText(reason);
  const category = CATEGORIES[reason.feature];
  if (category) return typeof reason.value === 'string' ? category(reason.value) : genericReasonText(reason);
  const phrase = PHRASES[reason.feature];
  const value = numberOf(reason.value);
  if (!phrase || value === null) return genericReasonText(reason);
  const row: Row = {
    value,
    get: (name) => (name === reason.feature ? value : numberOf(values[name])),
    typical: typical?.get(reason.feature) ?? null,
  };
  return phrase(row);
}

// ---------------------------------------------------------------------------------------------
// One fact, one reason

/**
 * Features that measure one behaviour of the customer (a count, an amount, a rate, the time since,
 * a trend, over overlapping windows) tell one fact in different words: "No purchase in 12 months"
 * and "Nothing bought in 12 months", "No product use in 4 weeks" and "Last used the product 9 weeks
 * ago". Where the model splits its push among them, they can even seem to pull both ways. A
 * contact's reasons tell each fact once, in the words of its strongest feature. A feature listed
 * under no fact (a CSV model's column) is a fact of its own.
 */
const FACTS: Readonly<Record<string, readonly string[]>> = {
  'emails sent': ['emails_sent_30d', 'emails_sent_90d'],
  'email opens': [
    'emails_opened_30d',
    'emails_opened_90d',
    'email_open_rate_90d',
    'days_since_last_open',
    'emails_unopened_in_a_row',
  ],
  'email replies': [
    'emails_replied_30d',
    'emails_replied_90d',
    'email_response_rate_90d',
    'days_since_last_reply',
  ],
  // The tickets are phrased with the tone of the worst message, and the worst message with the
  // ticket count: "3 support tickets in 30 days, at least one angry".
  'support tickets and their tone': [
    'tickets_30d',
    'tickets_90d',
    'support_sentiment_worst_90d',
    'support_sentiment_mean_90d',
  ],
  'open support tickets': ['tickets_open', 'tickets_open_over_7d'],
  'product use': [
    'sessions_per_week_4w',
    'usage_minutes_per_week_4w',
    'features_used_4w',
    'usage_trend',
    'usage_vs_own_baseline',
    'sessions_trend',
    'days_since_last_use',
    'session_minutes_12w',
    'session_minutes_vs_usual',
  ],
  purchases: ['purchases_total', 'purchases_365d', 'purchase_amount_365d', 'days_since_last_purchase'],
  'NPS answers': ['nps_last', 'nps_mean', 'nps_detractor_count'],
  // Who left the company is said with who stays: "2 colleagues left in 6 months, 3 still customers".
  'colleagues leaving': ['account_contacts_left_180d', 'account_contacts_active'],
};

const FACT_OF: ReadonlyMap<string, string> = new Map(
  Object.entries(FACTS).flatMap(([fact, features]) => features.map((f) => [f, `fact:${fact}`] as const)),
);

/** The fact a feature's reason tells: its group's, else its own. */
const factOf = (feature: string): string => FACT_OF.get(feature) ?? `feature:${feature}`;

// ---------------------------------------------------------------------------------------------
// Choosing the reasons a score keeps

/**
 * How many reasons each way to ask the model for, so that the strongest `eachWay` shown and
 * distinct ones are among them: the row with the most missing values could lose that many, so
 * could every identity-like feature, every feature beyond the first of its fact could give way to
 * a stronger one of the same fact, and two reasons reading alike keep only the stronger.
 */
export function reasonCandidates(rows: readonly FeatureValues[], eachWay: number): number {
  let missing = 0;
  const features = new Set<string>();
  for (const row of rows) {
    let n = 0;
    for (const [name, value] of Object.entries(row)) {
      features.add(name);
      if (!isMeaningfulValue(value)) n++;
    }
    missing = Math.max(missing, n);
  }
  const facts = new Set([...features].map(factOf));
  const identity = [...features].filter(isIdentityFeature).length;
  return eachWay * 2 + missing + identity + features.size - facts.size;
}

/** A contact's reasons as a score keeps them. */
export interface PickedReasons {
  /** The strongest `eachWay` shown reasons raising the risk, largest push first. */
  up: Reason[];
  /** The same for those lowering it. */
  down: Reason[];
  /**
   * Identity-like reasons that rank among the strongest `eachWay` of their direction, counted
   * with the shown ones, phrased: never shown to an advisor, kept so that the Model page can say
   * how often the model leans on who the customers are.
   */
  identity: Reason[];
}

/**
 * The strongest `eachWay` reasons raising and lowering the risk, largest push (either way) first:
 * missing values and identity-like features left out, each phrased with the contact's row, a fact
 * or a text already given by a stronger reason, either way, not repeated, so the next distinct
 * reason takes its place.
 */
export function pickReasons(
  reasons: readonly Reason[],
  values: FeatureValues,
  eachWay: number,
  typical?: TypicalValues,
): PickedReasons {
  const saidFacts = new Set<string>();
  const saidTexts = new Set<string>();
  const up: Reason[] = [];
  const down: Reason[] = [];
  const identity: Reason[] = [];
  const strongestFirst = [...reasons].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  for (const reason of strongestFirst) {
    if (reason.contribution === 0 || !isMeaningfulValue(reason.value)) continue;
    const raising = reason.contribution > 0;
    const list = raising ? up : down;
    if (isIdentityFeature(reason.feature)) {
      const stronger = list.length + identity.filter((r) => r.contribution > 0 === raising).length;
      if (stronger < eachWay) identity.push({ ...reason, text: reasonText(reason, values, typical) });
      continue;
    }
    if (list.length >= eachWay) continue;
    const fact = factOf(reason.feature);
    const text = reasonText(reason, values, typical);
    if (saidFacts.has(fact) || saidTexts.has(text)) continue;
    saidFacts.add(fact);
    saidTexts.add(text);
    list.push({ ...reason, text });
  }
  return { up, down, identity };
}
