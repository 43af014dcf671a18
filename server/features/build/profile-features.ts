import type { FeatureValues } from '../catalogue.js';
import type { ContactRow } from './contact-chunks.js';
import { DAY_MS } from './time-windows.js';

/** HubSpot's default former-customer stage; the generator and most portals use it. */
export const FORMER_CUSTOMER_STAGE = 'other';

const YEAR_MS = 365.25 * DAY_MS;
const PERIOD_MS: Record<string, number> = { annual: YEAR_MS, monthly: YEAR_MS / 12 };
const PRE_CUSTOMER = new Set([
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
]);

export function propertyDate(properties: Record<string, string | null>, name: string): Date | null {
  const raw = properties[name];
  if (raw === null || raw === undefined || raw === '') return null;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  return Number.isFinite(ms) ? new Date(ms) : null;
}

/** When the contact became a customer, by the lifecycle stage date; null for those who never did. */
export function customerSince(contact: ContactRow): Date | null {
  return propertyDate(contact.properties, 'hs_lifecyclestage_customer_date');
}

/**
 * The lifecycle stage at `asOf`, from the dates each stage was entered, so that a customer who
 * left later still reads as a customer before that.
 */
export function stageAt(contact: ContactRow, asOf: Date, formerStage = FORMER_CUSTOMER_STAGE): string {
  const left = propertyDate(contact.properties, `hs_lifecyclestage_${formerStage}_date`);
  if (left !== null && left < asOf) return formerStage;
  const since = customerSince(contact);
  if (since !== null && since < asOf) return 'customer';
  const current = contact.lifecycle_stage;
  if (current !== null && PRE_CUSTOMER.has(current) && contact.created_at !== null && contact.created_at < asOf)
    return current;
  return 'unknown';
}

const present = (value: string | null | undefined): string | null =>
  value === null || value === undefined || value.trim() === '' ? null : value.trim();
const category = (value: string | null | undefined) => present(value) ?? 'unknown';

export function profileFeatures(contact: ContactRow, asOf: Date): FeatureValues {
  const p = contact.properties;
  const company = contact.company_properties ?? {};
  const since = customerSince(contact) ?? contact.created_at;
  const tenureMs = since !== null && since < asOf ? asOf.getTime() - since.getTime() : null;
  const period = PERIOD_MS[p.billing_period ?? ''];
  let toRenewal: number | null = null;
  if (tenureMs !== null && period !== undefined) {
    const periods = Math.floor(tenureMs / period) + 1;
    toRenewal = (since!.getTime() + periods * period - asOf.getTime()) / DAY_MS;
  }
  const employees = Number(company.numberofemployees ?? NaN);
  return {
    tenure_days: tenureMs === null ? null : tenureMs / DAY_MS,
    lifecycle_stage: stageAt(contact, asOf),
    company_size: company.numberofemployees && Number.isFinite(employees) ? employees : null,
    company_industry: category(company.industry),
    country: category(present(p.country) ?? company.country),
    plan: category(p.plan),
    billing_period: category(p.billing_period),
    customer_segment: category(p.customer_segment),
    days_to_next_renewal: toRenewal,
  };
}
