/**
 * Plan changes a customer's history holds. Some who decided to leave move to a cheaper plan
 * first, between the decision and the day the CRM shows the churn (a month or so before leaving);
 * a few others move up or down at some point in their years as customers. The contact holds the
 * last plan and the CRM's history the change, so a reader who takes today's plan for a past date
 * sees a downgrade that had not happened yet.
 *
 * Drawn from a stream of its own, so the rest of a generated portal is the same with or without
 * the changes.
 */
import { DAY_MS, PLANS, type CustomerProfile } from './profile.js';
import type { Random } from './random.js';
import type { Story } from './simulate.js';

export interface PlanChange {
  from: string;
  to: string;
  at: number;
}

/** Of those who decided to leave on a plan above the cheapest, the share who downgrade first. */
const DOWNGRADE_BEFORE_LEAVING = 0.4;
/** Of everyone else, the share whose plan changes once while a customer (up, or down from the top). */
const OTHER_CHANGE = 0.06;

export function planChange(
  rng: Random,
  profile: CustomerProfile,
  story: Story,
  now: number,
): PlanChange | null {
  const plans = PLANS[profile.segment];
  const from = plans[profile.tier][0];
  const leftAt = story.visibleAt !== null ? Math.min(story.visibleAt, now) : now;
  const downgradeFirst = rng.chance(DOWNGRADE_BEFORE_LEAVING);
  const other = rng.chance(OTHER_CHANGE);
  const when = rng.next();
  if (story.decidedAt !== null && profile.tier > 0 && downgradeFirst) {
    const at = story.decidedAt + when * 0.7 * (leftAt - story.decidedAt);
    if (at < now) return { from, to: plans[profile.tier - 1]![0], at };
  }
  if (!other) return null;
  // Before any decision to leave: a customer on the way out does not move up.
  const earliest = profile.since + 60 * DAY_MS;
  const latest = Math.min(story.decidedAt ?? leftAt, leftAt);
  if (earliest >= latest) return null;
  const to = plans[profile.tier < 2 ? profile.tier + 1 : profile.tier - 1]![0];
  return { from, to, at: earliest + when * (latest - earliest) };
}
