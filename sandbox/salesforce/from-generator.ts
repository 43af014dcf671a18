/**
 * Fills a Salesforce org with the synthetic customers of the HubSpot sandbox's generator, so both
 * CRMs tell the same story: the generator writes a scratch HubSpot portal, and each of its records
 * becomes the Salesforce record a CRM team would keep for it, with the same timestamps.
 *
 * - companies → Account (lifecycle stage → Type), contacts → Contact (lifecycle stage →
 *   `Customer_Status__c`, whose history becomes `ContactHistory` rows), deals → Opportunity,
 *   tickets → Case, each email → a Task (the activity) and its EmailMessage, feedback →
 *   `Survey_Response__c`; owners become a few sales users, and an owner who left (an archived
 *   HubSpot owner) an inactive one, who keeps the records nobody reassigned.
 * - The hidden truth and the usage events move over, keyed by Contact id.
 *
 * The portal is copied while the generator runs and emptied as it goes, so memory holds little
 * more than the org itself. Ids come from the org's counters in the generator's order: the same
 * seed and `now` give the same ids and records.
 */
import { FORMER_CUSTOMER_STAGE, TICKET_STAGES } from '../generator/properties.js';
import { generatePortal, type GenerateOptions, type GenerationSummary } from '../generator/index.js';
import { historyOf } from '../property-history.js';
import { OBJECT_TYPES, PortalData, type CrmRecord, type ObjectType } from '../store.js';
import type { SalesforceOrg, SfUser } from './org.js';
import type { SfRecord } from './types.js';

/** The sales team generated contacts are shared among. */
const SALES_REPS = [
  ['Maya', 'Lindqvist'],
  ['Omar', 'Haddad'],
  ['Priya', 'Raman'],
  ['Tom', 'Becker'],
] as const;

/** Sales users who left, deactivated: departed HubSpot owners become them in turn. */
const FORMER_REPS = [
  ['Lena', 'Vogt'],
  ['Sam', 'Okafor'],
] as const;

const CUSTOMER_STAGES = new Set(['customer', 'evangelist']);
const PROSPECT_STAGES = new Set([
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
]);

/** `Customer_Status__c` for a HubSpot lifecycle stage. */
export function customerStatus(stage: string | null | undefined): string | null {
  if (!stage) return null;
  if (CUSTOMER_STAGES.has(stage)) return 'Customer';
  if (stage === FORMER_CUSTOMER_STAGE) return 'Former Customer';
  return PROSPECT_STAGES.has(stage) ? 'Prospect' : null;
}

function accountType(stage: string | null | undefined): string | null {
  const status = customerStatus(stage);
  return status === 'Customer' ? 'Customer - Direct' : status;
}

const INDUSTRY: Readonly<Record<string, string>> = {
  COMPUTER_SOFTWARE: 'Technology',
  INFORMATION_TECHNOLOGY_AND_SERVICES: 'Technology',
  INTERNET: 'Technology',
  MARKETING_AND_ADVERTISING: 'Media',
  FINANCIAL_SERVICES: 'Finance',
  HOSPITAL_HEALTH_CARE: 'Healthcare',
  RETAIL: 'Retail',
  EDUCATION_MANAGEMENT: 'Education',
  MANUFACTURING: 'Manufacturing',
  LOGISTICS_AND_SUPPLY_CHAIN: 'Transportation',
  MANAGEMENT_CONSULTING: 'Consulting',
  NONPROFIT_ORGANIZATION_MANAGEMENT: 'Not For Profit',
};

const OPPORTUNITY_STAGE: Readonly<Record<string, string>> = {
  appointmentscheduled: 'Prospecting',
  qualifiedtobuy: 'Prospecting',
  presentationscheduled: 'Negotiation',
  decisionmakerboughtin: 'Negotiation',
  contractsent: 'Negotiation',
  closedwon: 'Closed Won',
  closedlost: 'Closed Lost',
};

const OPPORTUNITY_TYPE: Readonly<Record<string, string>> = {
  newbusiness: 'New Business',
  existingbusiness: 'Existing Business - Renewal',
  renewal: 'Existing Business - Renewal',
};

const CASE_PRIORITY: Readonly<Record<string, string>> = {
  LOW: 'Low',
  MEDIUM: 'Medium',
  HIGH: 'High',
  URGENT: 'High',
};
const CASE_ORIGIN: Readonly<Record<string, string>> = {
  EMAIL: 'Email',
  PHONE: 'Phone',
  FORM: 'Web',
  CHAT: 'Web',
};
const CASE_TYPE: Readonly<Record<string, string>> = {
  PRODUCT_ISSUE: 'Problem',
  BILLING_ISSUE: 'Billing',
  FEATURE_REQUEST: 'Feature Request',
  GENERAL_INQUIRY: 'Question',
};
const BILLING_PERIOD: Readonly<Record<string, string>> = { monthly: 'Monthly', annual: 'Annual' };

/** What later records need to know about a copied contact. */
interface CopiedContact {
  id: string;
  ownerId: string;
  accountId: string | null;
  email: string | null;
  name: string | null;
}

interface CopiedAccount {
  id: string;
  ownerId: string;
}

function present(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}

function numberOf(value: string | null | undefined): number | null {
  const text = present(value);
  if (text === null) return null;
  const parsed = Number(text);
  return Number.isFinite(parsed) ? parsed : null;
}

/**
 * The moment a HubSpot datetime names, as one of `known` when one is that moment: records share
 * their Date objects where they can (a Date costs a hundred bytes, an org holds millions).
 */
function datetimeOf(value: string | null | undefined, ...known: (Date | null)[]): Date | null {
  const text = present(value);
  if (text === null) return null;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return null;
  return known.find((at) => at?.getTime() === ms) ?? new Date(ms);
}

function truncate(value: string | null, length: number): string | null {
  return value !== null && value.length > length ? value.slice(0, length) : value;
}

/**
 * Copies a HubSpot portal's records into an org. With `consume`, each record leaves the portal
 * once copied (the generator's scratch portal), so `copyReady` can run while the portal fills.
 */
class PortalCopy {
  private readonly accounts = new Map<string, CopiedAccount>();
  private readonly contacts = new Map<string, CopiedContact>();
  private readonly ownersByHubspotId = new Map<string, SfUser>();
  private readonly dayStrings = new Map<string, string>();
  private readonly owners: SfUser[];
  private accountCount = 0;
  private contactCount = 0;
  private activeOwnersSeen = 0;
  private formerOwnersSeen = 0;

  /** `usersSince`: when the sales users were created. */
  constructor(
    private readonly org: SalesforceOrg,
    private readonly portal: PortalData,
    private readonly usersSince: Date,
    private readonly consume: boolean,
  ) {
    this.owners = salesUsers(org, usersSince);
  }

  /** Copies every record whose parents are copied (or absent), then the truth and usage events. */
  copyReady(): void {
    this.copyEach('companies', (record) => this.copyCompany(record));
    this.copyEach('contacts', (record) => this.copyContact(record));
    this.copyEach('emails', (record) => this.copyEmail(record));
    this.copyEach('tickets', (record) => this.copyTicket(record));
    this.copyEach('deals', (record) => this.copyDeal(record));
    this.copyEach('feedback_submissions', (record) => this.copyFeedback(record));
    this.copyTruthAndUsage();
  }

  /** Records the copy had to leave behind (a parent still missing): none once the portal is whole. */
  remaining(): number {
    return OBJECT_TYPES.reduce((sum, type) => sum + this.portal.recordsOf(type).size, 0);
  }

  private copyEach(type: ObjectType, copy: (record: CrmRecord) => SfRecord | null): void {
    const records = this.portal.recordsOf(type);
    for (const record of records.values()) {
      const copied = copy(record);
      if (!copied) continue;
      if (record.archived) this.org.loadDeletion(copied.Id, record.archivedAt ?? record.updatedAt);
      if (this.consume) {
        records.delete(record.id);
        for (const other of OBJECT_TYPES) this.portal.associations.delete(type, record.id, other);
      }
    }
  }

  /**
   * The copied parent a record is associated with: `null` when it has none (or the parent is not
   * in the portal), `undefined` when the parent is still waiting to be copied.
   */
  private parent<T>(
    type: ObjectType,
    id: string,
    parentType: ObjectType,
    copied: Map<string, T>,
  ): T | null | undefined {
    const association = this.portal.associationsOf(type, id, parentType)[0];
    if (!association) return null;
    const parent = copied.get(association.toId);
    if (parent) return parent;
    return this.portal.recordsOf(parentType).has(association.toId) ? undefined : null;
  }

  /** A date (`YYYY-MM-DD`), one string per day: millions of activities share a few hundred days. */
  private day(at: Date | string | null | undefined): string | null {
    if (at === null || at === undefined || at === '') return null;
    let key: string;
    if (at instanceof Date) key = at.toISOString().slice(0, 10);
    else if (/^\d{4}-\d{2}-\d{2}T/.test(at)) key = at.slice(0, 10);
    else {
      const parsed = datetimeOf(at);
      if (!parsed) return null;
      key = parsed.toISOString().slice(0, 10);
    }
    const shared = this.dayStrings.get(key);
    if (shared) return shared;
    this.dayStrings.set(key, key);
    return key;
  }

  private ownerFor(hubspotOwnerId: string | null | undefined, fallback: number): SfUser {
    const id = present(hubspotOwnerId);
    if (id === null) return this.owners[fallback % this.owners.length]!;
    let owner = this.ownersByHubspotId.get(id);
    if (!owner) {
      const departed = this.portal.owners.get(id);
      owner = departed?.archived
        ? this.formerUser(departed.updatedAt)
        : this.owners[this.activeOwnersSeen++ % this.owners.length]!;
      this.ownersByHubspotId.set(id, owner);
    }
    return owner;
  }

  /** The next former sales user, made (deactivated at `leftAt`) the first time. */
  private formerUser(leftAt: Date): SfUser {
    const [first, last] = FORMER_REPS[this.formerOwnersSeen++ % FORMER_REPS.length]!;
    const modifiedAt = leftAt > this.usersSince ? leftAt : this.usersSince;
    return salesUser(this.org, first, last, false, { createdAt: this.usersSince, modifiedAt });
  }

  private times(record: CrmRecord, by: string) {
    return { createdAt: record.createdAt, modifiedAt: record.updatedAt, by };
  }

  private copyCompany(record: CrmRecord): SfRecord {
    const p = record.properties;
    const owner = this.ownerFor(p.hubspot_owner_id, this.accountCount++);
    const industry = present(p.industry);
    const account = this.org.loadRecord(
      'Account',
      {
        Name: truncate(present(p.name) ?? present(p.domain) ?? `Company ${record.id}`, 255),
        Type: accountType(p.lifecyclestage),
        Industry: industry === null ? null : (INDUSTRY[industry] ?? 'Other'),
        NumberOfEmployees: numberOf(p.numberofemployees),
        AnnualRevenue: numberOf(p.annualrevenue),
        BillingCity: truncate(present(p.city), 40),
        BillingCountry: truncate(present(p.country), 80),
        Website: present(p.domain) ?? present(p.website),
        OwnerId: owner.Id,
      },
      this.times(record, owner.Id),
    );
    this.accounts.set(record.id, { id: account.Id, ownerId: owner.Id });
    return account;
  }

  private copyContact(record: CrmRecord): SfRecord | null {
    const account = this.parent('contacts', record.id, 'companies', this.accounts);
    if (account === undefined) return null;
    const p = record.properties;
    const serial = this.contactCount++;
    const ownerId =
      present(p.hubspot_owner_id) === null && account
        ? account.ownerId
        : this.ownerFor(p.hubspot_owner_id, serial).Id;
    const contact = this.org.loadRecord(
      'Contact',
      {
        FirstName: truncate(present(p.firstname), 40),
        LastName: truncate(present(p.lastname) ?? '[not provided]', 80),
        Email: present(p.email),
        Title: truncate(present(p.jobtitle), 128),
        Phone: truncate(present(p.phone), 40),
        MailingCity: truncate(present(p.city), 40),
        MailingCountry: truncate(present(p.country), 80),
        AccountId: account?.id ?? null,
        OwnerId: ownerId,
        HasOptedOutOfEmail: p.hs_email_optout === 'true',
        Customer_Status__c: customerStatus(p.lifecyclestage),
        Customer_Since__c: this.day(p.hs_lifecyclestage_customer_date),
        Former_Customer_Since__c: this.day(p[`hs_lifecyclestage_${FORMER_CUSTOMER_STAGE}_date`]),
        Plan__c: truncate(present(p.plan), 80),
        Billing_Period__c: BILLING_PERIOD[p.billing_period ?? ''] ?? null,
        Customer_Segment__c: truncate(present(p.customer_segment), 80),
      },
      this.times(record, ownerId),
    );
    this.copyStatusHistory(record, contact.Id, ownerId);
    this.copyPlanHistory(record, contact.Id, ownerId);
    const name = contact.fields.Name;
    this.contacts.set(record.id, {
      id: contact.Id,
      ownerId,
      accountId: account?.id ?? null,
      email: present(p.email),
      name: typeof name === 'string' ? name : null,
    });
    return contact;
  }

  /** `created`, then a row for each change of the status the lifecycle stages map to. */
  private copyStatusHistory(record: CrmRecord, contactId: string, by: string): void {
    this.org.loadFieldHistory(contactId, 'created', null, null, record.createdAt, by);
    const entries = historyOf(record, 'lifecyclestage').reverse();
    let previous = customerStatus(entries[0]?.value);
    for (const entry of entries.slice(1)) {
      const status = customerStatus(entry.value);
      if (status === previous) continue;
      const at =
        entry.timestamp.getTime() === record.createdAt.getTime() ? record.createdAt : entry.timestamp;
      this.org.loadFieldHistory(contactId, 'Customer_Status__c', previous, status, at, by);
      previous = status;
    }
  }

  /** A row for each change of plan after the contact was created. */
  private copyPlanHistory(record: CrmRecord, contactId: string, by: string): void {
    const entries = historyOf(record, 'plan').reverse();
    for (let i = 1; i < entries.length; i++) {
      const [before, after] = [entries[i - 1]!, entries[i]!];
      if (before.value === after.value) continue;
      const plan = (value: string) => truncate(present(value), 80);
      this.org.loadFieldHistory(
        contactId,
        'Plan__c',
        plan(before.value),
        plan(after.value),
        after.timestamp,
        by,
      );
    }
  }

  private copyEmail(record: CrmRecord): SfRecord | null {
    const contact = this.parent('emails', record.id, 'contacts', this.contacts);
    if (contact === undefined) return null;
    const p = record.properties;
    const owner = this.org.users.get(contact?.ownerId ?? '') ?? this.owners[0]!;
    const incoming = p.hs_email_direction === 'INCOMING_EMAIL';
    const sentAt = datetimeOf(p.hs_timestamp, record.createdAt, record.updatedAt) ?? record.createdAt;
    const subject = present(p.hs_email_subject);
    const text = present(p.hs_email_text);
    const times = this.times(record, owner.Id);
    const task = this.org.loadRecord(
      'Task',
      {
        WhoId: contact?.id ?? null,
        Subject: truncate(`Email: ${subject ?? ''}`, 255),
        Description: text,
        ActivityDate: this.day(sentAt),
        Status: 'Completed',
        Priority: 'Normal',
        TaskSubtype: 'Email',
        CompletedDateTime: sentAt,
        OwnerId: owner.Id,
      },
      times,
    );
    const firstOpened = datetimeOf(p.hs_email_first_open_date, record.updatedAt, sentAt);
    const opened = (numberOf(p.hs_email_open_count) ?? 0) > 0 || firstOpened !== null;
    const replied = (numberOf(p.hs_email_reply_count) ?? 0) > 0;
    // A reply the contact sent has been read here; what we sent is replied to, opened or just sent.
    const status = incoming ? '1' : replied ? '2' : opened ? '1' : '3';
    const [from, fromName, to] = incoming
      ? [contact?.email ?? null, contact?.name ?? null, owner.Email]
      : [owner.Email, owner.Name, contact?.email ?? null];
    this.org.loadRecord(
      'EmailMessage',
      {
        ActivityId: task.Id,
        Subject: subject,
        TextBody: text,
        FromAddress: from,
        FromName: fromName,
        ToAddress: to,
        Incoming: incoming,
        Status: status,
        MessageDate: sentAt,
        FirstOpenedDate: firstOpened,
        LastOpenedDate: datetimeOf(p.hs_email_last_open_date, firstOpened, record.updatedAt),
        IsBounced: p.hs_email_status === 'BOUNCED',
      },
      times,
    );
    return task;
  }

  private copyTicket(record: CrmRecord): SfRecord | null {
    const contact = this.parent('tickets', record.id, 'contacts', this.contacts);
    const account = this.parent('tickets', record.id, 'companies', this.accounts);
    if (contact === undefined || account === undefined) return null;
    const p = record.properties;
    const closedAt = datetimeOf(p.closed_date, record.updatedAt);
    const stage = this.portal.pipelines
      .get('tickets')
      ?.get(p.hs_pipeline ?? '')
      ?.stages.find((s) => s.id === p.hs_pipeline_stage);
    const closed =
      p.hs_pipeline_stage === TICKET_STAGES.closed ||
      closedAt !== null ||
      stage?.metadata.ticketState === 'CLOSED';
    const ownerId = contact?.ownerId ?? account?.ownerId ?? this.owners[0]!.Id;
    return this.org.loadRecord(
      'Case',
      {
        Subject: truncate(present(p.subject), 255),
        Description: present(p.content),
        Priority: CASE_PRIORITY[p.hs_ticket_priority ?? ''] ?? null,
        Status: closed ? 'Closed' : p.hs_pipeline_stage === TICKET_STAGES.new ? 'New' : 'Working',
        ClosedDate: closed ? (closedAt ?? record.updatedAt) : null,
        Origin: CASE_ORIGIN[p.source_type ?? ''] ?? null,
        Type: CASE_TYPE[p.hs_ticket_category ?? ''] ?? null,
        ContactId: contact?.id ?? null,
        AccountId: account?.id ?? contact?.accountId ?? null,
        OwnerId: ownerId,
      },
      this.times(record, ownerId),
    );
  }

  private copyDeal(record: CrmRecord): SfRecord | null {
    const contact = this.parent('deals', record.id, 'contacts', this.contacts);
    const account = this.parent('deals', record.id, 'companies', this.accounts);
    if (contact === undefined || account === undefined) return null;
    const p = record.properties;
    const ownerId = contact?.ownerId ?? account?.ownerId ?? this.owners[0]!.Id;
    return this.org.loadRecord(
      'Opportunity',
      {
        Name: truncate(present(p.dealname) ?? `Deal ${record.id}`, 120),
        AccountId: account?.id ?? contact?.accountId ?? null,
        ContactId: contact?.id ?? null,
        Amount: numberOf(p.amount),
        StageName: this.opportunityStage(p.pipeline, p.dealstage),
        CloseDate: this.day(present(p.closedate) ?? record.createdAt),
        Type: OPPORTUNITY_TYPE[p.dealtype ?? ''] ?? null,
        Loss_Reason__c: truncate(present(p.closed_lost_reason), 255),
        OwnerId: ownerId,
      },
      this.times(record, ownerId),
    );
  }

  /**
   * The Opportunity stage for a deal's HubSpot stage: the default pipeline's stages by name, and a
   * custom pipeline's by their metadata (closed and won at probability 1, closed and lost below it,
   * open ones by how likely they are to close).
   */
  private opportunityStage(
    pipelineId: string | null | undefined,
    stageId: string | null | undefined,
  ): string {
    const named = OPPORTUNITY_STAGE[stageId ?? ''];
    if (named) return named;
    const stage = this.portal.pipelines
      .get('deals')
      ?.get(pipelineId ?? '')
      ?.stages.find((s) => s.id === stageId);
    if (!stage) return 'Prospecting';
    const probability = Number(stage.metadata.probability);
    if (stage.metadata.isClosed === 'true') return probability >= 1 ? 'Closed Won' : 'Closed Lost';
    return probability >= 0.6 ? 'Negotiation' : 'Prospecting';
  }

  private copyFeedback(record: CrmRecord): SfRecord | null {
    const contact = this.parent('feedback_submissions', record.id, 'contacts', this.contacts);
    if (contact === undefined) return null;
    const p = record.properties;
    const exitReason = present(p.exit_reason);
    const ownerId = contact?.ownerId ?? this.owners[0]!.Id;
    return this.org.loadRecord(
      'Survey_Response__c',
      {
        Contact__c: contact?.id ?? null,
        Survey_Type__c: exitReason !== null ? 'Exit' : p.hs_survey_type === 'CSAT' ? 'CSAT' : 'NPS',
        Score__c: numberOf(p.hs_response_value),
        Comment__c: present(p.hs_content),
        Submitted_At__c: datetimeOf(p.hs_submission_timestamp, record.createdAt) ?? record.createdAt,
        Exit_Reason__c: truncate(exitReason, 255),
        OwnerId: ownerId,
      },
      this.times(record, ownerId),
    );
  }

  private copyTruthAndUsage(): void {
    for (const [hubspotId, truth] of this.portal.truth) {
      const contact = this.contacts.get(hubspotId);
      if (!contact) continue;
      if (this.consume) {
        truth.contactId = contact.id;
        this.portal.truth.delete(hubspotId);
        this.org.truth.set(contact.id, truth);
      } else {
        this.org.truth.set(contact.id, { ...truth, drivers: { ...truth.drivers }, contactId: contact.id });
      }
    }
    // Event ids are the product's own: only the contact they belong to changes.
    this.portal.usage.transferTo(this.org.usage, (contactId) => this.contacts.get(contactId)?.id, {
      move: this.consume,
    });
  }
}

/** The org's sales users, made the first time (at `at`) and found by username after. */
export function salesUsers(org: SalesforceOrg, at: Date): SfUser[] {
  return SALES_REPS.map(([first, last]) => salesUser(org, first, last, true, { createdAt: at }));
}

/** A sales user found by username, else made with these dates. */
function salesUser(
  org: SalesforceOrg,
  first: string,
  last: string,
  active: boolean,
  dates: { createdAt: Date; modifiedAt?: Date },
): SfUser {
  const domain = org.adminUser.Username.split('@')[1] ?? 'example.com';
  const username = `${first}.${last}@${domain}`.toLowerCase();
  const known = [...org.users.values()].find((user) => user.Username === username);
  if (known) return known;
  const record = org.loadRecord(
    'User',
    { Username: username, Email: username, FirstName: first, LastName: last, IsActive: active },
    dates,
  );
  return org.users.get(record.Id)!;
}

/**
 * Copies a portal's records, hidden truth and usage events into an org; the portal is left as it
 * is. The sales users are dated from the portal's first record.
 */
export function copyPortal(org: SalesforceOrg, portal: PortalData): void {
  let first = Infinity;
  for (const type of OBJECT_TYPES) {
    for (const record of portal.recordsOf(type).values()) first = Math.min(first, record.createdAt.getTime());
  }
  const since = Number.isFinite(first) ? new Date(first) : org.now();
  new PortalCopy(org, portal, since, false).copyReady();
}

function windowStart(end: Date, months: number): Date {
  return new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - months, end.getUTCDate()));
}

function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

/**
 * Generates `options.contacts` customers with the HubSpot generator and writes them into the org;
 * the summary counts the generated records (one Task and one EmailMessage per email).
 */
export function generateOrg(org: SalesforceOrg, options: GenerateOptions): GenerationSummary {
  const now = options.now ?? startOfUtcDay(new Date());
  const scratch = new PortalData(1, 'scratch.sandbox.local');
  let copy: PortalCopy | undefined;
  // Made at the first copy, once the generator has accepted the options.
  const copyReady = () => {
    copy ??= new PortalCopy(org, scratch, windowStart(now, options.months ?? 24), true);
    copy.copyReady();
    return copy;
  };
  const summary = generatePortal(scratch, {
    ...options,
    now,
    onProgress: (done, total) => {
      copyReady();
      options.onProgress?.(done, total);
    },
  });
  const left = copyReady().remaining();
  if (left > 0) throw new Error(`${left} generated records have no parent to attach to`);
  return summary;
}
