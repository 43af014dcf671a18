import { describe, expect, it } from '@jest/globals';
import type { Reason } from '../../server/model/index.js';
import { describeReason, recommendAction } from '../../server/scoring/recommendation.js';

const reason = (feature: string, label: string, value: Reason['value'], contribution: number): Reason => ({
  feature,
  label,
  value,
  contribution,
});

describe('the recommended action', () => {
  it('sends open tickets to a proactive support call, naming the count in plain words', () => {
    const rec = recommendAction(
      [
        reason('tenure_days', 'Days as a customer', 40, 0.2),
        reason('tickets_open', 'Tickets open now', 3, 0.9),
        reason('sessions_per_week_4w', 'Sessions per week', 5, -0.4),
      ],
      'high',
    );
    expect(rec).toEqual({
      play: 'proactive_support',
      title: 'Proactive support call',
      because: '3 support tickets open',
    });
  });

  it('gives as its reason the text phrased at scoring time, with the whole feature row', () => {
    const fell = {
      ...reason('usage_trend', 'Usage trend', -4.7, 0.9),
      text: 'Product use fell from 25 to 0 minutes a week',
    };
    expect(recommendAction([fell], 'high').because).toBe('Product use fell from 25 to 0 minutes a week');
    expect(describeReason(fell)).toBe('Product use fell from 25 to 0 minutes a week');
  });

  it('phrases a reason stored without a text from its own value: no decimals of days, no raw sentiment', () => {
    expect(
      describeReason(reason('days_since_last_purchase', 'Days since their last purchase', 376.6, 1)),
    ).toBe('No purchase in 12 months');
    expect(describeReason(reason('tenure_days', 'Days as a customer', 116.4, -1))).toBe(
      'Customer for 3 months',
    );
    expect(
      describeReason(
        reason('support_sentiment_worst_90d', 'Most negative support message, last 90 days', -0.74, 1),
      ),
    ).toBe('An angry message to support in 3 months');
    expect(describeReason(reason('days_inactive', 'Days since last login', 41.25, 1))).toBe(
      'Days since last login: 41',
    );
  });

  it('follows the strongest raising reason, not one that lowers the risk', () => {
    const rec = recommendAction(
      [
        reason('tickets_open', 'Tickets open now', 0, -1.5),
        reason('usage_trend', 'Usage trend', -0.456, 0.7),
      ],
      'medium',
    );
    expect(rec.play).toBe('adoption_check_in');
    expect(rec.because).toBe('Product use fell by about 27 % in the last 4 weeks');
  });

  it('proposes a renewal conversation when the renewal drives the risk', () => {
    expect(recommendAction([reason('days_to_next_renewal', 'Days to renewal', 21, 0.8)], 'high').play).toBe(
      'renewal_offer',
    );
  });

  it('asks nothing of advisors for low-risk contacts', () => {
    expect(recommendAction([reason('tickets_open', 'Tickets open now', 1, 0.1)], 'low').play).toBe('monitor');
    expect(recommendAction([reason('tickets_open', 'Tickets open now', 0, -0.3)], 'low').play).toBe(
      'loyalty_reward',
    );
  });

  it("reads the account's signals: colleagues leaving, their tickets, their use", () => {
    const play = (feature: string, value: number) =>
      recommendAction([reason(feature, feature, value, 0.6)], 'high').play;
    expect(play('account_contacts_left_180d', 2)).toBe('relationship_call');
    expect(play('account_tickets_90d', 5)).toBe('proactive_support');
    expect(play('account_usage_trend', -2)).toBe('adoption_check_in');
    expect(
      recommendAction([reason('account_contacts_left_180d', 'Colleagues', 2, 0.6)], 'high').because,
    ).toBe('2 colleagues left in 6 months');
  });

  it('reads the disengagement signals: a streak of unopened emails, a waiting backlog, use below their usual', () => {
    const recommend = (feature: string, value: number) =>
      recommendAction([reason(feature, feature, value, 0.6)], 'high');
    expect(recommend('emails_unopened_in_a_row', 6)).toEqual({
      play: 'relationship_call',
      title: 'Personal call from the owner',
      because: 'Our last 6 emails to them went unopened',
    });
    expect(recommend('tickets_open_over_7d', 2)).toMatchObject({
      play: 'proactive_support',
      because: '2 support tickets open for over a week',
    });
    expect(recommend('usage_vs_own_baseline', -2).play).toBe('adoption_check_in');
    expect(recommend('session_minutes_vs_usual', -1)).toMatchObject({
      play: 'adoption_check_in',
      because: 'Sessions about 50 % shorter than their usual in the last 4 weeks',
    });
  });

  it('falls back on an offer for a high risk no rule explains', () => {
    const rec = recommendAction([reason('tenure_days', 'Days as a customer', 40, 0.4)], 'high');
    expect(rec).toEqual({
      play: 'retention_offer',
      title: 'Retention offer',
      because: 'Customer for 6 weeks',
    });
  });

  it('never gives who the customer is as the reason', () => {
    const rec = recommendAction(
      [reason('country', 'Country', 'Narnia', 0.9), reason('tenure_days', 'Days as a customer', 40, 0.4)],
      'high',
    );
    expect(rec.because).toBe('Customer for 6 weeks');
    expect(recommendAction([reason('company_industry', 'Industry', 'RETAIL', 0.9)], 'medium').because).toBe(
      'Medium churn risk',
    );
  });

  it('never gives a missing value as the reason', () => {
    const rec = recommendAction(
      [
        reason('country', 'Country', null, 0.9),
        reason('plan', 'Plan', 'unknown', 0.8),
        reason('days_since_last_use', 'Days since they last used the product', null, 0.7),
      ],
      'high',
    );
    expect(rec).toEqual({ play: 'retention_offer', title: 'Retention offer', because: 'High churn risk' });
    expect(recommendAction([reason('tenure_days', 'Days as a customer', null, 0.5)], 'low').play).toBe(
      'loyalty_reward',
    );
  });
});
