/**
 * Catalogue entries for the account: commerce, profile, feedback, the contact's company seen through
 * its other contacts; and how entries are written.
 */
import type { FeatureDefinition } from './catalogue.js';

type Def = Omit<FeatureDefinition, 'type' | 'missing' | 'risk'> &
  Partial<Pick<FeatureDefinition, 'type' | 'missing' | 'risk'>>;
export const count = (d: Def): FeatureDefinition => ({
  type: 'numeric',
  missing: 'zero',
  risk: 'lower',
  ...d,
});
export const measure = (d: Def): FeatureDefinition => ({
  type: 'numeric',
  missing: 'null',
  risk: 'lower',
  ...d,
});
export const category = (d: Def): FeatureDefinition => ({
  type: 'categorical',
  missing: 'unknown',
  risk: 'none',
  ...d,
});

export const COMMERCE: FeatureDefinition[] = [
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

export const PROFILE: FeatureDefinition[] = [
  measure({
    name: 'tenure_days',
    label: 'Days as a customer',
    description:
      'Days from the start of the customer time under way at the date (a return counts from the return); none for anyone not a customer then.',
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
    description: "The company's numberofemployees (today's value); null for consumers and unknown sizes.",
    source: 'contacts',
    windowDays: null,
    risk: 'none',
    identity: true,
  }),
  category({
    name: 'company_industry',
    label: 'Industry',
    description: "The company's industry (today's value).",
    source: 'contacts',
    windowDays: null,
    identity: true,
  }),
  category({
    name: 'country',
    label: 'Country',
    description:
      "The contact's country held at the date, from the property history; else the company's (today's value).",
    source: 'contacts',
    windowDays: null,
    identity: true,
  }),
  category({
    name: 'plan',
    label: 'Plan',
    description:
      "The contact's plan held at the date, from the plan property's history (a plan changed later is not seen).",
    source: 'contacts',
    windowDays: null,
  }),
  category({
    name: 'billing_period',
    label: 'Billing period',
    description: 'Annual or monthly billing held at the date, from the property history.',
    source: 'contacts',
    windowDays: null,
  }),
  category({
    name: 'customer_segment',
    label: 'Segment',
    description:
      'B2B or B2C held at the date, from the property history: who the customer is, not what they do.',
    source: 'contacts',
    windowDays: null,
    identity: true,
  }),
];

export const FEEDBACK: FeatureDefinition[] = [
  measure({
    name: 'nps_last',
    label: 'Last NPS answer',
    description: 'Score (0–10) of the last NPS answer before the date; null when none.',
    source: 'feedback',
    windowDays: null,
    monotone: true,
  }),
  measure({
    name: 'nps_mean',
    label: 'Average NPS answer',
    description: 'Mean score of the NPS answers before the date; null when none.',
    source: 'feedback',
    windowDays: null,
    monotone: true,
  }),
  count({
    name: 'nps_detractor_count',
    label: 'NPS answers of 6 or less',
    description: 'NPS answers scoring 0–6 before the date.',
    source: 'feedback',
    windowDays: null,
    risk: 'higher',
    monotone: true,
  }),
  measure({
    name: 'feedback_sentiment_mean',
    label: 'Tone of their survey comments',
    description:
      'Mean sentiment (-1..1) of the comments left with survey answers before the date; null without comments.',
    source: 'feedback',
    windowDays: null,
    monotone: true,
  }),
];

/**
 * The contact's company (`contacts.company_id`, as the dashboard's accounts and the account scores
 * group contacts) seen through its other contacts, archived ones included: who left, who stays,
 * their support load, their use and their survey answers. Null for a contact without a company.
 */
export const ACCOUNT: FeatureDefinition[] = [
  measure({
    name: 'account_contacts_left_180d',
    label: 'Colleagues who stopped being customers, last 180 days',
    description:
      'Other contacts of the company whose former-customer date falls in the 180 days up to the date (a later leaving does not count); null without a company.',
    source: 'contacts',
    windowDays: 180,
    risk: 'higher',
  }),
  measure({
    name: 'account_contacts_active',
    label: 'Colleagues who are customers',
    description:
      'Other contacts of the company who were customers at the date: became one before it, and had not left by it (a leaving before their latest return does not count); null without a company.',
    source: 'contacts',
    windowDays: null,
  }),
  measure({
    name: 'account_tickets_90d',
    label: "Colleagues' support tickets, last 90 days",
    description:
      'Tickets created in the 90 days before the date linked to another contact of the company and not to this one; null without a company.',
    source: 'tickets',
    windowDays: 90,
    risk: 'higher',
  }),
  measure({
    name: 'account_usage_trend',
    label: "Change in colleagues' product use, last 4 weeks vs the 8 before",
    description:
      "usage_trend of the company's other contacts taken together: log2((their minutes per week in the last 4 weeks + 1) / (their minutes per week in the 8 weeks before + 1)); null without a company or when none of them used the product in those 12 weeks.",
    source: 'usage_events',
    windowDays: 84,
  }),
  measure({
    name: 'account_usage_per_colleague',
    label: "Colleagues' product use, minutes a week each, last 12 weeks",
    description:
      "Minutes a week the company's other contacts used the product in the 12 weeks before the date, over the colleagues who were customers then: how much the account as a whole uses what it pays for; null without a company or when no colleague was a customer.",
    source: 'usage_events',
    windowDays: 84,
  }),
  measure({
    name: 'account_nps_mean',
    label: "Colleagues' average NPS answer, last 12 months",
    description:
      "Mean score (0–10) of the NPS answers the company's other contacts gave in the 365 days before the date: how satisfied the account is, which decides a renewal as much as this contact's own view; null without a company or when no colleague answered.",
    source: 'feedback',
    windowDays: 365,
  }),
  count({
    name: 'emails_bounced_90d',
    label: 'Emails to them that bounced, last 90 days',
    description:
      'Outgoing emails sent in the 90 days before the date that bounced: someone whose address stopped working has often left the company.',
    source: 'emails',
    windowDays: 90,
    risk: 'higher',
  }),
];
