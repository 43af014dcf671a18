/**
 * Churn decided per account (`churnUnit: 'account'` in index.ts): the customers of one company
 * leave together, as where the company, not the person, holds the contract.
 *
 * The rule. Each customer of the company lives its weeks as in contact mode (simulate.ts): usage,
 * tickets, email opens and NPS answers move its weekly probability p of leaving. The account's
 * hazard at any moment is the mean of its customers' hazards (each p as the rate −ln(1 − p) per
 * week, over that customer's week; only customers who have bought by then count), and the account
 * decides when its cumulative hazard reaches a threshold drawn once, Exp(1), from the account's own
 * stream: a survival process whose hazard is the customers' average. Why the mean:
 *  - every customer's behaviour moves the account's risk, so what the CRM shows of each of them
 *    carries the signal, and the account's contacts together carry more of it than any one;
 *  - an account of one customer leaves exactly as that customer would alone, and an account does
 *    not leave more often for having more of its people in the CRM. Deciding when ANY customer's
 *    weekly draw says "leave" would make an account of five customers leave about five times as
 *    often: a spurious size effect (larger accounts churn less, not more, in practice) that would
 *    also push the churn rate far above contact mode's;
 *  - one draw per account, from a stream of its own, leaves every contact's streams as they are.
 * Once the account decides at D, each of its customers behaves from the end of its week holding D
 * as a customer who decided does (usage collapses, emails go unread, a cancellation ticket may
 * come). The CRM shows the churn 14–56 days after D, as for a contact, each customer's record
 * within VISIBLE_SPREAD_DAYS after the account's date (the contacts are updated one by one).
 * A contact whose purchase would come after D never buys (nobody signs up to an account on its way
 * out): they stay a prospect of the company, a lead since the day they would have bought.
 *
 * The forward truth (forward-truth.ts) runs each customer of an undecided account on past `now`,
 * and the account's cumulative hazard goes on from where the history left it, against the same
 * threshold: its decision within the next FORWARD_DAYS is every one of its customers' decision.
 */
import { continueChurnProcess, FORWARD_DAYS, type ForwardChurn } from './forward-truth.js';
import { DAY_MS, WEEK_MS, type CustomerProfile } from './profile.js';
import type { Random } from './random.js';
import { simulateCustomer, type Story, type UsageSink } from './simulate.js';

/** The most days between the account's churn showing and one of its customers' records showing it. */
export const VISIBLE_SPREAD_DAYS = 3;

/** A customer's week from `start`, at its weekly probability of leaving. */
export interface HazardWeek {
  start: number;
  probability: number;
}

/** A customer's weeks, in time order and back to back. */
export type HazardWeeks = readonly HazardWeek[];

/** Where the account's cumulative hazard stands against the threshold it decides at. */
export interface AccountClock {
  threshold: number;
  spent: number;
}

/** A weekly probability as a hazard rate per millisecond. */
function rate(probability: number): number {
  return -Math.log1p(-Math.min(probability, 1 - 1e-12)) / WEEK_MS;
}

/** The annual probability of leaving at a hazard rate (the truth's `risk`, as `annualised` gives it). */
export function annualRisk(ratePerMs: number): number {
  return 1 - Math.exp(-52 * WEEK_MS * ratePerMs);
}

function weekAt(weeks: HazardWeeks, at: number): HazardWeek | undefined {
  let low = 0;
  let high = weeks.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (weeks[middle]!.start <= at) low = middle + 1;
    else high = middle - 1;
  }
  const week = weeks[high];
  return week !== undefined && at < week.start + WEEK_MS ? week : undefined;
}

/** The account's hazard rate at `at`: the mean over the customers with a week holding it, else 0. */
export function accountRate(customers: readonly HazardWeeks[], at: number): number {
  let sum = 0;
  let counted = 0;
  for (const weeks of customers) {
    const week = weekAt(weeks, at);
    if (!week) continue;
    sum += rate(week.probability);
    counted++;
  }
  return counted === 0 ? 0 : sum / counted;
}

/**
 * Runs the account's cumulative hazard over [from, to): the moment it reaches the clock's
 * threshold, or null, the clock then holding the hazard spent over the span.
 */
export function accountDecision(
  customers: readonly HazardWeeks[],
  from: number,
  to: number,
  clock: AccountClock,
): number | null {
  const edges = new Set<number>([from, to]);
  for (const weeks of customers) {
    for (const { start } of weeks) {
      for (const edge of [start, start + WEEK_MS]) if (edge > from && edge < to) edges.add(edge);
    }
  }
  const sorted = [...edges].sort((a, b) => a - b);
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i]!;
    const b = sorted[i + 1]!;
    const r = accountRate(customers, a);
    if (r > 0 && clock.spent + r * (b - a) >= clock.threshold) return a + (clock.threshold - clock.spent) / r;
    clock.spent += r * (b - a);
  }
  return null;
}

/** One customer of the account, its streams ready past its profile. */
export interface AccountCustomer {
  profile: CustomerProfile;
  /** The customer's stream, just past its profile. */
  rng: Random;
  /** A fresh copy of that stream, at the same place, to live the weeks again. */
  replay: () => Random;
  /** The customer's forward-truth stream. */
  forward: () => Random;
}

export type UsageCall = Parameters<UsageSink>;

export interface AccountCustomerOutcome {
  /** False for a customer whose purchase would come after the account decided: a prospect instead. */
  buys: boolean;
  /** Its story, with the account's `risk` (annualised, at the decision or at `now`). */
  story: Story;
  /** Its product usage, in the order drawn. */
  usage: UsageCall[];
  forward: ForwardChurn;
}

const NO_CHURN: ForwardChurn = { decidedAt: null, visibleAt: null };

/**
 * Lives an account's customers' weeks, decides for the account and returns each customer's
 * outcome, in the order given. Two passes: every customer's weeks as if the account never decided
 * (their hazards), then, if it does decide, the weeks again on a fresh copy of each one's stream
 * with the decision imposed, identical up to it.
 */
export function simulateAccount(
  rng: Random,
  customers: readonly AccountCustomer[],
  windowStart: number,
  now: number,
): AccountCustomerOutcome[] {
  const clock: AccountClock = { threshold: rng.exponential(1), spent: 0 };
  const runs = customers.map((customer) => {
    const weeks: HazardWeek[] = [];
    const usage: UsageCall[] = [];
    const story = simulateCustomer(
      customer.rng,
      customer.profile,
      windowStart,
      now,
      (...c) => usage.push(c),
      {
        decision: null,
        onWeek: (start, probability) => weeks.push({ start, probability }),
      },
    );
    return { customer, weeks, usage, story };
  });
  const history = runs.map((run) => run.weeks);
  const decidedAt = accountDecision(history, windowStart, now, clock);
  if (decidedAt !== null) {
    const risk = annualRisk(accountRate(history, decidedAt));
    const shownAt = decidedAt + rng.uniform(14, 56) * DAY_MS;
    return runs.map(({ customer, story: undecided }) => {
      if (customer.profile.since > decidedAt) {
        return { buys: false, story: undecided, usage: [], forward: NO_CHURN };
      }
      const decision = { decidedAt, visibleAt: shownAt + rng.uniform(0, VISIBLE_SPREAD_DAYS) * DAY_MS };
      const usage: UsageCall[] = [];
      const story = simulateCustomer(
        customer.replay(),
        customer.profile,
        windowStart,
        now,
        (...c) => usage.push(c),
        { decision },
      );
      story.risk = risk;
      return { buys: true, story, usage, forward: NO_CHURN };
    });
  }
  // Undecided at `now`: the customers' processes go on, and so does the account's hazard.
  const onward = runs.map(({ customer, weeks, story }) => {
    const all = [...weeks];
    continueChurnProcess(customer.forward(), customer.profile, story.atNow!, now, (start, probability) =>
      all.push({ start, probability }),
    );
    return all;
  });
  const risk = annualRisk(accountRate(history, now - 1));
  const forwardAt = accountDecision(onward, now, now + FORWARD_DAYS * DAY_MS, clock);
  const shownAt = forwardAt === null ? null : forwardAt + rng.uniform(14, 56) * DAY_MS;
  return runs.map(({ story, usage }) => {
    story.risk = risk;
    const forward =
      forwardAt === null
        ? NO_CHURN
        : { decidedAt: forwardAt, visibleAt: shownAt! + rng.uniform(0, VISIBLE_SPREAD_DAYS) * DAY_MS };
    return { buys: true, story, usage, forward };
  });
}
