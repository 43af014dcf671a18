/**
 * The hidden churn process continued past the end of the history, for the truth only: who of the
 * customers still undecided at `now` would decide to leave within the next FORWARD_DAYS. The weeks
 * evolve as in simulate.ts (engagement drift, satisfaction, tickets, ignored emails, tenure and
 * renewals feed the same weekly probability), but nothing they would produce is written: the CRM,
 * its usage events and the draws that made them stay as they are. Each customer draws from its own
 * stream, so the forward truth is fixed by the seed and changes nothing else. When churn is decided
 * per account, the same weeks only report the customer's weekly probability, and the account
 * decides (account-churn.ts).
 */
import { weeklyChurnProbability } from './churn-process.js';
import { DAY_MS, WEEK_MS, type CustomerProfile } from './profile.js';
import { sigmoid, type Random } from './random.js';
import { drawTicket, feelTicket, ticketChance, weeksToRenewal, type ProcessAtNow } from './simulate.js';

/** The span after `now` the forward truth covers: the product's prediction horizon. */
export const FORWARD_DAYS = 90;

export interface ForwardChurn {
  /** When the customer decides to leave within FORWARD_DAYS of `now`, else null. */
  decidedAt: number | null;
  /** When the CRM would show that decision (14 to 56 days later, as in the history), else null. */
  visibleAt: number | null;
}

/**
 * Runs the weeks from `atNow.nextWeek` to `now + FORWARD_DAYS`; `atNow` is left as it was. With
 * `onWeek`, each week's probability goes to it and the customer never decides on its own (the
 * account does): the result is then no decision.
 */
export function continueChurnProcess(
  rng: Random,
  profile: CustomerProfile,
  atNow: ProcessAtNow,
  now: number,
  onWeek?: (weekStart: number, probability: number) => void,
): ForwardChurn {
  const end = now + FORWARD_DAYS * DAY_MS;
  const state = { ...atNow.state };
  const openTickets = [...atNow.openTickets];
  let lastRenewalReminder = atNow.lastRenewalReminder;

  for (let t = atNow.nextWeek; t < end; t += WEEK_MS) {
    state.tenureWeeks = (t - profile.since) / WEEK_MS;
    state.weeksToRenewal = weeksToRenewal(profile, t);
    const span = Math.min(WEEK_MS, end - t);

    state.drift = 0.985 * state.drift + rng.normal(0, 0.08);
    const onboarding =
      state.tenureWeeks < 8 ? -0.7 * (1 - atNow.onboardingQuality) * (1 - state.tenureWeeks / 8) : 0;
    const engagement = state.baseEngagement + state.drift + onboarding;
    state.satisfaction = 0.94 * state.satisfaction + 0.06 * 0.6 * profile.fit + rng.normal(0, 0.12);
    state.angryRecent *= 0.85;
    const sessions = rng.poisson(Math.min(8, 0.55 * Math.exp(0.8 * engagement)));

    state.staleOpenTickets = 0;
    for (const ticket of openTickets) {
      if (ticket.createdAt < t - WEEK_MS && ticket.closedAt > t) {
        state.staleOpenTickets++;
        state.satisfaction -= 0.05;
      }
    }
    if (rng.chance(ticketChance(profile, state, sessions))) {
      const ticket = drawTicket(rng, state, t, span);
      openTickets.push({ createdAt: ticket.createdAt, closedAt: ticket.closedAt });
      feelTicket(state, ticket);
    }

    // Only whether an email goes out and is opened moves the process (the ignored streak).
    const renewalWeeks = state.weeksToRenewal;
    let sent = state.tenureWeeks < 2;
    if (!sent && renewalWeeks !== null && renewalWeeks <= 5 && t - lastRenewalReminder > 20 * WEEK_MS) {
      sent = true;
      lastRenewalReminder = t;
    } else if (!sent) sent = rng.chance(0.1);
    if (sent) {
      const bounced = rng.chance(0.015);
      const opened = !bounced && rng.chance(sigmoid(-0.1 + 1.6 * engagement + 0.5 * state.satisfaction));
      state.ignoredStreak = bounced ? state.ignoredStreak : opened ? 0 : state.ignoredStreak + 1;
    }

    const probability = weeklyChurnProbability(state, rng.normal(0, 0.2));
    if (onWeek) {
      onWeek(t, probability);
      continue;
    }
    if (rng.chance(probability)) {
      const decidedAt = t + rng.next() * span;
      return { decidedAt, visibleAt: decidedAt + rng.uniform(14, 56) * DAY_MS };
    }
  }
  return { decidedAt: null, visibleAt: null };
}
