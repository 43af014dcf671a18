/**
 * The hidden churn process. Each week a customer who has not yet decided to leave does so with a
 * probability whose log-odds add up the drivers below. Some drivers leave traces a CRM can see
 * (usage, tickets, email opens, plan, tenure); some do not (frailty, the company's shock, weekly
 * noise), which is what keeps the churn learnable but not trivial.
 */
import { sigmoid } from './random.js';

export interface RiskState {
  /** The person's usual engagement: habitual light users churn more. */
  baseEngagement: number;
  /** Slow drift of engagement away from that habit: negative means falling usage. */
  drift: number;
  satisfaction: number;
  /** Angry tickets in recent weeks, decaying. */
  angryRecent: number;
  /** Open tickets older than a week. */
  staleOpenTickets: number;
  /** Delivered outgoing emails in a row that were not opened. */
  ignoredStreak: number;
  pricePressure: number;
  tenureWeeks: number;
  /** Weeks to the next annual renewal, or null on monthly billing. */
  weeksToRenewal: number | null;
  frailty: number;
  companyShock: number;
}

const INTERCEPT = -6.55;

/** Each driver's contribution to the weekly log-odds of deciding to leave. */
export function riskDrivers(s: RiskState): Record<string, number> {
  const engagement = s.baseEngagement + s.drift;
  const lowUsage = sigmoid(-1.5 * engagement);
  return {
    habituallyLowUsage: -1.0 * s.baseEngagement,
    fallingUsage: -2.5 * s.drift,
    dissatisfaction: -1.0 * s.satisfaction,
    // An angry ticket from someone who barely uses the product weighs far more.
    angryTicketsWhenLowUsage: s.angryRecent * (0.3 + 1.3 * lowUsage),
    unresolvedTickets: 0.45 * Math.min(s.staleOpenTickets, 3),
    ignoredEmails: 0.22 * Math.min(s.ignoredStreak, 8),
    price: 0.7 * s.pricePressure,
    newCustomer: 1.6 * Math.exp(-s.tenureWeeks / 26),
    renewalWindow: s.weeksToRenewal === null ? 0 : s.weeksToRenewal <= 6 ? 1.2 : -0.55,
    frailty: s.frailty,
    companyShock: s.companyShock,
  };
}

/** The weekly probability of deciding to leave, with `noise` the unobserved weekly shock. */
export function weeklyChurnProbability(s: RiskState, noise: number): number {
  let logit = INTERCEPT + noise;
  for (const contribution of Object.values(riskDrivers(s))) logit += contribution;
  return sigmoid(logit);
}

/** The weekly probability as an annual one, for the recorded `risk`. */
export function annualised(weekly: number): number {
  return 1 - Math.pow(1 - weekly, 52);
}
