import { profileValueAsOf } from '../../crm/profile-history.js';
import { FORMER_CUSTOMER_STAGE } from '../../settings/churn-rule.js';
import type { FeatureValues } from '../catalogue.js';
import { statusAt, type CustomerEpisode } from '../customer-status.js';
import type { ContactRow } from './contact-chunks.js';
import { DAY_MS } from './time-windows.js';

const YEAR_MS = 365.25 * DAY_MS;
const PERIOD_MS: Record<string, number> = { annual: YEAR_MS, monthly: YEAR_MS / 12 };

/**
 * The lifecycle stage at `asOf` as the customer status sees it: `customer` while active,
 * the former stage once left, else the prospect's current stage (or `unknown`).
 */
function stageAt(contact: ContactRow, episodes: readonly CustomerEpisode[], asOf: Date): string {
  const status = statusAt(episodes, asOf);
  if (status.status === 'active') return 'customer';
  if (status.status === 'churned') return FORMER_CUSTOMER_STAGE;
  const current = contact.lifecycle_stage;
  return current !== null && contact.created_at !== null && contact.created_at < asOf && contact.stage_kind !== 'former'
    ? current
    : 'unknown';
}

const present = (value: string | null | undefined): string | null =>
  value === null || value === undefined || value.trim() === '' ? null : value.trim();
const category = (value: string | null | undefined) => present(value) ?? 'unknown';

/**
 * Profile features as of `asOf`. Plan, billing period, segment and country are the values held
 * then (profile-history.ts). Tenure and renewals count from the start of the customer episode
 * under way then (a customer who came back counts from the return); nobody else has a tenure.
 */
export function profileFeatures(
  contact: ContactRow,
  asOf: Date,
  episodes: readonly CustomerEpisode[],
): FeatureValues {
  const company = contact.company;
  const status = statusAt(episodes, asOf);
  const since = status.status === 'active' ? status.since : null;
  const tenureMs = since !== null ? asOf.getTime() - since.getTime() : null;
  const history = contact.property_history;
  const plan = profileValueAsOf(history, 'plan', asOf, contact.plan);
  const billingPeriod = profileValueAsOf(history, 'billing_period', asOf, contact.billing_period);
  const segment = profileValueAsOf(history, 'segment', asOf, contact.segment);
  const country = profileValueAsOf(history, 'country', asOf, contact.country);
  const period = PERIOD_MS[billingPeriod ?? ''];
  let toRenewal: number | null = null;
  if (tenureMs !== null && period !== undefined) {
    const periods = Math.floor(tenureMs / period) + 1;
    toRenewal = (since!.getTime() + periods * period - asOf.getTime()) / DAY_MS;
  }
  const employees = company?.employees ?? null;
  return {
    tenure_days: tenureMs === null ? null : tenureMs / DAY_MS,
    lifecycle_stage: stageAt(contact, episodes, asOf),
    company_size: employees !== null && Number.isFinite(employees) ? employees : null,
    company_industry: category(company?.industry),
    country: category(present(country) ?? company?.country),
    plan: category(plan),
    billing_period: category(billingPeriod),
    customer_segment: category(segment),
    days_to_next_renewal: toRenewal,
  };
}
