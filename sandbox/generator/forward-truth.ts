/**
 * The hidden churn process continued past the end of the history, for the truth only: who of the
 * customers still undecided at `now` would decide to leave within the next FORWARD_DAYS. The weeks
 * evolve as in simulate.ts (engagement drift, satisfaction, tickets, ignored emails, tenure and
 * renewals feed the same weekly probability), but nothing they would produce is written: the CRM,
 * its usage events and the draws that made them stay as they are. Each customer draws from its own
 * stream, so the forward truth is fixed by the seed and changes nothing else.
 */
import { weeklyChurnProbability } from './churn-process.js';
import { DAY_MS, WEEK_MS, type CustomerProfile } from './profile.js';
import { sigmoid, type Random } from './random.js';
import { priorityFor, weeksToRenewal, type ProcessAtNow } from './simulate.js';
import type { Tone } from './ticket-text.js';

/** The span after `now` the forward truth covers: the product's prediction horizon. */
export const FORWARD_DAYS = 90;

export interface ForwardChurn {
  /** When the customer decides to leave within FORWARD_DAYS of `now`, else null. */
  decidedAt: number | null;
  /** When the CRM would show that decision (14 to 56 days later, as in the history), else null. */
  visibleAt: number | null;
}

/** Runs the weeks from `atNow.nextWeek` to `now + FORWARD_DAYS`; `atNow` is left as it was. */
export function continueChurnProcess(
  rng: Random,
  profile: CustomerProfile,
  atNow: ProcessAtNow,
  now: number,
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
    const ticketChance =
      0.05 *
      Math.exp(-0.25 * profile.fit - 0.5 * state.satisfaction) *
      (0.5 + (0.5 * Math.min(sessions, 4)) / 2);
    if (rng.chance(ticketChance)) {
      const angry = sigmoid(-2.0 - 1.8 * state.satisfaction + 0.4 * state.staleOpenTickets);
      const positive = sigmoid(-1.2 + 1.4 * state.satisfaction);
      const roll = rng.next();
      const tone: Tone =
        roll < angry ? 'angry' : roll < angry + positive * (1 - angry) ? 'positive' : 'neutral';
      const priority = priorityFor(rng, tone);
      const stuck = rng.chance(tone === 'angry' ? 0.16 : 0.07);
      const hours = stuck ? rng.logNormal(400, 0.6) : rng.logNormal(priority === 'URGENT' ? 5 : 20, 1.0);
      const reopened = rng.chance(tone === 'angry' ? 0.22 : 0.08) ? rng.int(1, 2) : 0;
      const createdAt = t + rng.next() * span;
      openTickets.push({ createdAt, closedAt: createdAt + hours * 3_600_000 * (1 + 0.6 * reopened) });
      if (tone === 'angry') state.angryRecent += 1;
      state.satisfaction += tone === 'angry' ? -0.3 : hours < 24 && !stuck ? 0.08 : 0;
      if (stuck) state.satisfaction -= 0.25;
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

    if (rng.chance(weeklyChurnProbability(state, rng.normal(0, 0.2)))) {
      const decidedAt = t + rng.next() * span;
      return { decidedAt, visibleAt: decidedAt + rng.uniform(14, 56) * DAY_MS };
    }
  }
  return { decidedAt: null, visibleAt: null };
}
