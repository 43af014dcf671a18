/**
 * Every feature the warehouse builds for a contact as of a date: what it is, where it comes from,
 * over which window, how a missing value is treated, and which direction usually means risk. The
 * builder (./build) fills exactly these names; the model and the risk card read the labels here.
 */

export type FeatureSource = 'emails' | 'tickets' | 'usage_events' | 'deals' | 'contacts' | 'feedback';
export type FeatureType = 'numeric' | 'categorical';

/**
 * - `zero`: no events in the window is a true 0 (a count, a sum);
 * - `null`: left null because there is nothing to measure (a rate with no denominator, "days since"
 *   something that never happened); the model imputes it and may learn from its absence;
 * - `unknown`: a categorical value absent in the CRM reads as the category "unknown".
 */
export type MissingRule = 'zero' | 'null' | 'unknown';

/** Which way of the feature usually goes with churn; `none` for categories and two-sided effects. */
export type RiskDirection = 'higher' | 'lower' | 'none';

export interface FeatureDefinition {
  name: string;
  /** Short wording for reasons on the risk card. */
  label: string;
  description: string;
  source: FeatureSource;
  /** Look-back ending just before `asOf`, in days; null when all history before `asOf` counts. */
  windowDays: number | null;
  type: FeatureType;
  missing: MissingRule;
  risk: RiskDirection;
}

type Def = Omit<FeatureDefinition, 'type' | 'missing' | 'risk'> &
  Partial<Pick<FeatureDefinition, 'type' | 'missing' | 'risk'>>;
const count = (d: Def): FeatureDefinition => ({ type: 'numeric', missing: 'zero', risk: 'lower', ...d });
const measure = (d: Def): FeatureDefinition => ({ type: 'numeric', missing: 'null', risk: 'lower', ...d });
const category = (d: Def): FeatureDefinition => ({
  type: 'categorical',
  missing: 'unknown',
  risk: 'none',
  ...d,
});

const EMAIL: FeatureDefinition[] = [
  count({
    name: 'emails_sent_30d',
    label: 'Emails sent to them, last 30 days',
    description: 'Outgoing one-to-one emails sent in the 30 days before the date.',
    source: 'emails',
    windowDays: 30,
    risk: 'none',
  }),
  count({
    name: 'emails_sent_90d',
    label: 'Emails sent to them, last 90 days',
    description: 'Outgoing one-to-one emails sent in the 90 days before the date.',
    source: 'emails',
    windowDays: 90,
    risk: 'none',
  }),
  count({
    name: 'emails_opened_30d',
    label: 'Emails opened, last 30 days',
    description:
      'Outgoing emails first opened in the 30 days before the date (an open after the date does not count).',
    source: 'emails',
    windowDays: 30,
  }),
  count({
    name: 'emails_opened_90d',
    label: 'Emails opened, last 90 days',
    description: 'Outgoing emails first opened in the 90 days before the date.',
    source: 'emails',
    windowDays: 90,
  }),
  count({
    name: 'emails_replied_30d',
    label: 'Emails answered, last 30 days',
    description: 'Outgoing emails first replied to in the 30 days before the date.',
    source: 'emails',
    windowDays: 30,
  }),
  count({
    name: 'emails_replied_90d',
    label: 'Emails answered, last 90 days',
    description: 'Outgoing emails first replied to in the 90 days before the date.',
    source: 'emails',
    windowDays: 90,
  }),
  measure({
    name: 'email_open_rate_90d',
    label: 'Email open rate, last 90 days',
    description:
      'Share of the outgoing emails sent in the 90 days before the date that were opened before the date; null when none was sent.',
    source: 'emails',
    windowDays: 90,
  }),
  measure({
    name: 'email_response_rate_90d',
    label: 'Email response rate, last 90 days',
    description:
      'Share of the outgoing emails sent in the 90 days before the date that were replied to before the date; null when none was sent.',
    source: 'emails',
    windowDays: 90,
  }),
  measure({
    name: 'days_since_last_open',
    label: 'Days since they last opened an email',
    description:
      'Days from the last first-open of an outgoing email to the date; null when they never opened one.',
    source: 'emails',
    windowDays: null,
    risk: 'higher',
  }),
  measure({
    name: 'days_since_last_reply',
    label: 'Days since they last answered an email',
    description:
      'Days from the last first-reply to an outgoing email to the date; null when they never replied.',
    source: 'emails',
    windowDays: null,
    risk: 'higher',
  }),
];

const SUPPORT: FeatureDefinition[] = [
  count({
    name: 'tickets_30d',
    label: 'Support tickets, last 30 days',
    description: 'Tickets created in the 30 days before the date.',
    source: 'tickets',
    windowDays: 30,
    risk: 'higher',
  }),
  count({
    name: 'tickets_90d',
    label: 'Support tickets, last 90 days',
    description: 'Tickets created in the 90 days before the date.',
    source: 'tickets',
    windowDays: 90,
    risk: 'higher',
  }),
  count({
    name: 'tickets_open',
    label: 'Support tickets open',
    description:
      'Tickets created before the date and not closed before it (a ticket closed later was open then).',
    source: 'tickets',
    windowDays: null,
    risk: 'higher',
  }),
  measure({
    name: 'tickets_high_priority_share_90d',
    label: 'Share of urgent tickets, last 90 days',
    description:
      'Share of the tickets created in the 90 days before the date with priority HIGH or URGENT; null without tickets.',
    source: 'tickets',
    windowDays: 90,
    risk: 'higher',
  }),
  measure({
    name: 'ticket_resolution_hours_median_90d',
    label: 'Hours to resolve a ticket (median), last 90 days',
    description:
      'Median hours from creation to close of the tickets closed in the 90 days before the date; null when none closed.',
    source: 'tickets',
    windowDays: 90,
    risk: 'higher',
  }),
  measure({
    name: 'support_sentiment_mean_90d',
    label: 'Tone of their support messages, last 90 days',
    description:
      'Mean sentiment (-1..1) of ticket text and inbound emails written in the 90 days before the date; null without text.',
    source: 'tickets',
    windowDays: 90,
  }),
  measure({
    name: 'support_sentiment_worst_90d',
    label: 'Most negative support message, last 90 days',
    description:
      'Lowest sentiment (-1..1) of ticket text and inbound emails in the 90 days before the date; null without text.',
    source: 'tickets',
    windowDays: 90,
  }),
  measure({
    name: 'support_sentiment_trend',
    label: 'Change in tone of support messages',
    description:
      'Mean sentiment of the last 30 days minus that of the 60 days before them; null unless both have text.',
    source: 'tickets',
    windowDays: 90,
  }),
];

const USAGE: FeatureDefinition[] = [
  count({
    name: 'sessions_per_week_4w',
    label: 'Product sessions per week, last 4 weeks',
    description: 'Sessions in the 28 days before the date, divided by 4.',
    source: 'usage_events',
    windowDays: 28,
  }),
  count({
    name: 'usage_minutes_per_week_4w',
    label: 'Minutes in the product per week, last 4 weeks',
    description: 'Minutes of use in the 28 days before the date, divided by 4.',
    source: 'usage_events',
    windowDays: 28,
  }),
  count({
    name: 'features_used_4w',
    label: 'Product features used, last 4 weeks',
    description: 'Distinct product features used in the 28 days before the date.',
    source: 'usage_events',
    windowDays: 28,
  }),
  count({
    name: 'usage_trend',
    label: 'Change in product use, last 4 weeks vs the 8 before',
    description:
      'log2((minutes per week in the last 4 weeks + 1) / (minutes per week in the 8 weeks before them + 1)): 0 is steady, -1 is about half.',
    source: 'usage_events',
    windowDays: 84,
  }),
  count({
    name: 'sessions_trend',
    label: 'Change in product sessions, last 4 weeks vs the 8 before',
    description:
      'log2((sessions per week in the last 4 weeks + 1) / (sessions per week in the 8 weeks before them + 1)).',
    source: 'usage_events',
    windowDays: 84,
  }),
  measure({
    name: 'days_since_last_use',
    label: 'Days since they last used the product',
    description: 'Days from the last usage event before the date; null when they never used it.',
    source: 'usage_events',
    windowDays: null,
    risk: 'higher',
  }),
];

const COMMERCE: FeatureDefinition[] = [
  count({
    name: 'purchases_total',
    label: 'Purchases',
    description: 'Deals won (closed before the date) over the whole history.',
    source: 'deals',
    windowDays: null,
  }),
  count({
    name: 'purchases_365d',
    label: 'Purchases, last 12 months',
    description: 'Deals won in the 365 days before the date.',
    source: 'deals',
    windowDays: 365,
  }),
  count({
    name: 'purchase_amount_365d',
    label: 'Amount bought, last 12 months',
    description: 'Sum of the amounts of the deals won in the 365 days before the date.',
    source: 'deals',
    windowDays: 365,
  }),
  measure({
    name: 'days_since_last_purchase',
    label: 'Days since their last purchase',
    description: 'Days from the last deal won before the date; null when none.',
    source: 'deals',
    windowDays: null,
    risk: 'higher',
  }),
  measure({
    name: 'days_to_next_renewal',
    label: 'Days to their next renewal',
    description:
      'Days from the date to the next anniversary of becoming a customer, per billing period (a year or a month). Open renewal deals are not read: their close date is rewritten when they close, so it would reveal the outcome.',
    source: 'contacts',
    windowDays: null,
    risk: 'lower',
  }),
];

const PROFILE: FeatureDefinition[] = [
  measure({
    name: 'tenure_days',
    label: 'Days as a customer',
    description:
      'Days from becoming a customer (hs_lifecyclestage_customer_date, else the contact creation date) to the date.',
    source: 'contacts',
    windowDays: null,
  }),
  category({
    name: 'lifecycle_stage',
    label: 'Lifecycle stage',
    description:
      'Stage at the date, derived from the stage dates (other, customer), never the current stage; contacts who never became customers keep their current pre-customer stage.',
    source: 'contacts',
    windowDays: null,
  }),
  measure({
    name: 'company_size',
    label: 'Company size (employees)',
    description: "The company's numberofemployees; null for consumers and unknown sizes.",
    source: 'contacts',
    windowDays: null,
    risk: 'none',
  }),
  category({
    name: 'company_industry',
    label: 'Industry',
    description: "The company's industry.",
    source: 'contacts',
    windowDays: null,
  }),
  category({
    name: 'country',
    label: 'Country',
    description: "The contact's country, else the company's.",
    source: 'contacts',
    windowDays: null,
  }),
  category({
    name: 'plan',
    label: 'Plan',
    description: "The contact's plan property (its current value: plan history is not synced).",
    source: 'contacts',
    windowDays: null,
  }),
  category({
    name: 'billing_period',
    label: 'Billing period',
    description: 'Annual or monthly billing (current value).',
    source: 'contacts',
    windowDays: null,
  }),
  category({
    name: 'customer_segment',
    label: 'Segment',
    description: 'B2B or B2C (current value).',
    source: 'contacts',
    windowDays: null,
  }),
];

const FEEDBACK: FeatureDefinition[] = [
  measure({
    name: 'nps_last',
    label: 'Last NPS answer',
    description: 'Score (0–10) of the last NPS answer before the date; null when none.',
    source: 'feedback',
    windowDays: null,
  }),
  measure({
    name: 'nps_mean',
    label: 'Average NPS answer',
    description: 'Mean score of the NPS answers before the date; null when none.',
    source: 'feedback',
    windowDays: null,
  }),
  count({
    name: 'nps_detractor_count',
    label: 'NPS answers of 6 or less',
    description: 'NPS answers scoring 0–6 before the date.',
    source: 'feedback',
    windowDays: null,
    risk: 'higher',
  }),
  measure({
    name: 'feedback_sentiment_mean',
    label: 'Tone of their survey comments',
    description:
      'Mean sentiment (-1..1) of the comments left with survey answers before the date; null without comments.',
    source: 'feedback',
    windowDays: null,
  }),
];

export const FEATURE_CATALOGUE: readonly FeatureDefinition[] = [
  ...EMAIL,
  ...SUPPORT,
  ...USAGE,
  ...COMMERCE,
  ...PROFILE,
  ...FEEDBACK,
];

export type FeatureName = string;
export type FeatureValue = number | string | null;
/** One contact's features as of a date, keyed by catalogue name. */
export type FeatureValues = Record<FeatureName, FeatureValue>;

/**
 * What the warehouse has but features deliberately do not read, because its current value could
 * reveal what happened after the date.
 */
export const LEFT_OUT: readonly { what: string; why: string }[] = [
  {
    what: 'ticket reopen_count',
    why: 'a current counter: reopenings after the date are in it, with no dates to cut them off',
  },
  {
    what: 'tickets.is_closed and ticket stage',
    why: 'current state; whether a ticket was open at the date is read from closed_at',
  },
  {
    what: 'contacts.lifecycle_stage',
    why: 'current stage; the stage at the date is derived from the stage dates',
  },
  {
    what: 'hs_email_last_open_date / hs_email_last_reply_date on the contact',
    why: 'the latest value may be after the date; per-email open and reply dates are read instead',
  },
  {
    what: 'open renewal deals and their close dates',
    why: 'a renewal lost later is created before the date with the close date of the loss',
  },
  {
    what: 'closed_lost_reason, exit_reason, churn_risk_* properties',
    why: 'written at or after the churn itself, or by this app',
  },
];

/** The catalogue in the shape the model reads (name, kind, label). */
export function featureSpecs(): { name: string; kind: FeatureType; label: string }[] {
  return FEATURE_CATALOGUE.map((f) => ({ name: f.name, kind: f.type, label: f.label }));
}

export function featureDefinition(name: string): FeatureDefinition | undefined {
  return FEATURE_CATALOGUE.find((f) => f.name === name);
}
