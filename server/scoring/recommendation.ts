/**
 * The next best action for a contact, read from the reasons of its score: the strongest reason
 * raising the risk decides which retention play fits ("3 open tickets → proactive support call").
 * The card and the at-risk list both show it, so it lives here, once.
 */
import type { Reason } from '../model/index.js';
import { isMeaningfulReason, reasonText } from './reason-text.js';

export type RetentionPlay =
  | 'proactive_support'
  | 'adoption_check_in'
  | 'relationship_call'
  | 'feedback_survey'
  | 'renewal_offer'
  | 'retention_offer'
  | 'loyalty_reward'
  | 'monitor';

export interface Recommendation {
  play: RetentionPlay;
  /** What to do, in a few words. */
  title: string;
  /** Why, tied to the reason it came from: "3 open tickets". */
  because: string;
}

type Tier = 'low' | 'medium' | 'high';

interface Rule {
  play: RetentionPlay;
  title: string;
  matches: (feature: string) => boolean;
}

const RULES: readonly Rule[] = [
  {
    play: 'proactive_support',
    title: 'Proactive support call',
    matches: (f) =>
      f.startsWith('tickets_') ||
      f.startsWith('ticket_') ||
      f.startsWith('support_') ||
      f === 'account_tickets_90d',
  },
  {
    play: 'adoption_check_in',
    title: 'Adoption check-in: walk them through the product',
    matches: (f) =>
      f.startsWith('sessions_') ||
      f.startsWith('session_') ||
      f.startsWith('usage_') ||
      f === 'features_used_4w' ||
      f === 'days_since_last_use' ||
      f === 'account_usage_trend' ||
      f === 'account_usage_per_colleague',
  },
  {
    play: 'feedback_survey',
    title: 'Ask for feedback, then follow up personally',
    matches: (f) => f.startsWith('nps_') || f.startsWith('feedback_') || f === 'account_nps_mean',
  },
  {
    play: 'renewal_offer',
    title: 'Renewal conversation with an offer',
    matches: (f) => f === 'days_to_next_renewal' || f === 'billing_period',
  },
  {
    play: 'relationship_call',
    title: 'Personal call from the owner',
    // Colleagues leaving the account: the owner reaches whoever still decides there.
    matches: (f) =>
      f.startsWith('email') ||
      f.startsWith('emails_') ||
      f.startsWith('days_since_last_') ||
      f.startsWith('account_contacts_'),
  },
  {
    play: 'retention_offer',
    title: 'Retention offer',
    matches: (f) => f.startsWith('purchase') || f === 'days_since_last_purchase' || f === 'plan',
  },
];

/**
 * A reason in a few words, with the customer's value: "3 support tickets open". The text phrased
 * at scoring time (with the contact's whole feature row) when the reason has one; otherwise the
 * reason's own value in the same plain words (scores stored before reasons had their text).
 */
export function describeReason(reason: Reason): string {
  return reason.text ?? reasonText(reason);
}

/**
 * The play for a contact with these reasons (any order) at this tier. Low-risk contacts get
 * `monitor`, or a loyalty reward when nothing raises their risk at all.
 */
export function recommendAction(reasons: readonly Reason[], tier: Tier): Recommendation {
  // A missing value is never a reason (scores stored before this rule may still hold one).
  const raising = reasons
    .filter((r) => r.contribution > 0 && isMeaningfulReason(r))
    .sort((a, b) => b.contribution - a.contribution);
  if (tier === 'low') {
    return raising.length === 0
      ? {
          play: 'loyalty_reward',
          title: 'Thank them with a loyalty reward',
          because: 'Nothing raises the risk',
        }
      : {
          play: 'monitor',
          title: 'No action needed; keep an eye on it',
          because: describeReason(raising[0]!),
        };
  }
  for (const reason of raising) {
    const rule = RULES.find((r) => r.matches(reason.feature));
    if (rule) return { play: rule.play, title: rule.title, because: describeReason(reason) };
  }
  const top = raising[0];
  return tier === 'high'
    ? {
        play: 'retention_offer',
        title: 'Retention offer',
        because: top ? describeReason(top) : 'High churn risk',
      }
    : {
        play: 'relationship_call',
        title: 'Personal call from the owner',
        because: top ? describeReason(top) : 'Medium churn risk',
      };
}
