/**
 * Turns a customer's story into CRM records in a portal: emails, tickets, deals, NPS answers and
 * the contact itself, each associated to its contact (and company where HubSpot would). The
 * contact, its deals and its tickets name the account's owner as of their creation, with the
 * reassignment of a departed owner's records (owner-departures.ts). Wording comes from its own
 * random stream, so changing a sentence never changes who churns.
 */
import { ASSOCIATION_TYPE_IDS, type ObjectType, type PortalData } from '../store.js';
import { outgoingEmail, replyEmail } from './email-text.js';
import { npsComment } from './feedback-text.js';
import { writeLifecycleHistory } from './lifecycle-history.js';
import {
  lastChangeWith,
  writeOwnerHistory,
  type AccountOwner,
  type RecordOwner,
} from './owner-departures.js';
import { DAY_MS, type CompanyProfile, type CustomerProfile } from './profile.js';
import { ticketPlacement, wonRenewalPlacement } from './pipelines.js';
import { FORMER_CUSTOMER_STAGE, type TICKET_STAGES } from './properties.js';
import type { PlanChange } from './plan-changes.js';
import type { Random } from './random.js';
import type { Story } from './simulate.js';
import type { TextPool } from './text-pool.js';
import { ticketText } from './ticket-text.js';

export interface RecordCounts {
  companies: number;
  contacts: number;
  emails: number;
  tickets: number;
  deals: number;
  feedbackSubmissions: number;
  usageEvents: number;
}

export function emptyCounts(): RecordCounts {
  return {
    companies: 0,
    contacts: 0,
    emails: 0,
    tickets: 0,
    deals: 0,
    feedbackSubmissions: 0,
    usageEvents: 0,
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();
const YEAR_MS = 365.25 * DAY_MS;
const MONTH_MS = YEAR_MS / 12;
const LOST_REASONS = [
  'Budget',
  'Switched to a competitor',
  'No longer needed',
  'Price',
  'Product fit',
  'No response',
];

export interface CustomerTarget {
  portal: PortalData;
  contactId: string;
  companyId: string | null;
  /** The owner (`hubspot_owner_id`) of the contact, its deals and its tickets, by creation time. */
  owner: AccountOwner;
  now: number;
  windowStart: number;
  counts: RecordCounts;
  /** Where the records' repeated texts come from, one copy each. */
  texts: TextPool;
}

function link(target: CustomerTarget, type: ObjectType, id: string, withCompany: boolean): void {
  target.portal.associate('contacts', target.contactId, type, id, ASSOCIATION_TYPE_IDS[`contacts:${type}`]!);
  if (withCompany && target.companyId) {
    target.portal.associate(
      'companies',
      target.companyId,
      type,
      id,
      ASSOCIATION_TYPE_IDS[`companies:${type}`]!,
    );
  }
}

function writeEmails(target: CustomerTarget, rng: Random, profile: CustomerProfile, story: Story): void {
  const first = profile.person.firstname;
  for (const email of story.emails) {
    const text = outgoingEmail(rng, email.kind, first, profile.plan);
    const subject = target.texts.shared(text.subject);
    const last = email.reply?.at ?? email.openedAt ?? email.sentAt;
    const sent = iso(email.sentAt);
    const properties: Record<string, string> = {
      hs_timestamp: sent,
      createdate: sent,
      hs_email_direction: 'EMAIL',
      hs_email_status: email.bounced ? 'BOUNCED' : 'SENT',
      hs_email_subject: subject,
      hs_email_text: target.texts.shared(text.text),
    };
    properties.hs_email_open_count = email.openedAt === null ? '0' : '1';
    properties.hs_email_reply_count = email.reply ? '1' : '0';
    if (email.openedAt !== null) {
      properties.hs_email_first_open_date = properties.hs_email_last_open_date = iso(email.openedAt);
    }
    if (email.reply) {
      properties.hs_email_first_reply_date = properties.hs_email_last_reply_date = iso(email.reply.at);
    }
    const record = target.portal.createRecord('emails', properties, new Date(last));
    link(target, 'emails', record.id, false);
    target.counts.emails++;
    if (email.reply) {
      const answer = replyEmail(rng, email.reply.tone, subject, first);
      const at = properties.hs_email_last_reply_date!;
      const reply = target.portal.createRecord(
        'emails',
        {
          hs_timestamp: at,
          createdate: at,
          hs_email_direction: 'INCOMING_EMAIL',
          hs_email_status: 'SENT',
          hs_email_subject: target.texts.shared(answer.subject),
          hs_email_text: target.texts.shared(answer.text),
        },
        new Date(email.reply.at),
      );
      link(target, 'emails', reply.id, false);
      target.counts.emails++;
    }
  }
}

function writeTickets(target: CustomerTarget, rng: Random, profile: CustomerProfile, story: Story): void {
  story.tickets.forEach((ticket, previousTickets) => {
    const text = ticketText(rng, ticket.tone, {
      firstname: profile.person.firstname,
      plan: profile.plan,
      seats: profile.seats,
      previousTickets,
      cancelling: ticket.cancelling,
    });
    const open = ticket.closedAt === null;
    const stage: keyof typeof TICKET_STAGES = !open
      ? 'closed'
      : target.now - ticket.createdAt < 2 * DAY_MS
        ? 'new'
        : rng.chance(0.5)
          ? 'waitingOnUs'
          : 'waitingOnContact';
    const owner = target.owner(ticket.createdAt);
    const record = target.portal.createRecord(
      'tickets',
      {
        subject: target.texts.shared(text.subject),
        content: target.texts.shared(text.content),
        ...ticketPlacement(target.portal, `${target.contactId}:${previousTickets}`, stage),
        hs_ticket_priority: ticket.priority,
        hs_ticket_category: text.category,
        createdate: iso(ticket.createdAt),
        closed_date: open ? null : iso(ticket.closedAt!),
        time_to_close: open ? null : String(Math.round(ticket.closedAt! - ticket.createdAt)),
        reopen_count: String(ticket.reopened),
        hubspot_owner_id: owner.ownerId,
      },
      lastChangeWith(owner, ticket.closedAt ?? ticket.createdAt),
    );
    writeOwnerHistory(target.portal, 'tickets', record, owner);
    link(target, 'tickets', record.id, true);
    target.counts.tickets++;
  });
}

function writeFeedback(target: CustomerTarget, rng: Random, story: Story): void {
  for (const answer of story.feedback) {
    if (answer.at >= target.now) continue;
    const record = target.portal.createRecord(
      'feedback_submissions',
      {
        hs_response_value: String(answer.score),
        hs_content: target.texts.shared(npsComment(rng, answer.score)),
        hs_submission_timestamp: iso(answer.at),
        hs_survey_type: 'NPS',
        hs_survey_name: 'Quarterly NPS',
        createdate: iso(answer.at),
      },
      new Date(answer.at),
    );
    link(target, 'feedback_submissions', record.id, false);
    target.counts.feedbackSubmissions++;
  }
}

function writeDeal(
  target: CustomerTarget,
  profile: CustomerProfile,
  closeAt: number,
  stage: 'closedwon' | 'closedlost' | 'contractsent',
  renewal: boolean,
  rng: Random,
): void {
  const label = renewal
    ? `${profile.billing === 'annual' ? 'Annual' : 'Monthly'} renewal`
    : 'New subscription';
  const createdate = iso(closeAt - (renewal ? 30 : rng.uniform(7, 45)) * DAY_MS);
  const owner = target.owner(Date.parse(createdate));
  const record = target.portal.createRecord(
    'deals',
    {
      dealname: target.texts.shared(
        `${label} – ${profile.plan} – ${profile.person.firstname} ${profile.person.lastname}`,
      ),
      amount: String(profile.periodAmount),
      closedate: iso(closeAt),
      createdate,
      ...(stage === 'closedwon' && renewal
        ? wonRenewalPlacement(target.portal, `${target.contactId}:${closeAt}`)
        : { pipeline: 'default', dealstage: stage }),
      dealtype: renewal ? 'existingbusiness' : 'newbusiness',
      hs_is_closed_won: stage === 'closedwon' ? 'true' : 'false',
      closed_lost_reason: stage === 'closedlost' ? rng.pick(LOST_REASONS) : null,
      hubspot_owner_id: owner.ownerId,
    },
    lastChangeWith(owner, Math.min(closeAt, target.now)),
  );
  writeOwnerHistory(target.portal, 'deals', record, owner);
  link(target, 'deals', record.id, true);
  target.counts.deals++;
}

/**
 * The first purchase, every renewal until the customer decides to leave (someone who has made up
 * their mind does not renew), then the lost renewal once the churn shows, or the renewal that is
 * open now.
 */
function writeDeals(target: CustomerTarget, rng: Random, profile: CustomerProfile, story: Story): void {
  const visibleAt = story.visibleAt !== null && story.visibleAt < target.now ? story.visibleAt : null;
  writeDeal(target, profile, profile.since, 'closedwon', false, rng);
  const period = profile.billing === 'annual' ? YEAR_MS : MONTH_MS;
  const end = Math.min(story.decidedAt ?? target.now, target.now);
  let k = 1;
  // Monthly customers' renewals are kept from the window's start only: years of them add nothing.
  if (profile.billing === 'monthly') {
    k = Math.max(1, Math.ceil((target.windowStart - profile.since) / period));
  }
  // Consumers on monthly cards are charged, not sold to: no deal a month, only the loss at the end.
  const dealPerRenewal = profile.billing === 'annual' || profile.segment === 'B2B';
  for (; dealPerRenewal && profile.since + k * period < end; k++) {
    writeDeal(target, profile, profile.since + k * period, 'closedwon', true, rng);
  }
  if (visibleAt !== null) writeDeal(target, profile, visibleAt, 'closedlost', true, rng);
  else if (profile.billing === 'annual' && profile.since + k * period - target.now < 60 * DAY_MS) {
    writeDeal(target, profile, profile.since + k * period, 'contractsent', true, rng);
  }
}

/**
 * Writes a paying customer's records, then the contact itself (its id was reserved up front), on
 * its last plan when the plan changed on the way.
 */
export function writeCustomer(
  target: CustomerTarget,
  rng: Random,
  profile: CustomerProfile,
  company: CompanyProfile | null,
  story: Story,
  plan: PlanChange | null = null,
): void {
  const visibleAt = story.visibleAt !== null && story.visibleAt < target.now ? story.visibleAt : null;
  writeEmails(target, rng, profile, story);
  writeTickets(target, rng, profile, story);
  writeFeedback(target, rng, story);
  writeDeals(target, rng, profile, story);
  let lastOpen = 0;
  let lastReply = 0;
  let lastContacted = 0;
  for (const email of story.emails) {
    if (email.sentAt < target.now) lastContacted = Math.max(lastContacted, email.sentAt);
    if (email.openedAt !== null) lastOpen = Math.max(lastOpen, email.openedAt);
    if (email.reply) lastReply = Math.max(lastReply, email.reply.at);
  }
  const owner = target.owner(profile.since);
  const contact = target.portal.createRecord(
    'contacts',
    {
      ...personProperties(owner, profile, company),
      lifecyclestage: visibleAt === null ? 'customer' : FORMER_CUSTOMER_STAGE,
      hs_lifecyclestage_customer_date: iso(profile.since),
      hs_lifecyclestage_other_date: visibleAt === null ? null : iso(visibleAt),
      plan: plan?.to ?? profile.plan,
      billing_period: profile.billing,
      hs_email_last_open_date: lastOpen ? iso(lastOpen) : null,
      hs_email_last_reply_date: lastReply ? iso(lastReply) : null,
      notes_last_contacted: lastContacted ? iso(lastContacted) : null,
    },
    lastChangeWith(
      owner,
      Math.max(profile.since, visibleAt ?? 0, Math.min(target.now, lastReply || lastOpen)),
    ),
    target.contactId,
  );
  writeOwnerHistory(target.portal, 'contacts', contact, owner);
  writeLifecycleHistory(target.portal, 'contacts', target.contactId, {
    // A business buys through a deal (an open deal makes its contacts opportunities); a consumer
    // signs up as a lead and pays.
    stageBefore: profile.segment === 'B2B' ? 'opportunity' : 'lead',
    customerSince: new Date(profile.since),
    leftAt: visibleAt === null ? null : new Date(visibleAt),
  });
  if (plan) {
    target.portal.setHistory('contacts', target.contactId, 'plan', [
      { value: plan.from, timestamp: new Date(profile.since), sourceType: 'CRM_UI' },
      { value: plan.to, timestamp: new Date(plan.at), sourceType: 'CRM_UI' },
    ]);
  }
  target.counts.contacts++;
}

function personProperties(
  owner: RecordOwner,
  profile: CustomerProfile,
  company: CompanyProfile | null,
): Record<string, string | null> {
  return {
    hubspot_owner_id: owner.ownerId,
    firstname: profile.person.firstname,
    lastname: profile.person.lastname,
    email: profile.email,
    jobtitle: profile.jobtitle || null,
    company: company?.name ?? null,
    country: profile.country,
    city: profile.city,
    customer_segment: profile.segment,
    createdate: iso(profile.since),
  };
}

/** A prospect who never bought: a lifecycle stage before `customer` and a few emails. */
export function writeProspect(
  target: CustomerTarget,
  rng: Random,
  profile: CustomerProfile,
  company: CompanyProfile | null,
  story: Story,
): void {
  writeEmails(target, rng, profile, story);
  const owner = target.owner(profile.since);
  const contact = target.portal.createRecord(
    'contacts',
    {
      ...personProperties(owner, profile, company),
      lifecyclestage: profile.prospectStage,
    },
    lastChangeWith(owner, profile.since),
    target.contactId,
  );
  writeOwnerHistory(target.portal, 'contacts', contact, owner);
  target.counts.contacts++;
}
