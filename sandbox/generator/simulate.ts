/**
 * One customer's life, week by week: latent engagement and satisfaction evolve; they drive product
 * usage, tickets, email opens and replies, NPS answers and, through the hidden churn process, the
 * decision to leave. Once decided, behaviour changes at once (usage collapses, emails go unread);
 * the CRM shows the churn only weeks later. Output is a small per-customer story; usage events,
 * the bulk of the data, stream straight to a callback. When churn is decided per account
 * (account-churn.ts), the account steers the decision instead of the customer's own weekly draw.
 */
import { annualised, riskDrivers, weeklyChurnProbability, type RiskState } from './churn-process.js';
import type { OutgoingKind } from './email-text.js';
import { DAY_MS, WEEK_MS, type CustomerProfile } from './profile.js';
import { sigmoid, type Random } from './random.js';
import type { Tone } from './ticket-text.js';

export type Priority = 'LOW' | 'MEDIUM' | 'HIGH' | 'URGENT';

export interface StoryEmail {
  sentAt: number;
  kind: OutgoingKind;
  bounced: boolean;
  openedAt: number | null;
  /** The customer's answer, if any, becomes an incoming email. */
  reply: { at: number; tone: Tone } | null;
}

export interface StoryTicket {
  createdAt: number;
  closedAt: number | null;
  priority: Priority;
  tone: Tone;
  reopened: number;
  cancelling: boolean;
}

export interface StoryFeedback {
  at: number;
  score: number;
}

export interface Story {
  emails: StoryEmail[];
  tickets: StoryTicket[];
  feedback: StoryFeedback[];
  decidedAt: number | null;
  visibleAt: number | null;
  risk: number;
  drivers: Record<string, number>;
  /** Where an undecided customer's process stands at `now`, to continue it (forward-truth.ts). */
  atNow: ProcessAtNow | null;
}

/** The hidden state an undecided customer's weekly process carries from one week to the next. */
export interface ProcessAtNow {
  state: RiskState;
  /** The start of the first week not simulated. */
  nextWeek: number;
  onboardingQuality: number;
  lastRenewalReminder: number;
  /** Tickets still open at `now`, with the time each will close. */
  openTickets: { createdAt: number; closedAt: number }[];
}

export type UsageSink = (
  at: Date,
  type: 'session' | 'feature_use',
  minutes: number,
  feature?: string,
) => void;

/**
 * How the account steers a customer's decision when churn is decided per account (account-churn.ts).
 * The customer's own weekly draws are all still made, so its random stream runs the same whatever
 * the account decides: up to the account's decision, its weeks are exactly those of a run in which
 * the account never decides.
 */
export interface AccountSteering {
  /** Called after each undecided week with the week's start and the customer's weekly probability. */
  onWeek?: (weekStart: number, probability: number) => void;
  /**
   * The account's decision as it reaches this customer: behaviour turns at the end of the week
   * holding `decidedAt`, as after the customer's own decision. Null: the account stays.
   */
  decision: { decidedAt: number; visibleAt: number } | null;
}

export const FEATURES = [
  'dashboard',
  'reports',
  'automations',
  'integrations',
  'exports',
  'team_inbox',
  'forecasting',
  'mobile_app',
];

const CHECK_INS: readonly OutgoingKind[] = ['check_in', 'feature_news', 'webinar', 'usage_tips'];

export function priorityFor(rng: Random, tone: Tone): Priority {
  if (tone === 'angry')
    return rng.weighted<Priority>([
      ['URGENT', 3],
      ['HIGH', 4],
      ['MEDIUM', 2],
      ['LOW', 0.3],
    ]);
  if (tone === 'neutral')
    return rng.weighted<Priority>([
      ['URGENT', 0.3],
      ['HIGH', 1.5],
      ['MEDIUM', 4],
      ['LOW', 3],
    ]);
  return rng.weighted<Priority>([
    ['HIGH', 0.3],
    ['MEDIUM', 2],
    ['LOW', 5],
  ]);
}

/** Weeks until the next contract anniversary (annual billing only). */
export function weeksToRenewal(profile: CustomerProfile, t: number): number | null {
  if (profile.billing !== 'annual') return null;
  const year = 365.25 * DAY_MS;
  const next = profile.since + Math.ceil((t - profile.since) / year) * year;
  return (next - t) / WEEK_MS;
}

/** A week's chance that the customer opens a support ticket. */
export function ticketChance(profile: CustomerProfile, state: RiskState, sessions: number): number {
  return (
    0.05 *
    Math.exp(-0.25 * profile.fit - 0.5 * state.satisfaction) *
    (0.5 + (0.5 * Math.min(sessions, 4)) / 2)
  );
}

export interface DrawnTicket {
  createdAt: number;
  /** When it closes, reopenings included: possibly after the end of the history. */
  closedAt: number;
  priority: Priority;
  tone: Tone;
  stuck: boolean;
  hours: number;
  reopened: number;
}

/** A ticket opened in the week from `t`: its tone follows satisfaction, stale tickets sour it. */
export function drawTicket(rng: Random, state: RiskState, t: number, span: number): DrawnTicket {
  const angry = sigmoid(-2.0 - 1.8 * state.satisfaction + 0.4 * state.staleOpenTickets);
  const positive = sigmoid(-1.2 + 1.4 * state.satisfaction);
  const roll = rng.next();
  const tone: Tone = roll < angry ? 'angry' : roll < angry + positive * (1 - angry) ? 'positive' : 'neutral';
  const priority = priorityFor(rng, tone);
  const stuck = rng.chance(tone === 'angry' ? 0.16 : 0.07);
  const hours = stuck ? rng.logNormal(400, 0.6) : rng.logNormal(priority === 'URGENT' ? 5 : 20, 1.0);
  const reopened = rng.chance(tone === 'angry' ? 0.22 : 0.08) ? rng.int(1, 2) : 0;
  const createdAt = t + rng.next() * span;
  const closedAt = createdAt + hours * 3_600_000 * (1 + 0.6 * reopened);
  return { createdAt, closedAt, priority, tone, stuck, hours, reopened };
}

/** What a ticket does to the customer's mood: anger adds up, a quick fix pleases, a stuck one hurts. */
export function feelTicket(state: RiskState, ticket: DrawnTicket): void {
  if (ticket.tone === 'angry') state.angryRecent += 1;
  state.satisfaction += ticket.tone === 'angry' ? -0.3 : ticket.hours < 24 && !ticket.stuck ? 0.08 : 0;
  if (ticket.stuck) state.satisfaction -= 0.25;
}

export function simulateCustomer(
  rng: Random,
  profile: CustomerProfile,
  windowStart: number,
  now: number,
  onUsage: UsageSink,
  /** Absent: the customer decides alone (the default, contact mode). */
  account?: AccountSteering,
): Story {
  const story: Story = {
    emails: [],
    tickets: [],
    feedback: [],
    decidedAt: null,
    visibleAt: null,
    risk: 0,
    drivers: {},
    atNow: null,
  };
  const state: RiskState = {
    baseEngagement: profile.baseEngagement,
    drift: rng.normal(0, 0.35),
    satisfaction: 0.6 * profile.fit + rng.normal(0, 0.3),
    angryRecent: 0,
    staleOpenTickets: 0,
    ignoredStreak: 0,
    pricePressure:
      0.4 * (profile.tier - 1) + (profile.billing === 'monthly' ? 0.35 : 0) + profile.priceSensitivity,
    tenureWeeks: 0,
    weeksToRenewal: null,
    frailty: profile.frailty,
    companyShock: profile.companyShock,
  };
  const onboardingQuality = rng.uniform(0.2, 1);
  let lastProbability = 0;
  let cancelTicketPending = rng.chance(0.35);
  let nextSurvey = profile.since + rng.int(6, 12) * WEEK_MS;
  let lastRenewalReminder = -Infinity;
  const openTickets: ProcessAtNow['openTickets'] = [];

  let t = Math.max(windowStart, profile.since);
  for (; t < now; t += WEEK_MS) {
    state.tenureWeeks = (t - profile.since) / WEEK_MS;
    state.weeksToRenewal = weeksToRenewal(profile, t);
    const decided = story.decidedAt !== null;
    if (decided && t >= story.visibleAt!) break;
    // The last week may be cut short by `now` or by the churn becoming visible.
    const span = Math.min(WEEK_MS, now - t, decided ? story.visibleAt! - t : WEEK_MS);

    state.drift = 0.985 * state.drift + rng.normal(0, 0.08);
    const onboarding =
      state.tenureWeeks < 8 ? -0.7 * (1 - onboardingQuality) * (1 - state.tenureWeeks / 8) : 0;
    const leaving = decided ? -2 - Math.min(1, (t - story.decidedAt!) / (3 * WEEK_MS)) : 0;
    const engagement = state.baseEngagement + state.drift + onboarding + leaving;
    state.satisfaction = 0.94 * state.satisfaction + 0.06 * 0.6 * profile.fit + rng.normal(0, 0.12);
    state.angryRecent *= 0.85;

    // Product usage: sessions, some of which use a named feature (same instant, one Date).
    const sessions = rng.poisson(Math.min(8, 0.55 * Math.exp(0.8 * engagement)));
    for (let i = 0; i < sessions; i++) {
      const at = new Date(t + rng.next() * span);
      const minutes = Math.round(rng.logNormal(16 * Math.exp(0.8 * engagement), 0.5) * 10) / 10;
      onUsage(at, 'session', minutes);
      if (rng.chance(0.15)) {
        onUsage(at, 'feature_use', Math.round(minutes * rng.uniform(2, 8)) / 10, rng.pick(FEATURES));
      }
    }

    // Support tickets: tone follows satisfaction; stale tickets wear it down.
    state.staleOpenTickets = 0;
    for (const ticket of story.tickets) {
      if (ticket.createdAt < t - WEEK_MS && (ticket.closedAt === null || ticket.closedAt > t)) {
        state.staleOpenTickets++;
        state.satisfaction -= 0.05;
      }
    }
    const wantsToCancel = decided && cancelTicketPending;
    if (wantsToCancel || rng.chance(ticketChance(profile, state, sessions))) {
      const ticket = drawTicket(rng, state, t, span);
      const { createdAt, closedAt, priority, tone, reopened } = ticket;
      if (closedAt >= now) openTickets.push({ createdAt, closedAt });
      story.tickets.push({
        createdAt,
        closedAt: closedAt < now ? closedAt : null,
        priority,
        tone,
        reopened,
        cancelling: wantsToCancel,
      });
      if (wantsToCancel) cancelTicketPending = false;
      feelTicket(state, ticket);
    }

    // Outgoing emails from customer success; opens and replies follow engagement and mood.
    const renewalWeeks = state.weeksToRenewal;
    let kind: OutgoingKind | null = null;
    if (state.tenureWeeks < 2) kind = 'onboarding';
    else if (renewalWeeks !== null && renewalWeeks <= 5 && t - lastRenewalReminder > 20 * WEEK_MS) {
      kind = 'renewal_reminder';
      lastRenewalReminder = t;
    } else if (rng.chance(0.1)) kind = rng.pick(CHECK_INS);
    if (kind) {
      const sentAt = t + rng.uniform(0.15, 0.7) * span;
      const bounced = rng.chance(0.015);
      const opened = !bounced && rng.chance(sigmoid(-0.1 + 1.6 * engagement + 0.5 * state.satisfaction));
      const openedAt = opened ? sentAt + rng.exponential(12) * 3_600_000 : null;
      let reply: StoryEmail['reply'] = null;
      if (openedAt !== null && rng.chance(sigmoid(-2.2 + 0.8 * Math.abs(state.satisfaction)))) {
        const tone: Tone =
          state.satisfaction < -0.5 ? 'angry' : state.satisfaction > 0.4 ? 'positive' : 'neutral';
        reply = { at: openedAt + rng.exponential(20) * 3_600_000, tone };
      }
      story.emails.push({
        sentAt,
        kind,
        bounced,
        openedAt: openedAt !== null && openedAt < now ? openedAt : null,
        reply: reply && reply.at < now ? reply : null,
      });
      state.ignoredStreak = bounced ? state.ignoredStreak : opened ? 0 : state.ignoredStreak + 1;
    }

    // Quarterly NPS survey; the less engaged answer less often.
    if (t >= nextSurvey) {
      nextSurvey += 13 * WEEK_MS;
      if (rng.chance(sigmoid(-1.0 + 0.6 * engagement))) {
        const raw =
          7.8 + 1.9 * state.satisfaction + 0.4 * engagement + (decided ? -2 : 0) + rng.normal(0, 1.3);
        story.feedback.push({
          at: t + rng.uniform(0, 0.85) * span,
          score: Math.max(0, Math.min(10, Math.round(raw))),
        });
      }
    }

    if (!decided) {
      lastProbability = weeklyChurnProbability(state, rng.normal(0, 0.2));
      const leaves = rng.chance(lastProbability);
      if (account) {
        account.onWeek?.(t, lastProbability);
        const imposed = account.decision;
        if (imposed && imposed.decidedAt < t + WEEK_MS) {
          story.decidedAt = imposed.decidedAt;
          story.visibleAt = imposed.visibleAt;
          story.drivers = riskDrivers(state);
          story.risk = annualised(lastProbability);
        }
      } else if (leaves) {
        story.decidedAt = t + rng.next() * span;
        story.visibleAt = story.decidedAt + rng.uniform(14, 56) * DAY_MS;
        story.drivers = riskDrivers(state);
        story.risk = annualised(lastProbability);
      }
    }
  }
  if (story.decidedAt === null) {
    story.drivers = riskDrivers(state);
    story.risk = annualised(lastProbability);
    story.atNow = { state, nextWeek: t, onboardingQuality, lastRenewalReminder, openTickets };
  }
  if (story.visibleAt !== null && story.visibleAt + 2 * DAY_MS < now) {
    story.emails.push({
      sentAt: story.visibleAt + 2 * DAY_MS,
      kind: 'win_back',
      bounced: false,
      openedAt: null,
      reply: null,
    });
  }
  return story;
}

/** A prospect's story: a handful of marketing emails since they became a lead. */
export function simulateProspect(rng: Random, profile: CustomerProfile, now: number): Story {
  const emails: StoryEmail[] = [];
  for (
    let t = profile.since + rng.uniform(1, 10) * DAY_MS;
    t < now && emails.length < 6;
    t += rng.uniform(10, 40) * DAY_MS
  ) {
    const openedAt = rng.chance(0.35) ? t + rng.exponential(20) * 3_600_000 : null;
    emails.push({
      sentAt: t,
      kind: rng.pick(CHECK_INS),
      bounced: false,
      openedAt: openedAt !== null && openedAt < now ? openedAt : null,
      reply: null,
    });
  }
  return {
    emails,
    tickets: [],
    feedback: [],
    decidedAt: null,
    visibleAt: null,
    risk: 0,
    drivers: {},
    atNow: null,
  };
}
