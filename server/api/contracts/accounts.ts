/**
 * The accounts endpoints' answers, declared once: the server's routes build them and the
 * dashboard's pages read them (a type-only import, nothing of the server reaches the browser).
 */

export type AccountTier = 'low' | 'medium' | 'high';

/** A reason behind an account's risk, in words, with the percentage points it accounts for. */
export interface AccountReason {
  kind: string;
  text: string;
  points: number;
}

export const ACCOUNT_SORTS = ['risk', 'valueAtRisk', 'renewal', 'name', 'contacts'] as const;
export type AccountSort = (typeof ACCOUNT_SORTS)[number];

/** GET /api/v1/portals/:portalId/accounts: one row a company, as the portal's latest run scored it. */
export interface AccountListRow {
  companyId: string;
  name: string;
  domain: string | null;
  /** 0–100, to one decimal (`scorePoints`). */
  score: number;
  probability: number;
  tier: AccountTier;
  /** Largest first. */
  reasons: AccountReason[];
  activeContacts: number;
  highRiskContacts: number;
  /** Revenue won from the account in the year before the run; null when none is recorded. */
  value: number | null;
  /** value × probability. */
  valueAtRisk: number | null;
  renewalAt: string | null;
  renewalValue: number | null;
  scoredAt: string;
}

export interface AccountList {
  total: number;
  /** The run the scores come from; null before any run scored an account. */
  run: { id: number; scoredAt: string } | null;
  /** Over all the run's accounts, whatever the filter. */
  summary: { accounts: number; high: number; medium: number; valueAtRisk: number; renewalsIn90Days: number };
  rows: AccountListRow[];
}

/** One of the company's contacts, in the company view. */
export interface AccountContact {
  contactId: string;
  name: string;
  email: string | null;
  /** As the last run or rescoring saw it; null before any run looked at the contact. */
  status: 'active' | 'churned' | 'prospect' | null;
  /** The current score (0–100, to one decimal) of an active customer. */
  score: number | null;
  tier: string | null;
  /** The strongest reason raising the contact's risk, in words. */
  topReason: string | null;
  isDecisionMaker: boolean;
  leftOn: string | null;
  /** The contact's view in the dashboard. */
  viewPath: string;
  crmUrl: string;
}

/** GET /api/v1/portals/:portalId/accounts/:companyId. */
export interface AccountView {
  companyId: string;
  name: string;
  domain: string | null;
  industry: string | null;
  employees: number | null;
  country: string | null;
  /** Null when no run scored the company (no active customers among its contacts). */
  score: {
    score: number;
    probability: number;
    tier: AccountTier;
    reasons: AccountReason[];
    /** The score's points from its customers' own risk, and those its signals add: one decimal each, adding up to `score`. */
    breakdown: { customers: number; signals: number };
    activeContacts: number;
    scoredAt: string;
    runId: number;
  } | null;
  value: number | null;
  valueAtRisk: number | null;
  renewal: { at: string; value: number | null } | null;
  decisionMaker: { contactId: string; name: string } | null;
  /** Active customers first, riskiest first; then those who left, then prospects. */
  contacts: AccountContact[];
  /** More contacts than the view lists. */
  contactsTotal: number;
}
