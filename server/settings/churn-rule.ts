/**
 * What "churned" means for a portal, as its admin chooses it, and which contact properties the
 * sync must bring (with their history) for the rule to work against the CRM.
 */
import { z } from 'zod';
import { storableString } from '../storable-text.js';

/** How a former customer's stage is named where no CRM's own name is at hand. */
export const FORMER_CUSTOMER_STAGE = 'other';

/** A CRM property's internal name: HubSpot's `churned_flag`, Salesforce's `Churned__c`. */
const propertyName = z
  .string()
  .regex(/^[A-Za-z0-9_]{1,100}$/, 'a CRM property’s internal name (letters, digits, underscores)');

export const churnRuleSchema = z.discriminatedUnion('kind', [
  /**
   * The contact enters the former-customer stage, or (by default) a renewal deal is lost. Unset,
   * the stage and the renewal deal types are the CRM's own (HubSpot: `other`, `existingbusiness`
   * and `renewal`; Salesforce: `Former Customer`, `Existing Business - Renewal`).
   */
  z.object({
    kind: z.literal('lifecycle_stage'),
    formerStage: storableString().trim().min(1).max(100).optional(),
    renewalLost: z.boolean().default(true),
    renewalDealTypes: z.array(storableString().min(1).max(100)).min(1).max(20).optional(),
  }),
  /**
   * A contact property turns true (true, 1, yes); when, from the property's history in the CRM,
   * or from a date property when one is named.
   */
  z.object({
    kind: z.literal('property'),
    property: propertyName,
    dateProperty: propertyName.optional(),
  }),
  /** For non-contract businesses: no purchase (deal won) for this many days. */
  z.object({ kind: z.literal('no_purchase'), days: z.number().int().min(1).max(3650) }),
]);
export type ChurnRule = z.infer<typeof churnRuleSchema>;

export const DEFAULT_CHURN_RULE: ChurnRule = churnRuleSchema.parse({ kind: 'lifecycle_stage' });

/** The rule stored in a portal's settings (`settings.churnRule`), or the default. */
export function churnRuleOf(settings: Record<string, unknown>): ChurnRule {
  return settings.churnRule === undefined ? DEFAULT_CHURN_RULE : churnRuleSchema.parse(settings.churnRule);
}

/** Contact properties the rule reads beyond the ones always synced. */
export function ruleProperties(rule: ChurnRule): string[] {
  if (rule.kind !== 'property') return [];
  return rule.dateProperty ? [rule.property, rule.dateProperty] : [rule.property];
}

const TRUE_VALUES = new Set(['true', '1', 'yes']);

/** Whether a property value reads as true under a `property` rule. */
export function isTrueValue(value: string | null | undefined): boolean {
  return TRUE_VALUES.has((value ?? '').trim().toLowerCase());
}
