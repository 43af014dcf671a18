/**
 * Who may start retention plays from the risk card in a HubSpot portal, as its admin chooses:
 * every user of the portal (the default), or only super admins and users holding one of the chosen
 * roles (HubSpot's role ids, as its users API names them). Anyone who is a user of the portal may
 * still say a score looks wrong. In Salesforce the org decides instead, through the package's
 * `Churn_Radar_Plays` permission set.
 */
import { z } from 'zod';

export const cardPlaysRuleSchema = z.discriminatedUnion('who', [
  z.object({ who: z.literal('any_user') }),
  z.object({
    who: z.literal('admins_and_roles'),
    roleIds: z
      .array(z.string().regex(/^\d{1,20}$/, 'a HubSpot role id'))
      .max(100)
      .default([]),
  }),
]);
export type CardPlaysRule = z.infer<typeof cardPlaysRuleSchema>;

export const DEFAULT_CARD_PLAYS_RULE: CardPlaysRule = { who: 'any_user' };

/** What the rule needs to know of a user: what their CRM says about them. */
export interface PlaysCandidate {
  superAdmin: boolean;
  roleIds: readonly string[];
}

export function ruleAllowsPlays(rule: CardPlaysRule, user: PlaysCandidate): boolean {
  if (rule.who === 'any_user') return true;
  return user.superAdmin || user.roleIds.some((roleId) => rule.roleIds.includes(roleId));
}
