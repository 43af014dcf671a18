import { z } from 'zod';
import { storableString } from '../storable-text.js';

/** The custom workflow actions, by the last segment of their action URL. */
export const RETENTION_ACTIONS = [
  'send-retention-offer',
  'request-feedback',
  'proactive-support',
  'loyalty-reward',
] as const;
export type RetentionActionName = (typeof RETENTION_ACTIONS)[number];

export function isRetentionAction(value: string): value is RetentionActionName {
  return (RETENTION_ACTIONS as readonly string[]).includes(value);
}

/** Static input values arrive as strings or numbers; an empty field counts as not given. */
const blankAsMissing = (value: unknown) => (value === '' || value === null ? undefined : value);
const toNumber = (value: unknown) => {
  const given = blankAsMissing(value);
  return typeof given === 'string' ? Number(given.trim()) : given;
};
const numberIn = (min: number, max: number, whole = false) => {
  const base = z.number({
    error: (issue) => (issue.input === undefined ? 'is required' : 'must be a number'),
  });
  return (whole ? base.int('must be a whole number') : base)
    .min(min, `must be between ${min} and ${max}`)
    .max(max, `must be between ${min} and ${max}`);
};
const optionalNumber = (min: number, max: number) => z.preprocess(toNumber, numberIn(min, max).optional());
const wholeNumber = (min: number, max: number) => z.preprocess(toNumber, numberIn(min, max, true));

const common = {
  /** Optional for the risk card's buttons: the portal's default holdout applies. */
  holdout_percent: optionalNumber(0, 100),
  campaign: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim() || undefined : blankAsMissing(value)),
    storableString({
      error: (issue) => (issue.input === undefined ? 'is required' : 'must be text'),
    }).max(200),
  ),
};

export const OFFER_TYPES = ['discount', 'free_month', 'upgrade'] as const;

const offerInputs = z
  .object({
    ...common,
    offer_type: z.enum(OFFER_TYPES),
    discount_percent: optionalNumber(1, 100),
    validity_days: wholeNumber(1, 365),
  })
  .refine((i) => i.offer_type !== 'discount' || i.discount_percent !== undefined, {
    path: ['discount_percent'],
    message: 'is required for a discount offer (1–100)',
  });

const feedbackInputs = z.object({ ...common });

const supportInputs = z.object({ ...common });

const loyaltyInputs = z
  .object({
    ...common,
    points: wholeNumber(1, 1_000_000),
    period_days: wholeNumber(1, 3650),
    cap_per_period: wholeNumber(1, 10_000_000),
  })
  .refine((i) => i.points <= i.cap_per_period, {
    path: ['points'],
    message: 'cannot exceed the cap per period',
  });

export const ACTION_INPUTS = {
  'send-retention-offer': offerInputs,
  'request-feedback': feedbackInputs,
  'proactive-support': supportInputs,
  'loyalty-reward': loyaltyInputs,
} as const;

export type OfferInputs = z.infer<typeof offerInputs>;
export type LoyaltyInputs = z.infer<typeof loyaltyInputs>;
export type ActionInputs = {
  [A in RetentionActionName]: z.infer<(typeof ACTION_INPUTS)[A]>;
};
