import { describe, expect, it } from '@jest/globals';
import type { Reason } from '../../server/model/index.js';
import { recommendAction } from '../../server/scoring/recommendation.js';

const reason = (feature: string, label: string, value: Reason['value'], contribution: number): Reason => ({
  feature,
  label,
  value,
  contribution,
});

describe('the recommended action', () => {
  it('sends open tickets to a proactive support call, naming the count', () => {
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
      because: 'Tickets open now: 3',
    });
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
    expect(rec.because).toBe('Usage trend: -0.46');
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

  it('falls back on an offer for a high risk no rule explains', () => {
    const rec = recommendAction([reason('country', 'Country', null, 0.4)], 'high');
    expect(rec).toEqual({ play: 'retention_offer', title: 'Retention offer', because: 'Country (unknown)' });
  });
});
