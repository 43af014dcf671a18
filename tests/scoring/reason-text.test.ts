import { describe, expect, it } from '@jest/globals';
import { cardReasons } from '../../server/api/cards/contact-risk-view.js';
import { topReasons } from '../../server/api/dashboard/at-risk.js';
import { FEATURE_CATALOGUE, type FeatureValues } from '../../server/features/index.js';
import {
  datasetFromRecords,
  scoreRows,
  trainingMedians,
  trainModel,
  type Reason,
  type TrainedModel,
} from '../../server/model/index.js';
import { starterModel } from '../../server/model/starter.js';
import {
  duration,
  isMeaningfulReason,
  pickReasons,
  reasonCandidates,
  reasonText,
  roundForDisplay,
  toneOf,
} from '../../server/scoring/reason-text.js';
import { scoreContacts } from '../../server/scoring/score-contacts.js';
import { scoreProperties } from '../../server/scoring/writeback.js';

const LABELS = new Map(FEATURE_CATALOGUE.map((f) => [f.name, f.label]));

/** The text of a catalogue feature's reason with this value, reading the rest of the row. */
function text(feature: string, value: Reason['value'], row: FeatureValues = {}): string {
  return reasonText({ feature, label: LABELS.get(feature) ?? feature, value }, { ...row, [feature]: value });
}

/** The usage trend as the feature builder computes it from the two levels. */
const trend = (recentPerWeek: number, earlierPerWeek: number) =>
  Math.log2((recentPerWeek + 1) / (earlierPerWeek + 1));

/** A contact's row with something in every feature, decimals where the builder gives them. */
const FULL_ROW: FeatureValues = {
  emails_sent_30d: 2,
  emails_sent_90d: 5,
  emails_opened_30d: 0,
  emails_opened_90d: 1,
  emails_replied_30d: 1,
  emails_replied_90d: 3,
  email_open_rate_90d: 0.4,
  email_response_rate_90d: 0.2,
  days_since_last_open: 23.41,
  days_since_last_reply: 95.27,
  emails_unopened_in_a_row: 4,
  tickets_30d: 3,
  tickets_90d: 3,
  tickets_open: 2,
  tickets_open_over_7d: 1,
  tickets_high_priority_share_90d: 2 / 3,
  ticket_resolution_hours_median_90d: 52.3,
  support_sentiment_mean_90d: -0.31,
  support_sentiment_worst_90d: -0.74,
  support_sentiment_trend: -0.42,
  sessions_per_week_4w: 0.75,
  usage_minutes_per_week_4w: 0,
  features_used_4w: 1,
  usage_trend: trend(0, 25),
  usage_vs_own_baseline: trend(0, 40),
  sessions_trend: trend(0.75, 7),
  days_since_last_use: 19.6,
  session_minutes_12w: 11.3,
  session_minutes_vs_usual: Math.log2(6 / 14),
  purchases_total: 4,
  purchases_365d: 0,
  purchase_amount_365d: 0,
  days_since_last_purchase: 376.6,
  days_to_next_renewal: 20.4,
  tenure_days: 116.3,
  lifecycle_stage: 'customer',
  company_size: 250,
  company_industry: 'COMPUTER_SOFTWARE',
  country: 'Germany',
  plan: 'basic',
  billing_period: 'monthly',
  customer_segment: 'B2B',
  nps_last: 3,
  nps_mean: 5.5,
  nps_detractor_count: 2,
  feedback_sentiment_mean: 0.4,
  account_contacts_left_180d: 2,
  account_contacts_active: 3,
  account_tickets_90d: 4,
  account_usage_trend: trend(10, 40),
  account_usage_per_colleague: 12.5,
  account_nps_mean: 4.5,
  emails_bounced_90d: 1,
};

/** The `churn_risk_reasons` field the CRM is written for a high-tier score with these reasons. */
function crmReasons(reasons: Reason[], probability: number): string | null | undefined {
  return scoreProperties({
    contactId: 'c1',
    probability,
    tier: 'high',
    reasons,
    scoredAt: new Date(),
    modelId: 1,
    modelVersion: 1,
    modelFamily: 'logistic',
    isStarter: false,
  }).churn_risk_reasons;
}

/** Reasons as scoring gives them, largest push first, with the contact's values. */
const reasonsOf = (row: FeatureValues, pushes: [string, number][]): Reason[] =>
  pushes.map(([feature, contribution]) => ({
    feature,
    label: LABELS.get(feature)!,
    value: row[feature]!,
    contribution,
  }));
const texts = (reasons: readonly Reason[]) => reasons.map((x) => x.text);

describe('a reason in plain words', () => {
  // [feature, value, the rest of the row, text]
  const CASES: [string, Reason['value'], FeatureValues, string][] = [
    // email
    ['emails_sent_30d', 0, {}, 'No emails sent to them in 30 days'],
    ['emails_sent_90d', 5, {}, '5 emails sent to them in 3 months'],
    ['emails_opened_30d', 0, {}, 'Opened none of our emails in 30 days'],
    ['emails_replied_90d', 1, {}, 'Answered 1 email in 3 months'],
    ['email_open_rate_90d', 0.4, { emails_sent_90d: 5 }, 'Opened 2 of our 5 emails in 3 months'],
    ['email_open_rate_90d', 0, { emails_sent_90d: 4 }, 'Opened none of our 4 emails in 3 months'],
    ['email_open_rate_90d', 0.333, {}, 'Opened 33 % of our emails in 3 months'],
    ['email_response_rate_90d', 0, { emails_sent_90d: 1 }, 'Did not answer our one email in 3 months'],
    ['days_since_last_open', 23.41, {}, 'Last opened one of our emails 3 weeks ago'],
    ['days_since_last_reply', 0.4, {}, 'Answered one of our emails today'],
    ['emails_unopened_in_a_row', 6, {}, 'Our last 6 emails to them went unopened'],
    ['emails_unopened_in_a_row', 1, {}, 'Our last email to them went unopened'],
    ['emails_unopened_in_a_row', 0, {}, 'Left none of our emails unopened since they last opened one'],
    // support
    [
      'tickets_30d',
      3,
      { tickets_90d: 3, support_sentiment_worst_90d: -0.74 },
      '3 support tickets in 30 days, at least one angry',
    ],
    [
      'tickets_30d',
      3,
      { tickets_90d: 7, support_sentiment_worst_90d: -0.2 },
      '3 support tickets in 30 days (7 in 3 months), at least one unhappy',
    ],
    [
      'tickets_30d',
      2,
      { tickets_90d: 2, support_sentiment_worst_90d: 0.3 },
      '2 support tickets in 30 days, none unhappy',
    ],
    [
      'tickets_30d',
      1,
      { tickets_90d: 1, support_sentiment_worst_90d: -0.9 },
      '1 support ticket in 30 days, angry',
    ],
    ['tickets_30d', 0, {}, 'No support tickets in 30 days'],
    ['tickets_90d', 4, { support_sentiment_worst_90d: null }, '4 support tickets in 3 months'],
    ['tickets_open', 1, {}, '1 support ticket open'],
    ['tickets_open', 0, {}, 'No open support tickets'],
    ['tickets_open_over_7d', 2, {}, '2 support tickets open for over a week'],
    ['tickets_open_over_7d', 1, {}, '1 support ticket open for over a week'],
    ['tickets_open_over_7d', 0, {}, 'No support ticket open for over a week'],
    [
      'tickets_high_priority_share_90d',
      2 / 3,
      { tickets_90d: 3 },
      '2 of 3 support tickets in 3 months were urgent',
    ],
    [
      'tickets_high_priority_share_90d',
      1,
      { tickets_90d: 4 },
      'All 4 support tickets in 3 months were urgent',
    ],
    ['tickets_high_priority_share_90d', 0.25, {}, '25 % of support tickets in 3 months were urgent'],
    ['ticket_resolution_hours_median_90d', 52.3, {}, 'A typical support ticket took 2 days to resolve'],
    ['ticket_resolution_hours_median_90d', 5.6, {}, 'A typical support ticket took 6 hours to resolve'],
    ['support_sentiment_mean_90d', -0.31, {}, 'Unhappy tone in support messages over 3 months'],
    ['support_sentiment_mean_90d', 0.6, {}, 'Positive tone in support messages over 3 months'],
    [
      'support_sentiment_worst_90d',
      -0.74,
      { tickets_30d: 3, tickets_90d: 3 },
      '3 support tickets in 30 days, at least one angry',
    ],
    ['support_sentiment_worst_90d', -0.74, {}, 'An angry message to support in 3 months'],
    [
      'support_sentiment_worst_90d',
      -0.2,
      { tickets_30d: 1, tickets_90d: 1 },
      '1 support ticket in 30 days, unhappy',
    ],
    ['support_sentiment_worst_90d', 0.01, {}, 'No unhappy support messages in 3 months'],
    ['support_sentiment_trend', -0.42, {}, 'Support messages turned more negative in the last 30 days'],
    ['support_sentiment_trend', 0.05, {}, 'Tone of support messages steady in the last 30 days'],
    // usage
    [
      'usage_trend',
      trend(0, 25),
      { usage_minutes_per_week_4w: 0 },
      'Product use fell from 25 to 0 minutes a week',
    ],
    [
      'usage_trend',
      trend(90, 360),
      { usage_minutes_per_week_4w: 90 },
      'Product use fell from 6 hours to 90 minutes a week',
    ],
    [
      'usage_trend',
      trend(30, 30),
      { usage_minutes_per_week_4w: 30 },
      'Product use steady at 30 minutes a week',
    ],
    ['usage_trend', trend(0, 0), { usage_minutes_per_week_4w: 0 }, 'No product use in 12 weeks'],
    ['usage_trend', trend(4, 24), {}, 'Product use fell by about 80 % in the last 4 weeks'],
    [
      'usage_vs_own_baseline',
      trend(10, 40),
      { usage_minutes_per_week_4w: 10 },
      'Product use fell to 10 minutes a week from their usual 40 minutes',
    ],
    [
      'usage_vs_own_baseline',
      trend(180, 60),
      { usage_minutes_per_week_4w: 180 },
      'Product use rose to 3 hours a week from their usual 60 minutes',
    ],
    [
      'usage_vs_own_baseline',
      trend(30, 30),
      { usage_minutes_per_week_4w: 30 },
      'Product use steady at their usual 30 minutes a week',
    ],
    ['usage_vs_own_baseline', 0, { usage_minutes_per_week_4w: 0 }, 'No product use in 6 months'],
    ['usage_vs_own_baseline', trend(4, 24), {}, 'Product use fell by about 80 % against their usual'],
    ['session_minutes_12w', 11.3, {}, 'Sessions lasted about 11 minutes in the last 12 weeks'],
    [
      'session_minutes_vs_usual',
      Math.log2(6 / 14),
      {},
      'Sessions about 57 % shorter than their usual in the last 4 weeks',
    ],
    [
      'session_minutes_vs_usual',
      Math.log2(21 / 14),
      {},
      'Sessions about 50 % longer than their usual in the last 4 weeks',
    ],
    [
      'session_minutes_vs_usual',
      Math.log2(14.3 / 14),
      {},
      'Sessions as long as their usual in the last 4 weeks',
    ],
    [
      'sessions_trend',
      trend(1.25, 7),
      { sessions_per_week_4w: 1.25 },
      'Product sessions fell from 7 to 1 a week',
    ],
    ['sessions_per_week_4w', 5.25, {}, 'Uses the product 5 times a week'],
    ['sessions_per_week_4w', 0.25, {}, 'Used the product once in 4 weeks'],
    ['sessions_per_week_4w', 0, {}, 'No product sessions in 4 weeks'],
    ['usage_minutes_per_week_4w', 42.5, {}, 'Uses the product 43 minutes a week'],
    ['usage_minutes_per_week_4w', 0, {}, 'No product use in 4 weeks'],
    ['features_used_4w', 3, {}, 'Used 3 product features in 4 weeks'],
    ['days_since_last_use', 41.25, {}, 'Last used the product 6 weeks ago'],
    ['days_since_last_use', 1.5, {}, 'Last used the product yesterday'],
    // commerce
    ['days_since_last_purchase', 376.6, {}, 'No purchase in 12 months'],
    ['days_since_last_purchase', 800, {}, 'No purchase in 2 years'],
    ['days_since_last_purchase', 9.2, {}, 'Last purchase 9 days ago'],
    ['purchases_365d', 0, {}, 'No purchase in 12 months'],
    ['purchases_365d', 2, {}, '2 purchases in 12 months'],
    ['purchases_total', 1, {}, '1 purchase so far'],
    ['purchase_amount_365d', 12400.5, {}, 'Bought for 12,401 in 12 months'],
    ['days_to_next_renewal', 20.4, {}, 'Renews in 3 weeks'],
    // profile
    ['tenure_days', 116.3, { lifecycle_stage: 'customer' }, 'Customer for 3 months'],
    ['tenure_days', 1500.2, {}, 'Customer for 4 years'],
    ['lifecycle_stage', 'other', {}, 'A former customer'],
    ['company_size', 250, {}, 'Company of 250 employees'],
    ['company_industry', 'COMPUTER_SOFTWARE', {}, 'In the computer software industry'],
    ['company_industry', 'IT', {}, 'In the IT industry'],
    ['country', 'Germany', {}, 'Based in Germany'],
    ['plan', 'basic', {}, 'On the Basic plan'],
    ['plan', 'Pro plan', {}, 'On the Pro plan'],
    ['billing_period', 'monthly', {}, 'Monthly billing'],
    ['billing_period', 'annual', {}, 'Annual billing'],
    ['customer_segment', 'B2C', {}, 'Consumer (B2C)'],
    // feedback
    ['nps_last', 3, {}, 'Gave 3 out of 10 in their last NPS survey'],
    ['nps_mean', 8.4, {}, 'NPS answers average 8 out of 10'],
    ['nps_detractor_count', 2, {}, '2 low NPS answers (6 or less)'],
    ['feedback_sentiment_mean', -0.8, {}, 'Angry survey comments'],
    // account
    [
      'account_contacts_left_180d',
      2,
      { account_contacts_active: 3 },
      '2 colleagues left in 6 months, 3 still customers',
    ],
    [
      'account_contacts_left_180d',
      1,
      { account_contacts_active: 0 },
      '1 colleague left in 6 months, none still a customer',
    ],
    ['account_contacts_left_180d', 1, { account_contacts_active: null }, '1 colleague left in 6 months'],
    ['account_contacts_left_180d', 0, {}, 'No colleagues left in 6 months'],
    ['account_contacts_active', 1, {}, '1 colleague is a customer too'],
    ['account_contacts_active', 0, {}, 'No colleague is a customer'],
    ['account_tickets_90d', 4, {}, 'Colleagues opened 4 support tickets in 3 months'],
    ['account_tickets_90d', 0, {}, 'No support tickets from colleagues in 3 months'],
    [
      'account_usage_trend',
      trend(4, 24),
      {},
      "Colleagues' product use fell by about 80 % in the last 4 weeks",
    ],
    ['account_usage_trend', 0.01, {}, "Colleagues' product use steady in the last 4 weeks"],
    [
      'account_usage_per_colleague',
      12.5,
      {},
      'Colleagues use the product 13 minutes a week each (last 3 months)',
    ],
    [
      'account_usage_per_colleague',
      0,
      {},
      'Colleagues use the product 0 minutes a week each (last 3 months)',
    ],
    ['account_nps_mean', 4.5, {}, "Colleagues' NPS answers average 5 out of 10 in the last 12 months"],
    ['emails_bounced_90d', 2, { emails_sent_90d: 5 }, '2 of our 5 emails to them bounced in 3 months'],
    ['emails_bounced_90d', 1, { emails_sent_90d: 1 }, 'Our one email to them in 3 months bounced'],
    ['emails_bounced_90d', 3, {}, '3 emails to them bounced in 3 months'],
    ['emails_bounced_90d', 0, {}, 'None of our emails to them bounced in 3 months'],
  ];

  it.each(CASES)('%s = %p reads as a person would say it', (feature, value, row, expected) => {
    expect(text(feature, value, row)).toBe(expected);
  });

  it('gives every catalogue feature a phrasing of its own, never "Label: value"', () => {
    for (const f of FEATURE_CATALOGUE) {
      const said = text(f.name, FULL_ROW[f.name]!, FULL_ROW);
      expect([f.name, said.startsWith(`${f.label}:`)]).toEqual([f.name, false]);
    }
  });

  it('never writes a decimal, for any catalogue feature, whatever the decimals of the values', () => {
    const values = [
      0, 0.04, 0.25, 0.5, 0.75, 1, 1.5, 2.6, 6.9, 13.4, 27.75, 41.25, 60.5, 116.3, 376.6, 729.9, 1500.2,
    ];
    for (const f of FEATURE_CATALOGUE.filter((x) => x.type === 'numeric')) {
      for (const v of values) {
        for (const value of [v, -v]) {
          const said = text(f.name, value, FULL_ROW);
          expect([f.name, value, said, /\d\./.test(said)]).toEqual([f.name, value, said, false]);
        }
      }
    }
  });

  it('says sentiment in words, never as a number', () => {
    const sentiments = [
      'support_sentiment_mean_90d',
      'support_sentiment_worst_90d',
      'support_sentiment_trend',
      'feedback_sentiment_mean',
    ];
    for (const feature of sentiments) {
      for (const value of [-1, -0.74, -0.5, -0.3, -0.05, 0, 0.04, 0.2, 0.74, 1]) {
        const said = text(feature, value);
        // Only the window's length is a number ("over 3 months"), never the sentiment.
        const numbers = said.replace(/(in|over) (the last )?(3 months|30 days)/, '');
        expect([feature, value, said, /\d/.test(numbers)]).toEqual([feature, value, said, false]);
        expect(said).toMatch(/angry|unhappy|neutral|positive|negative|steady/i);
      }
    }
    // With ticket counts, the only numbers are the counts.
    expect(text('support_sentiment_worst_90d', -0.74, { tickets_30d: 2, tickets_90d: 5 })).toBe(
      '5 support tickets in 3 months, at least one angry',
    );
  });

  it('puts sentiment in four words', () => {
    expect([-0.9, -0.5, -0.2, -0.05, 0, 0.04, 0.05, 0.9].map(toneOf)).toEqual([
      'angry',
      'angry',
      'unhappy',
      'unhappy',
      'neutral',
      'neutral',
      'positive',
      'positive',
    ]);
  });

  it('counts durations in whole days, weeks, months or years', () => {
    const table: [number, string][] = [
      [0.3, '1 day'],
      [6.6, '7 days'],
      [13.4, '13 days'],
      [20, '3 weeks'],
      [60, '9 weeks'],
      [61, '2 months'],
      [376.6, '12 months'],
      [729, '23 months'],
      [730, '23 months'],
      [731, '2 years'],
      [1461, '4 years'],
    ];
    expect(table.map(([days]) => [days, duration(days)])).toEqual(table);
  });

  it('reads a feature it does not know (a CSV model) as "Label: value", sensibly rounded', () => {
    const csv = (feature: string, label: string, value: Reason['value']) =>
      reasonText({ feature, label, value });
    expect(csv('days_inactive', 'Days since last login', 41.25)).toBe('Days since last login: 41');
    expect(csv('weeks_active', 'Active weeks', 3.5)).toBe('Active weeks: 4');
    expect(csv('monthly_spend', 'Monthly spend', 1234.567)).toBe('Monthly spend: 1,235');
    expect(csv('rating', 'Rating', 4.26)).toBe('Rating: 4.3');
    expect(csv('ratio', 'Ratio', 0.4567)).toBe('Ratio: 0.46');
    expect(csv('seats', 'Seats', 12)).toBe('Seats: 12');
    expect(csv('contract', 'Contract', 'two-year')).toBe('Contract: two-year');
  });
});

describe('a missing value is never a reason', () => {
  const reason = (value: Reason['value']): Reason => ({ feature: 'x', label: 'X', value, contribution: 1 });

  it('knows missing values: null, empty, the category "unknown"', () => {
    expect(
      [null, '', '  ', 'unknown', 'Unknown', Number.NaN].map((v) => isMeaningfulReason(reason(v))),
    ).toEqual([false, false, false, false, false, false]);
    expect([0, -1, 'basic', 'no'].map((v) => isMeaningfulReason(reason(v)))).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  it('picks the strongest meaningful reasons each way, with their text, one text once', () => {
    const row: FeatureValues = {
      ...FULL_ROW,
      tenure_days: null,
      plan: 'unknown',
      country: '',
      purchases_365d: 0,
      days_since_last_purchase: 376.6,
    };
    const r = (feature: string, contribution: number): Reason => ({
      feature,
      label: LABELS.get(feature)!,
      value: row[feature]!,
      contribution,
    });
    // Largest push first, as scoring gives them.
    const reasons = [
      r('tenure_days', 2),
      r('plan', 1.8),
      r('days_since_last_purchase', 1.5),
      r('purchases_365d', 1.2),
      r('country', -1.1),
      r('tickets_30d', 1),
      r('usage_trend', 0.8),
      r('sessions_trend', 0.5),
      r('nps_last', -0.4),
      r('billing_period', -0.2),
    ];
    const { up, down } = pickReasons(reasons, row, 3);
    expect(up.map((x) => [x.feature, x.text])).toEqual([
      ['days_since_last_purchase', 'No purchase in 12 months'],
      ['tickets_30d', '3 support tickets in 30 days, at least one angry'],
      ['usage_trend', 'Product use fell from 25 to 0 minutes a week'],
    ]);
    expect(down.map((x) => [x.feature, x.text])).toEqual([
      ['nps_last', 'Gave 3 out of 10 in their last NPS survey'],
      ['billing_period', 'Monthly billing'],
    ]);
  });

  it('asks the model for enough candidates that missing values can be skipped', () => {
    expect(
      reasonCandidates(
        [
          { a: 1, b: null },
          { a: null, b: 'unknown', c: '' },
        ],
        3,
      ),
    ).toBe(3 * 2 + 3);
    expect(reasonCandidates([], 3)).toBe(6);
  });

  it('scores contacts without a missing value among the reasons, even when it pushes hardest', async () => {
    // The starter model, with a learned push for an unknown tenure (as trained models have).
    const starter = starterModel();
    const at = starter.encoder.features.findIndex((f) => f.name === 'tenure_days');
    const blocks = starter.encoder.blocks.map((b, i) => (i === at ? { ...b, missingFlag: true } : b));
    const predictor = starter.predictor;
    if (predictor.family !== 'logistic') throw new Error('the starter model is logistic');
    const weights = [...predictor.state.weights];
    weights.splice(at + 1, 0, 3);
    const model: TrainedModel = {
      ...starter,
      encoder: { ...starter.encoder, blocks },
      baseline: [...starter.baseline.slice(0, at + 1), 0, ...starter.baseline.slice(at + 1)],
      predictor: { ...predictor, state: { ...predictor.state, weights } },
    };
    const values: FeatureValues = {
      ...FULL_ROW,
      tenure_days: null,
      days_since_last_use: 60.4,
      usage_trend: trend(0, 25),
      tickets_90d: 5,
      tickets_30d: 5,
      support_sentiment_mean_90d: -0.6,
      nps_last: null,
      email_open_rate_90d: null,
    };
    // The unknown tenure is what the model finds strongest…
    const [raw] = await scoreRows(model, [values], { reasonsEachWay: 3 });
    expect(raw!.reasons![0]!.feature).toBe('tenure_days');
    // …and it is still not a reason.
    const [scored] = await scoreContacts(model, [{ contactId: 'c1', asOf: new Date(), values }]);
    const features = scored!.reasons.map((x) => x.feature);
    expect(features).not.toContain('tenure_days');
    expect(features).not.toContain('nps_last');
    const up = scored!.reasons.filter((x) => x.contribution > 0);
    expect(up).toHaveLength(3);
    for (const reason of scored!.reasons) {
      expect(reason.text).toBeTruthy();
      expect(reason.text).not.toMatch(/\d\./);
    }
    // Product use is said once, in the words of its strongest feature.
    expect(up.map((x) => x.text)).toContain('Last used the product 9 weeks ago');
    expect(up.map((x) => x.text)).not.toContain('Product use fell from 25 to 0 minutes a week');
  });
});

describe('one fact, one reason', () => {
  it('says "no purchase in a year" once, and the next distinct reason moves up', () => {
    const row: FeatureValues = {
      ...FULL_ROW,
      purchases_365d: 0,
      purchase_amount_365d: 0,
      days_since_last_purchase: 376.6,
    };
    const reasons = reasonsOf(row, [
      ['purchases_365d', 2.1],
      ['purchase_amount_365d', 1.9],
      ['days_since_last_purchase', 1.4],
      ['tickets_30d', 1],
      ['usage_trend', 0.8],
      ['nps_last', -0.4],
      ['billing_period', -0.2],
    ]);
    const { up, down } = pickReasons(reasons, row, 3);
    expect(texts(up)).toEqual([
      'No purchase in 12 months',
      '3 support tickets in 30 days, at least one angry',
      'Product use fell from 25 to 0 minutes a week',
    ]);
    expect(texts(down)).toEqual(['Gave 3 out of 10 in their last NPS survey', 'Monthly billing']);
  });

  // [family, the contact's values, two or more of its features pushing hardest, what the card says for them]
  const FAMILIES: [string, FeatureValues, string[], string][] = [
    [
      'purchases',
      { days_since_last_purchase: 800, purchase_amount_365d: 0, purchases_total: 0 },
      ['days_since_last_purchase', 'purchase_amount_365d', 'purchases_total'],
      'No purchase in 2 years',
    ],
    [
      'product use',
      {
        usage_minutes_per_week_4w: 0,
        days_since_last_use: 60.4,
        sessions_per_week_4w: 0,
        features_used_4w: 0,
      },
      ['usage_minutes_per_week_4w', 'days_since_last_use', 'sessions_per_week_4w', 'features_used_4w'],
      'No product use in 4 weeks',
    ],
    [
      'product sessions (logins)',
      { sessions_trend: trend(1.25, 7), sessions_per_week_4w: 1.25, usage_trend: trend(20, 90) },
      ['sessions_trend', 'usage_trend', 'sessions_per_week_4w'],
      'Product sessions fell from 7 to 1 a week',
    ],
    [
      'emails sent',
      { emails_sent_30d: 0, emails_sent_90d: 5 },
      ['emails_sent_30d', 'emails_sent_90d'],
      'No emails sent to them in 30 days',
    ],
    [
      'email opens',
      { emails_opened_90d: 0, email_open_rate_90d: 0, emails_sent_90d: 5, emails_opened_30d: 0 },
      ['emails_opened_90d', 'email_open_rate_90d', 'emails_opened_30d'],
      'Opened none of our emails in 3 months',
    ],
    [
      'email replies',
      { email_response_rate_90d: 0, emails_sent_90d: 1, days_since_last_reply: 95.27, emails_replied_90d: 0 },
      ['email_response_rate_90d', 'days_since_last_reply', 'emails_replied_90d'],
      'Did not answer our one email in 3 months',
    ],
    [
      'support tickets',
      {
        tickets_30d: 3,
        tickets_90d: 5,
        support_sentiment_worst_90d: -0.74,
        support_sentiment_mean_90d: -0.6,
      },
      ['tickets_30d', 'support_sentiment_worst_90d', 'support_sentiment_mean_90d'],
      '3 support tickets in 30 days (5 in 3 months), at least one angry',
    ],
    [
      'email opens (the streak of unopened ones)',
      { emails_unopened_in_a_row: 7, days_since_last_open: 120.2, emails_opened_90d: 0 },
      ['emails_unopened_in_a_row', 'days_since_last_open', 'emails_opened_90d'],
      'Our last 7 emails to them went unopened',
    ],
    [
      'product use against their usual',
      { usage_vs_own_baseline: trend(5, 45), usage_minutes_per_week_4w: 5, usage_trend: trend(5, 20) },
      ['usage_vs_own_baseline', 'usage_trend', 'usage_minutes_per_week_4w'],
      'Product use fell to 5 minutes a week from their usual 45 minutes',
    ],
    [
      'NPS',
      { nps_last: 3, nps_detractor_count: 2, nps_mean: 4.5 },
      ['nps_last', 'nps_detractor_count', 'nps_mean'],
      'Gave 3 out of 10 in their last NPS survey',
    ],
    [
      'colleagues leaving',
      { account_contacts_left_180d: 2, account_contacts_active: 1 },
      ['account_contacts_left_180d', 'account_contacts_active'],
      '2 colleagues left in 6 months, 1 still a customer',
    ],
  ];

  it.each(FAMILIES)('says %s once, then the next distinct reason', (_, values, features, said) => {
    const row: FeatureValues = { ...FULL_ROW, ...values };
    const pushes = features.map((f, i): [string, number] => [f, 2 - i * 0.1]);
    const reasons = reasonsOf(row, [...pushes, ['tickets_open', 1], ['days_to_next_renewal', 0.5]]);
    expect(texts(pickReasons(reasons, row, 2).up)).toEqual([said, '2 support tickets open']);
  });

  it('says the open tickets once, in the words of the stronger of the two counts', () => {
    const reasons = reasonsOf(FULL_ROW, [
      ['tickets_open_over_7d', 1.5],
      ['tickets_open', 1.2],
      ['nps_last', 1],
    ]);
    expect(texts(pickReasons(reasons, FULL_ROW, 2).up)).toEqual([
      '1 support ticket open for over a week',
      'Gave 3 out of 10 in their last NPS survey',
    ]);
  });

  it('never says one fact both raising and lowering the risk', () => {
    const row: FeatureValues = { ...FULL_ROW, purchases_365d: 0, purchase_amount_365d: 0 };
    const reasons = reasonsOf(row, [
      ['purchases_365d', 1.5],
      ['purchase_amount_365d', -0.9],
      ['tickets_open', 0.6],
      ['nps_last', -0.4],
    ]);
    const { up, down } = pickReasons(reasons, row, 3);
    expect(texts(up)).toEqual(['No purchase in 12 months', '2 support tickets open']);
    expect(texts(down)).toEqual(['Gave 3 out of 10 in their last NPS survey']);
  });

  it('shows the same distinct reasons on the card, in the at-risk list and in the CRM field', async () => {
    // A logistic model pushing seven features of two facts harder than anything else.
    const pushes: { name: string; normal: number; unit: number; weight: number }[] = [
      { name: 'purchases_365d', normal: 2, unit: 1, weight: -1.2 },
      { name: 'purchase_amount_365d', normal: 5000, unit: 2500, weight: -1.1 },
      { name: 'days_since_last_purchase', normal: 90, unit: 90, weight: 0.6 },
      { name: 'usage_trend', normal: 0, unit: 1, weight: -0.35 },
      { name: 'days_since_last_use', normal: 7, unit: 14, weight: 0.4 },
      { name: 'usage_minutes_per_week_4w', normal: 60, unit: 30, weight: -0.7 },
      { name: 'sessions_per_week_4w', normal: 3, unit: 1, weight: -0.5 },
      { name: 'tickets_30d', normal: 0, unit: 1, weight: 0.3 },
      { name: 'days_to_next_renewal', normal: 180, unit: 30, weight: -0.1 },
      { name: 'email_open_rate_90d', normal: 0.3, unit: 0.1, weight: -0.1 },
    ];
    const starter = starterModel();
    if (starter.predictor.family !== 'logistic') throw new Error('the starter model is logistic');
    const model: TrainedModel = {
      ...starter,
      isStarter: false,
      encoder: {
        features: pushes.map((p) => ({ name: p.name, kind: 'numeric' as const, label: LABELS.get(p.name)! })),
        blocks: pushes.map((p) => ({
          type: 'number' as const,
          column: p.name,
          median: p.normal,
          mean: p.normal,
          scale: p.unit,
          missingFlag: false,
        })),
      },
      baseline: pushes.map(() => 0),
      predictor: {
        ...starter.predictor,
        state: { ...starter.predictor.state, weights: pushes.map((p) => p.weight) },
      },
    };
    const values: FeatureValues = {
      ...FULL_ROW,
      purchases_365d: 0,
      purchase_amount_365d: 0,
      days_since_last_purchase: 376.6,
      days_since_last_use: 60.4,
    };
    const [scored] = await scoreContacts(model, [{ contactId: 'c1', asOf: new Date(), values }]);
    const stored = scored!.reasons;
    const shown = [
      'No purchase in 12 months',
      'Product use fell from 25 to 0 minutes a week',
      '3 support tickets in 30 days, at least one angry',
    ];

    expect(cardReasons(stored).map((x) => [x.direction, x.text])).toEqual(shown.map((t) => ['raises', t]));
    expect(topReasons(stored).map((x) => x.text)).toEqual(shown);
    expect(crmReasons(stored, scored!.probability)).toBe(shown.join('; '));
  });
});

describe('who the customer is is never a reason', () => {
  /** The contact of the open issue: three angry tickets, all urgent, based in Singapore. */
  const ROW: FeatureValues = {
    ...FULL_ROW,
    country: 'Singapore',
    tickets_30d: 3,
    tickets_90d: 4,
    tickets_high_priority_share_90d: 1,
  };

  it('knows the identity-like features: country, industry, company size, segment', () => {
    const shown = (feature: string) =>
      isMeaningfulReason({ feature, value: ROW[feature]! as Reason['value'] });
    expect(['country', 'company_industry', 'company_size', 'customer_segment'].map(shown)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    // What the customer chose or does stays a reason.
    expect(['plan', 'billing_period', 'tenure_days', 'tickets_30d'].map(shown)).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  it('leaves country, industry and size out, and the next reason moves up', () => {
    const reasons = reasonsOf(ROW, [
      ['tickets_30d', 1.5],
      ['country', 1.2],
      ['tickets_high_priority_share_90d', 0.9],
      ['company_industry', 0.7],
      ['customer_segment', -0.6],
      ['usage_trend', 0.5],
      ['company_size', 0.45],
      ['nps_last', -0.4],
      ['days_to_next_renewal', 0.3],
    ]);
    const { up, down, identity } = pickReasons(reasons, ROW, 3);
    expect(texts(up)).toEqual([
      '3 support tickets in 30 days (4 in 3 months), at least one angry',
      'All 4 support tickets in 3 months were urgent',
      'Product use fell from 25 to 0 minutes a week',
    ]);
    expect(texts(down)).toEqual(['Gave 3 out of 10 in their last NPS survey']);
    // Kept apart for the Model page: those that rank among the three strongest of their way.
    expect(identity.map((x) => [x.feature, x.text])).toEqual([
      ['country', 'Based in Singapore'],
      ['customer_segment', 'Business customer (B2B)'],
    ]);
  });

  it('asks the model for one more candidate each way per identity-like feature', () => {
    expect(reasonCandidates([{ a: 1, country: 'Germany', company_size: 20 }], 3)).toBe(3 * 2 + 2);
  });

  it('shows none on the card, in the at-risk list or in the CRM field, and keeps it with the score', async () => {
    // A logistic model pushing "Based in Singapore" harder than anything else.
    const numbers: { name: string; normal: number; unit: number; weight: number }[] = [
      { name: 'tickets_30d', normal: 0, unit: 1, weight: 0.3 },
      { name: 'tickets_high_priority_share_90d', normal: 0, unit: 0.25, weight: 0.15 },
      { name: 'usage_trend', normal: 0, unit: 1, weight: -0.1 },
      { name: 'company_size', normal: 50, unit: 100, weight: 0.4 },
    ];
    const starter = starterModel();
    if (starter.predictor.family !== 'logistic') throw new Error('the starter model is logistic');
    const model: TrainedModel = {
      ...starter,
      isStarter: false,
      encoder: {
        features: [
          ...numbers.map((p) => ({ name: p.name, kind: 'numeric' as const, label: LABELS.get(p.name)! })),
          { name: 'country', kind: 'categorical', label: 'Country', identity: true },
        ],
        blocks: [
          ...numbers.map((p) => ({
            type: 'number' as const,
            column: p.name,
            median: p.normal,
            mean: p.normal,
            scale: p.unit,
            missingFlag: false,
          })),
          { type: 'onehot', column: 'country', levels: ['Singapore'] },
        ],
      },
      baseline: [...numbers.map(() => 0), 0],
      predictor: {
        ...starter.predictor,
        state: { ...starter.predictor.state, weights: [...numbers.map((p) => p.weight), 2] },
      },
    };
    const [scored] = await scoreContacts(model, [{ contactId: 'c1', asOf: new Date(), values: ROW }]);
    const stored = scored!.reasons;
    const shown = [
      '3 support tickets in 30 days (4 in 3 months), at least one angry',
      'All 4 support tickets in 3 months were urgent',
      'Product use fell from 25 to 0 minutes a week',
    ];
    expect(stored.map((x) => x.feature)).toEqual(
      expect.arrayContaining(['country', 'company_size', 'tickets_30d']),
    );
    expect(cardReasons(stored).map((x) => x.text)).toEqual(shown);
    expect(topReasons(stored).map((x) => x.text)).toEqual(shown);
    expect(crmReasons(stored, scored!.probability)).toBe(shown.join('; '));
  });
});

describe('numbers in reasons', () => {
  it('shows whole days and counts with separators, and a value rounding to nothing as 0, not -0', () => {
    expect(roundForDisplay(12_345.4, true)).toBe('12,345');
    expect(roundForDisplay(-0.4, true)).toBe('0');
    expect(roundForDisplay(-0.04, false)).toBe('-0.04');
    expect(roundForDisplay(3.456, false)).toBe('3.5');
    expect(roundForDisplay(0.456, false)).toBe('0.46');
  });
});

describe('a level set against a typical customer', () => {
  const TYPICAL = new Map([
    ['session_minutes_12w', 12.4],
    ['usage_minutes_per_week_4w', 45],
    ['sessions_per_week_4w', 4.6],
    ['features_used_4w', 6],
  ]);
  const against = (feature: string, value: number, typical: ReadonlyMap<string, number> = TYPICAL) =>
    reasonText({ feature, label: LABELS.get(feature)!, value }, { [feature]: value }, typical);

  it.each([
    ['features_used_4w', 3, 'Used 3 product features in 4 weeks, against 6 for a typical customer'],
    [
      'session_minutes_12w',
      3.2,
      'Sessions lasted about 3 minutes in the last 12 weeks, against 12 for a typical customer',
    ],
    [
      'session_minutes_12w',
      150,
      'Sessions lasted about 3 hours in the last 12 weeks, against 12 minutes for a typical customer',
    ],
    [
      'session_minutes_12w',
      11.8,
      'Sessions lasted about 12 minutes in the last 12 weeks, as for a typical customer',
    ],
    [
      'usage_minutes_per_week_4w',
      10,
      'Uses the product 10 minutes a week, against 45 for a typical customer',
    ],
    ['sessions_per_week_4w', 2.1, 'Uses the product 2 times a week, against 5 for a typical customer'],
    [
      'sessions_per_week_4w',
      0.25,
      'Used the product once in 4 weeks, against 5 times a week for a typical customer',
    ],
    [
      'sessions_per_week_4w',
      1,
      'Uses the product about once a week, against 5 times a week for a typical customer',
    ],
  ])('%s = %p reads "%s"', (feature, value, expected) => {
    expect(against(feature, value)).toBe(expected);
  });

  it('says no typical level where there is nothing to compare or the model knows none', () => {
    expect(against('usage_minutes_per_week_4w', 0)).toBe('No product use in 4 weeks');
    expect(against('sessions_per_week_4w', 0)).toBe('No product sessions in 4 weeks');
    expect(against('session_minutes_12w', 3.2, new Map())).toBe(
      'Sessions lasted about 3 minutes in the last 12 weeks',
    );
    expect(against('features_used_4w', 4, new Map([['features_used_4w', 1]]))).toBe(
      'Used 4 product features in 4 weeks, against 1 product feature for a typical customer',
    );
    expect(against('usage_minutes_per_week_4w', 10, new Map([['usage_minutes_per_week_4w', 0]]))).toBe(
      'Uses the product 10 minutes a week, against none for a typical customer',
    );
    expect(against('sessions_per_week_4w', 2, new Map([['sessions_per_week_4w', 0]]))).toBe(
      'Uses the product 2 times a week, against none for a typical customer',
    );
    expect(against('sessions_per_week_4w', 2, new Map([['sessions_per_week_4w', 0.3]]))).toBe(
      'Uses the product 2 times a week, against less than once a week for a typical customer',
    );
  });

  it('takes the typical level from the training rows that had a value, and a trained model’s reasons say it', async () => {
    // Short sessions go with churn; a customer without sessions has no session length.
    const rows = Array.from({ length: 400 }, (_, i) => {
      const churned = i % 4 === 0;
      const minutes = i % 10 === 9 ? null : churned ? 2 + (i % 3) : 10 + (i % 7);
      return { session_minutes_12w: minutes, tickets_90d: i % 5, label: churned ? 1 : 0 };
    });
    const present = rows
      .map((r) => r.session_minutes_12w)
      .filter((m): m is number => m !== null)
      .sort((a, b) => a - b);
    const median = (present[(present.length - 1) >> 1]! + present[present.length >> 1]!) / 2;
    const features = FEATURE_CATALOGUE.filter(
      (f) => f.name === 'session_minutes_12w' || f.name === 'tickets_90d',
    );
    const dataset = datasetFromRecords(rows, {
      features: features.map((f) => ({ name: f.name, kind: 'numeric', label: f.label })),
      label: 'label',
    });
    const model = await trainModel(dataset, { families: ['logistic'], seed: 3 });
    expect(trainingMedians(model.encoder).get('session_minutes_12w')).toBe(median);

    const [scored] = await scoreContacts(model, [
      { contactId: 'c1', asOf: new Date(), values: { session_minutes_12w: 2.2, tickets_90d: 1 } },
    ]);
    const session = scored!.reasons.find((r) => r.feature === 'session_minutes_12w');
    expect(session?.contribution).toBeGreaterThan(0);
    expect(session?.text).toBe(
      `Sessions lasted about 2 minutes in the last 12 weeks, against ${Math.round(median)} for a typical customer`,
    );
    // The starter model has no customers of its own to compare with.
    const [starter] = await scoreContacts({ ...model, isStarter: true }, [
      { contactId: 'c1', asOf: new Date(), values: { session_minutes_12w: 2.2, tickets_90d: 1 } },
    ]);
    expect(starter!.reasons.find((r) => r.feature === 'session_minutes_12w')?.text).toBe(
      'Sessions lasted about 2 minutes in the last 12 weeks',
    );
  });
});
