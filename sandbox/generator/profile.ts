/**
 * The static side of a customer: who they are, what they bought and when, and the hidden traits
 * (baseline engagement, product fit, frailty) that the weekly simulation starts from.
 */
import {
  city,
  companyDomain,
  companyName,
  country,
  INDUSTRIES,
  jobTitle,
  personalEmail,
  personName,
  workEmail,
  type Person,
} from './names.js';
import type { Random } from './random.js';

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

export type Segment = 'B2B' | 'B2C';
export type Billing = 'monthly' | 'annual';

/** Plans and their monthly list price (per seat for business plans). */
export const PLANS = {
  B2B: [
    ['starter', 29],
    ['professional', 59],
    ['enterprise', 99],
  ],
  B2C: [
    ['basic', 9],
    ['plus', 19],
    ['premium', 39],
  ],
} as const satisfies Record<Segment, readonly (readonly [string, number])[]>;

export interface CompanyProfile {
  index: number;
  name: string;
  domain: string;
  industry: string;
  employees: number;
  country: string;
  city: string;
  /** Contacts of one company share plan, billing and a common shock to their churn risk. */
  tier: 0 | 1 | 2;
  billing: Billing;
  shock: number;
}

export interface CustomerProfile {
  index: number;
  segment: Segment;
  person: Person;
  email: string;
  jobtitle: string;
  country: string;
  city: string;
  /** False for prospects (leads, opportunities) who never bought. */
  isCustomer: boolean;
  prospectStage: string;
  /** When they became a customer (or a lead), in ms; may predate the simulated window. */
  since: number;
  plan: string;
  /** Plan tier within the segment: 0 cheapest … 2 dearest. */
  tier: 0 | 1 | 2;
  billing: Billing;
  seats: number;
  /** What one billing period costs (a month or a year). */
  periodAmount: number;
  /** Hidden: the person's usual engagement (log-scale), their product fit and unobserved frailty. */
  baseEngagement: number;
  fit: number;
  frailty: number;
  priceSensitivity: number;
  companyShock: number;
}

export function companyProfile(rng: Random, index: number): CompanyProfile {
  const name = companyName(rng);
  const where = country(rng);
  return {
    index,
    name,
    domain: companyDomain(name, index),
    industry: rng.pick(INDUSTRIES),
    employees: Math.max(2, Math.round(rng.logNormal(40, 1.3))),
    country: where,
    city: city(rng, where),
    tier: rng.weighted<0 | 1 | 2>([
      [0, 4],
      [1, 4],
      [2, 2],
    ]),
    billing: rng.chance(0.9) ? 'annual' : 'monthly',
    shock: rng.normal(0, 0.25),
  };
}

/**
 * When a customer started: a share were customers before the window opened (long tenure), the
 * rest join at a steady pace across it.
 */
function startDate(rng: Random, windowStart: number, now: number): number {
  if (rng.chance(0.35)) return windowStart - rng.uniform(0, 3 * 365) * DAY_MS;
  return windowStart + rng.next() * (now - windowStart - 7 * DAY_MS);
}

export function customerProfile(
  rng: Random,
  index: number,
  company: CompanyProfile | null,
  windowStart: number,
  now: number,
  /** Addresses already used at this company: two people of the same name get distinct ones. */
  companyEmails: Set<string> = new Set(),
): CustomerProfile {
  const person = personName(rng);
  let email = company ? workEmail(person, company.domain) : personalEmail(rng, person, index);
  if (companyEmails.has(email)) email = email.replace('@', `${companyEmails.size + 1}@`);
  companyEmails.add(email);
  const segment: Segment = company ? 'B2B' : 'B2C';
  const where = company?.country ?? country(rng);
  const isCustomer = rng.chance(0.92);
  const tier =
    company?.tier ??
    rng.weighted<0 | 1 | 2>([
      [0, 5],
      [1, 3],
      [2, 2],
    ]);
  const billing: Billing = company?.billing ?? (rng.chance(0.3) ? 'annual' : 'monthly');
  const seats = company ? Math.max(1, Math.min(company.employees, Math.round(rng.logNormal(6, 0.8)))) : 1;
  const [plan, listPrice] = PLANS[segment][tier];
  // Annual contracts get two months free; the amount is what the deal shows.
  const periodAmount = billing === 'annual' ? listPrice * seats * 10 : listPrice * seats;
  const since = isCustomer ? startDate(rng, windowStart, now) : now - rng.uniform(3, 200) * DAY_MS;
  return {
    index,
    segment,
    person,
    email,
    jobtitle: company ? jobTitle(rng) : '',
    country: where,
    city: company?.city ?? city(rng, where),
    isCustomer,
    prospectStage: rng.weighted([
      ['lead', 5],
      ['marketingqualifiedlead', 2],
      ['salesqualifiedlead', 1],
      ['opportunity', 1],
    ]),
    since,
    plan,
    tier,
    billing,
    seats,
    periodAmount,
    baseEngagement: rng.normal(0, 0.6),
    fit: rng.normal(0, 1),
    frailty: rng.normal(0, 0.2),
    priceSensitivity: rng.normal(0, 0.25),
    companyShock: company?.shock ?? 0,
  };
}
