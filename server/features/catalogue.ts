/**
 * Every feature the warehouse builds for a contact as of a date: what it is, where it comes from,
 * over which window, how a missing value is treated, and which direction usually means risk. The
 * builder (./build) fills exactly these names; the model and the risk card read the labels here.
 */

import { ACCOUNT, COMMERCE, FEEDBACK, PROFILE } from './catalogue-account.js';
import { EMAIL, SUPPORT, USAGE } from './catalogue-behaviour.js';

export type FeatureSource = 'emails' | 'tickets' | 'usage_events' | 'deals' | 'contacts' | 'feedback';
export type FeatureType = 'numeric' | 'categorical';

/**
 * - `zero`: no events in the window is a true 0 (a count, a sum);
 * - `null`: left null because there is nothing to measure (a rate with no denominator, "days since"
 *   something that never happened); the model imputes it and may learn from its absence;
 * - `unknown`: a categorical value absent in the CRM reads as the category "unknown".
 */
export type MissingRule = 'zero' | 'null' | 'unknown';

/** Which way of the feature usually goes with churn; `none` for categories and two-sided effects. */
export type RiskDirection = 'higher' | 'lower' | 'none';

export interface FeatureDefinition {
  name: string;
  /** Short wording for reasons on the risk card. */
  label: string;
  description: string;
  source: FeatureSource;
  /** Look-back ending just before `asOf`, in days; null when all history before `asOf` counts. */
  windowDays: number | null;
  type: FeatureType;
  missing: MissingRule;
  risk: RiskDirection;
  /**
   * Who the customer is rather than what they do (where they are, their industry, their company's
   * size, business or consumer). Such attributes mostly tell apart the accounts a portal happens to
   * have, and do not carry over to the next quarter's churners as behaviour does: the trees weigh
   * their splits down (`FeatureSpec.identity`), and an advisor cannot act on them, so they are
   * never a reason on the card, the lists or in the CRM (the Model page still lists them).
   */
  identity?: true;
  /**
   * The model is held to `risk` for this feature: other things equal, the score never moves
   * against it (`FeatureSpec.monotone`). Set where anything else would read as a mistake to the
   * person acting on the card (three angry tickets that lower a score) and where every portal's
   * churners go the same way: the customer's own support load and tone, and their survey answers.
   */
  monotone?: true;
}

export const FEATURE_CATALOGUE: readonly FeatureDefinition[] = [
  ...EMAIL,
  ...SUPPORT,
  ...USAGE,
  ...COMMERCE,
  ...PROFILE,
  ...FEEDBACK,
  ...ACCOUNT,
];

export type FeatureName = string;
export type FeatureValue = number | string | null;
/** One contact's features as of a date, keyed by catalogue name. */
export type FeatureValues = Record<FeatureName, FeatureValue>;

/**
 * What the warehouse has but features deliberately do not read, because its current value could
 * reveal what happened after the date.
 */
export const LEFT_OUT: readonly { what: string; why: string }[] = [
  {
    what: 'ticket reopen_count',
    why: 'a current counter: reopenings after the date are in it, with no dates to cut them off',
  },
  {
    what: 'tickets.is_closed and ticket stage',
    why: 'current state; whether a ticket was open at the date is read from closed_at',
  },
  {
    what: 'contacts.lifecycle_stage',
    why: 'current stage; the stage at the date is the customer status at the date',
  },
  {
    what: "colleagues' current stage (contacts.stage_kind) and the company's",
    why: 'current state; who had left or stayed at the date is read from the customer and former-customer dates',
  },
  {
    what: "the contact's own last-open and last-reply dates",
    why: 'the latest value may be after the date; per-email open and reply dates are read instead',
  },
  {
    what: 'open renewal deals and their close dates',
    why: 'a renewal lost later is created before the date with the close date of the loss',
  },
  {
    what: 'closed_lost_reason, exit_reason, churn_risk_* properties',
    why: 'written at or after the churn itself, or by this app',
  },
];

/**
 * The catalogue in the shape the model reads: name, kind, label, whether it is identity-like, and
 * the direction a monotone feature holds the risk to.
 */
export function featureSpecs(): {
  name: string;
  kind: FeatureType;
  label: string;
  identity?: true;
  monotone?: 1 | -1;
}[] {
  return FEATURE_CATALOGUE.map((f) => ({
    name: f.name,
    kind: f.type,
    label: f.label,
    ...(f.identity ? { identity: f.identity } : {}),
    ...(f.monotone && f.risk !== 'none'
      ? { monotone: f.risk === 'higher' ? (1 as const) : (-1 as const) }
      : {}),
  }));
}

const IDENTITY_FEATURES: ReadonlySet<string> = new Set(
  FEATURE_CATALOGUE.filter((f) => f.identity).map((f) => f.name),
);

/** Whether a catalogue feature describes who the customer is (see `FeatureDefinition.identity`). */
export function isIdentityFeature(name: string): boolean {
  return IDENTITY_FEATURES.has(name);
}

/** The identity-like features' names, in catalogue order. */
export function identityFeatureNames(): string[] {
  return [...IDENTITY_FEATURES];
}

export function featureDefinition(name: string): FeatureDefinition | undefined {
  return FEATURE_CATALOGUE.find((f) => f.name === name);
}
