/**
 * Loads the RavenStack tables (a synthetic SaaS company: accounts, subscriptions, feature usage,
 * support tickets, churn events) into a portal, as a CRM holding that company's customers would
 * show them:
 *
 * - an account → a company and one contact (named from the account id, as the data has none);
 * - a subscription → a closed-won deal (the first one new business, later ones existing business);
 * - a feature-usage row → a `feature_use` usage event of the account's contact;
 * - a support ticket → a closed ticket, its wording composed to fit the satisfaction score;
 * - a churn event → an exit-survey feedback submission carrying the customer's feedback text and
 *   reason; an account flagged as churned shows lifecyclestage `other` from its last churn date,
 *   and its contact's and company's stage histories say when it became a customer and when it left.
 *
 * The data set's churn flag is also kept as the portal's hidden truth (risk 1 or 0: the data has
 * no latent risk, and no decision date before the churn it records).
 *
 * With `now`, every date moves by whole days so the data's last day becomes `now`'s day.
 */
import { writeLifecycleHistory } from './generator/lifecycle-history.js';
import { companyDomain, personName, workEmail } from './generator/names.js';
import {
  FORMER_CUSTOMER_STAGE,
  registerGeneratedProperties,
  TICKET_PIPELINE,
  TICKET_STAGES,
} from './generator/properties.js';
import { hashString, Random } from './generator/random.js';
import { checkReferences, RavenStackFormatError, readRavenStack } from './generator/ravenstack-tables.js';
import { ticketText, type Tone } from './generator/ticket-text.js';
import { ASSOCIATION_TYPE_IDS, type ObjectType, type PortalData } from './store.js';

export { parseCsv, RavenStackFormatError } from './generator/ravenstack-tables.js';

export interface LoadOptions {
  dir: string;
  now?: Date;
}

export interface LoadSummary {
  companies: number;
  contacts: number;
  deals: number;
  tickets: number;
  usageEvents: number;
  feedbackSubmissions: number;
  churnedAccounts: number;
  /** Days every date moved by (0 without `now`). */
  shiftDays: number;
}

const DAY_MS = 86_400_000;
/** RavenStack's industries as HubSpot's `industry` values; anything else is kept as it is. */
const INDUSTRY: Record<string, string> = {
  Cybersecurity: 'INFORMATION_TECHNOLOGY_AND_SERVICES',
  DevTools: 'COMPUTER_SOFTWARE',
  EdTech: 'EDUCATION_MANAGEMENT',
  FinTech: 'FINANCIAL_SERVICES',
  HealthTech: 'HOSPITAL_HEALTH_CARE',
};
const TONES: Record<string, Tone> = {
  '1': 'angry',
  '2': 'angry',
  '3': 'neutral',
  '4': 'positive',
  '5': 'positive',
};

export function loadRavenStack(portal: PortalData, { dir, now }: LoadOptions): LoadSummary {
  const tables = readRavenStack(dir);
  checkReferences(tables);
  const { accounts, subscriptions, usage, tickets, churns } = tables;

  const dates = [
    ...accounts.map((a) => a.signup_date),
    ...subscriptions.map((s) => s.start_date),
    ...usage.map((u) => u.usage_date),
    ...tickets.map((t) => t.closed_at || t.submitted_at),
    ...churns.map((c) => c.churn_date),
  ];
  const last = dates.reduce((a, b) => (a > b ? a : b), '0000-00-00');
  const shiftDays = now ? Math.floor((now.getTime() - Date.parse(last)) / DAY_MS) : 0;
  const at = (date: string): Date => new Date(Date.parse(date) + shiftDays * DAY_MS);
  const iso = (date: string): string => at(date).toISOString();

  const lastChurn = new Map<string, string>();
  for (const churn of churns) {
    if ((lastChurn.get(churn.account_id) ?? '') < churn.churn_date)
      lastChurn.set(churn.account_id, churn.churn_date);
  }
  const subscriptionsOf = new Map<string, typeof subscriptions>();
  for (const s of [...subscriptions].sort((a, b) => a.start_date.localeCompare(b.start_date))) {
    const own = subscriptionsOf.get(s.account_id);
    if (own) own.push(s);
    else subscriptionsOf.set(s.account_id, [s]);
  }
  // A churned account with no churn event left when its last subscription began.
  const churnDayOf = (account: (typeof accounts)[number]): string | null => {
    if (!account.churn_flag) return null;
    const own = subscriptionsOf.get(account.account_id) ?? [];
    return lastChurn.get(account.account_id) ?? own[own.length - 1]?.start_date ?? account.signup_date;
  };
  // The lifecycle history runs forward from signup: a churn before it cannot be told as one.
  const churnedFirst = accounts.find((a) => (churnDayOf(a) ?? a.signup_date) < a.signup_date);
  if (churnedFirst) {
    throw new RavenStackFormatError(
      `${churnedFirst.account_id} churned on ${churnDayOf(churnedFirst)}, before it signed up on ${churnedFirst.signup_date}`,
    );
  }

  const emitting = portal.emitChanges;
  portal.emitChanges = false;
  try {
    registerGeneratedProperties(portal, now ?? at(last));
    const ids = new Map<
      string,
      { contactId: string; companyId: string; email: string; firstname: string; plan: string }
    >();
    const link = (accountId: string, type: ObjectType, id: string) => {
      const owner = ids.get(accountId)!;
      portal.associate('contacts', owner.contactId, type, id, ASSOCIATION_TYPE_IDS[`contacts:${type}`]!);
      const companyLink = ASSOCIATION_TYPE_IDS[`companies:${type}`];
      if (companyLink) portal.associate('companies', owner.companyId, type, id, companyLink);
      return owner;
    };

    let churnedAccounts = 0;
    accounts.forEach((account, serial) => {
      const own = subscriptionsOf.get(account.account_id) ?? [];
      const churnDay = churnDayOf(account);
      const domain = companyDomain(account.account_name, serial);
      const stage = churnDay ? FORMER_CUSTOMER_STAGE : 'customer';
      const company = portal.createRecord(
        'companies',
        {
          name: account.account_name,
          domain,
          industry: INDUSTRY[account.industry] ?? account.industry,
          country: account.country,
          lifecyclestage: stage,
          createdate: iso(account.signup_date),
        },
        at(churnDay ?? account.signup_date),
      );
      const person = personName(new Random(hashString(account.account_id)));
      const email = workEmail(person, domain);
      const contact = portal.createRecord(
        'contacts',
        {
          firstname: person.firstname,
          lastname: person.lastname,
          email,
          company: account.account_name,
          country: account.country,
          lifecyclestage: stage,
          hs_lifecyclestage_customer_date: iso(account.signup_date),
          hs_lifecyclestage_other_date: churnDay ? iso(churnDay) : null,
          plan: account.plan_tier.toLowerCase(),
          billing_period: own[own.length - 1]?.billing_frequency ?? null,
          customer_segment: 'B2B',
          createdate: iso(account.signup_date),
        },
        at(churnDay ?? account.signup_date),
      );
      // Every account became a customer at signup, created as a lead and made a customer at once
      // (as a generated consumer is), and a former customer on its churn day if it left.
      const lifecycle = {
        stageBefore: 'lead',
        customerSince: at(account.signup_date),
        leftAt: churnDay ? at(churnDay) : null,
      };
      writeLifecycleHistory(portal, 'companies', company.id, lifecycle);
      writeLifecycleHistory(portal, 'contacts', contact.id, lifecycle);
      portal.associate(
        'contacts',
        contact.id,
        'companies',
        company.id,
        ASSOCIATION_TYPE_IDS['contacts:companies']!,
      );
      ids.set(account.account_id, {
        contactId: contact.id,
        companyId: company.id,
        email,
        firstname: person.firstname,
        plan: account.plan_tier,
      });
      portal.truth.set(contact.id, {
        contactId: contact.id,
        churned: account.churn_flag,
        churnDecidedAt: null,
        churnVisibleAt: churnDay ? at(churnDay) : null,
        risk: account.churn_flag ? 1 : 0,
        drivers: {},
      });
      if (churnDay) churnedAccounts++;
    });

    for (const own of subscriptionsOf.values()) {
      own.forEach((s, i) => {
        const deal = portal.createRecord(
          'deals',
          {
            dealname: `${s.plan_tier} subscription ${s.subscription_id}`,
            amount: String(s.billing_frequency === 'annual' ? s.arr_amount : s.mrr_amount),
            closedate: iso(s.start_date),
            createdate: iso(s.start_date),
            dealstage: 'closedwon',
            pipeline: 'default',
            dealtype: i === 0 ? 'newbusiness' : 'existingbusiness',
            hs_is_closed_won: 'true',
          },
          at(s.start_date),
        );
        link(s.account_id, 'deals', deal.id);
      });
    }

    const accountOfSubscription = new Map(subscriptions.map((s) => [s.subscription_id, s.account_id]));
    for (const row of usage) {
      const owner = ids.get(accountOfSubscription.get(row.subscription_id)!)!;
      portal.usage.add({
        eventId: row.usage_id,
        contactId: owner.contactId,
        email: owner.email,
        type: 'feature_use',
        feature: row.feature_name,
        minutes: Math.round(row.usage_duration_secs / 6) / 10,
        occurredAt: at(row.usage_date),
      });
    }
    portal.usage.trim();

    for (const row of tickets) {
      const owner = ids.get(row.account_id)!;
      const tone = TONES[row.satisfaction_score] ?? (row.escalation_flag ? 'angry' : 'neutral');
      const rng = new Random(hashString(row.ticket_id));
      const text = ticketText(rng, tone, {
        firstname: owner.firstname,
        plan: owner.plan,
        seats: 5,
        previousTickets: 0,
      });
      const closed = row.closed_at !== '';
      const ticket = portal.createRecord(
        'tickets',
        {
          subject: text.subject,
          content: text.content,
          hs_pipeline: TICKET_PIPELINE,
          hs_pipeline_stage: closed ? TICKET_STAGES.closed : TICKET_STAGES.waitingOnUs,
          hs_ticket_priority: row.priority.toUpperCase(),
          hs_ticket_category: text.category,
          createdate: iso(row.submitted_at),
          closed_date: closed ? iso(row.closed_at) : null,
          time_to_close:
            row.resolution_time_hours === '' ? null : String(row.resolution_time_hours * 3_600_000),
          time_to_first_agent_reply:
            row.first_response_time_minutes === '' ? null : String(row.first_response_time_minutes * 60_000),
        },
        at(row.closed_at || row.submitted_at),
      );
      link(row.account_id, 'tickets', ticket.id);
    }

    for (const churn of churns) {
      const feedback = portal.createRecord(
        'feedback_submissions',
        {
          hs_survey_type: 'CUSTOM',
          hs_survey_name: 'Exit survey',
          hs_content: churn.feedback_text,
          exit_reason: churn.reason_code,
          hs_submission_timestamp: iso(churn.churn_date),
          createdate: iso(churn.churn_date),
        },
        at(churn.churn_date),
      );
      link(churn.account_id, 'feedback_submissions', feedback.id);
    }

    return {
      companies: accounts.length,
      contacts: accounts.length,
      deals: subscriptions.length,
      tickets: tickets.length,
      usageEvents: usage.length,
      feedbackSubmissions: churns.length,
      churnedAccounts,
      shiftDays,
    };
  } finally {
    portal.emitChanges = emitting;
  }
}
