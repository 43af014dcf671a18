/**
 * Salesforce's records as the warehouse keeps them: which object and fields stand for each of the
 * product's record types, which lookups are its associations, and pure mappers from Salesforce's
 * field names and values to CRM-neutral rows. Nothing outside this folder reads a Salesforce field.
 *
 * The customer life cycle lives on the contact (`Customer_Status__c`: Prospect, Customer, Former
 * Customer, with its dates), tracked in ContactHistory; renewals are opportunities of the type
 * `Existing Business - Renewal`; survey answers are `Survey_Response__c` records.
 */
import { json } from '../../db/json.js';
import { isTrueValue, ruleProperties, type ChurnRule } from '../../settings/churn-rule.js';
import type { CrmObjectType, CrmRecord } from '../connector.js';
import {
  billingPeriod,
  neutralProfileHistory,
  profileHistoryNeeded,
  type ProfileProperties,
} from '../profile-history.js';
import { customFieldName } from './fields.js';
import { nonEmpty, propertiesWithout, toBoolean, toDate, toInteger, toNumber } from '../property-values.js';
import {
  SCORE_FIELDS,
  STAGE_HISTORY,
  type PropertyHistory,
  type RecordSpec,
  type StageKind,
  type StoredContact,
} from '../warehouse-records.js';

export const STATUS_FIELD = 'Customer_Status__c';
/** The contact fields behind the profile values features read as of a date. */
const PROFILE: ProfileProperties = {
  plan: 'Plan__c',
  billing_period: 'Billing_Period__c',
  segment: 'Customer_Segment__c',
  country: 'MailingCountry',
};
const DEFAULT_FORMER_STATUS = 'Former Customer';
const CUSTOMER_STATUSES: ReadonlySet<string> = new Set(['customer']);
const PROSPECT_STATUSES: ReadonlySet<string> = new Set(['prospect', 'lead', 'opportunity']);
const DEFAULT_RENEWAL_TYPES = ['Existing Business - Renewal'];

/** A Salesforce object standing for one of the product's record types. */
export interface SalesforceObject {
  sobject: string;
  /** Lookup fields that are the record's associations, by the associated type. */
  lookups: Partial<Record<CrmObjectType, string>>;
}

/**
 * The objects the product reads. Emails are EmailMessages; their contact is the Task they were
 * logged as (`Activity.WhoId`), as Salesforce's enhanced email keeps them.
 */
export const SALESFORCE_OBJECTS: Record<CrmObjectType, SalesforceObject> = {
  contacts: { sobject: 'Contact', lookups: { companies: 'AccountId' } },
  companies: { sobject: 'Account', lookups: {} },
  deals: { sobject: 'Opportunity', lookups: { contacts: 'ContactId', companies: 'AccountId' } },
  tickets: { sobject: 'Case', lookups: { contacts: 'ContactId', companies: 'AccountId' } },
  emails: { sobject: 'EmailMessage', lookups: { contacts: 'Activity.WhoId' } },
  feedback_submissions: { sobject: 'Survey_Response__c', lookups: { contacts: 'Contact__c' } },
};

const formerStatusOf = (rule: ChurnRule) =>
  (rule.kind === 'lifecycle_stage' ? rule.formerStage : undefined) ?? DEFAULT_FORMER_STATUS;

/** A customer status as a neutral stage kind; statuses the org added itself are none. */
function stageKind(status: string | null, rule: ChurnRule): StageKind | null {
  if (status === null) return null;
  if (status.toLowerCase() === formerStatusOf(rule).toLowerCase()) return 'former';
  if (CUSTOMER_STATUSES.has(status.toLowerCase())) return 'customer';
  if (PROSPECT_STATUSES.has(status.toLowerCase())) return 'prospect';
  return null;
}

const p = (record: CrmRecord, name: string) => record.properties[name] ?? null;

/** The long texts of emails, tickets and survey answers, each stored in its own column. */
const EMAIL_TEXTS = ['TextBody'];
const TICKET_TEXTS = ['Description'];
const FEEDBACK_TEXTS = ['Comment__c'];

/** The columns every table shares; `texts` are properties kept in a column of their own only. */
function common(record: CrmRecord, portalId: number, texts: readonly string[] = []) {
  return {
    portal_id: portalId,
    id: record.id,
    properties: json(propertiesWithout(record.properties, texts)),
    created_at: toDate(p(record, 'CreatedDate')) ?? toDate(record.createdAt),
    updated_at: toDate(record.updatedAt),
    archived: record.archived,
  };
}

const SYSTEM_FIELDS = ['CreatedDate', 'LastModifiedDate'];

/** Salesforce's history (newest first) as the warehouse keeps it: oldest first, neutral. */
function neutralHistory(record: CrmRecord, rule: ChurnRule): PropertyHistory | undefined {
  if (!record.propertiesWithHistory) return undefined;
  const history: PropertyHistory = {};
  const profile = new Set(Object.values(PROFILE));
  for (const [name, values] of Object.entries(record.propertiesWithHistory)) {
    if (profile.has(name)) continue;
    const key = name === STATUS_FIELD ? STAGE_HISTORY : name;
    history[key] = values
      .map((v) => ({
        value: name === STATUS_FIELD ? stageKind(v.value, rule) : v.value,
        at: new Date(v.timestamp).toISOString(),
      }))
      .filter((v) => v.at !== 'Invalid Date')
      .sort((a, b) => a.at.localeCompare(b.at));
  }
  return { ...history, ...neutralProfileHistory(record, PROFILE) };
}

const watched = (rule: ChurnRule) => [
  STATUS_FIELD,
  'Customer_Since__c',
  'Former_Customer_Since__c',
  ...ruleProperties(rule),
];

/** As HubSpot's: the status's history, or the profile values' of someone who is or was a customer. */
function historyNeeded(record: CrmRecord, stored: StoredContact | undefined, rule: ChurnRule): boolean {
  const kind = stageKind(record.properties[STATUS_FIELD] ?? null, rule);
  const everCustomer = kind === 'customer' || kind === 'former' || !!record.properties.Customer_Since__c;
  return (
    statusHistoryNeeded(record, stored, rule) || profileHistoryNeeded(record, stored, PROFILE, everCustomer)
  );
}

/** As HubSpot's: customers who left and came back, undated leavers, rule flags, stale histories. */
function statusHistoryNeeded(record: CrmRecord, stored: StoredContact | undefined, rule: ChurnRule): boolean {
  const props = record.properties;
  const unchanged =
    stored?.property_history != null &&
    watched(rule).every((name) => (stored.properties[name] ?? null) === (props[name] ?? null));
  if (unchanged) return false;
  // A history read before no longer ends where the record is now: read it again.
  if (stored?.property_history != null) return true;
  const kind = stageKind(props[STATUS_FIELD] ?? null, rule);
  const left = props.Former_Customer_Since__c ?? null;
  if (kind === 'customer' && left) return true;
  if (kind === 'former' && !left) return true;
  if (rule.kind === 'property') {
    const before = stored?.properties[rule.property] ?? null;
    return (
      isTrueValue(props[rule.property]) || (stored !== undefined && before !== (props[rule.property] ?? null))
    );
  }
  return false;
}

function contactsSpec(rule: ChurnRule): RecordSpec<'contacts'> {
  const historyOf = [
    ...(rule.kind === 'property' ? [STATUS_FIELD, rule.property] : [STATUS_FIELD]),
    ...Object.values(PROFILE),
  ];
  return {
    type: 'contacts',
    table: 'contacts',
    properties: [
      ...new Set([
        'FirstName',
        'LastName',
        'Email',
        'Title',
        'MailingCity',
        'MailingCountry',
        'AccountId',
        'OwnerId',
        'HasOptedOutOfEmail',
        STATUS_FIELD,
        'Customer_Since__c',
        'Former_Customer_Since__c',
        'Plan__c',
        'Billing_Period__c',
        'Customer_Segment__c',
        ...SYSTEM_FIELDS,
        ...ruleProperties(rule),
        // What the app wrote, as the org holds it now: a field someone cleared is written again.
        ...SCORE_FIELDS.map(customFieldName),
      ]),
    ],
    associations: ['companies'],
    history: { properties: historyOf, needed: (record, stored) => historyNeeded(record, stored, rule) },
    map: (record, portalId) => {
      const history = neutralHistory(record, rule);
      const status = nonEmpty(p(record, STATUS_FIELD));
      return {
        ...common(record, portalId),
        email: nonEmpty(p(record, 'Email'))?.toLowerCase() ?? null,
        first_name: nonEmpty(p(record, 'FirstName')),
        last_name: nonEmpty(p(record, 'LastName')),
        lifecycle_stage: status,
        stage_kind: stageKind(status, rule),
        customer_since: toDate(p(record, 'Customer_Since__c')),
        former_since: toDate(p(record, 'Former_Customer_Since__c')),
        plan: nonEmpty(p(record, 'Plan__c')?.trim()),
        billing_period: billingPeriod(p(record, 'Billing_Period__c')),
        segment: nonEmpty(p(record, 'Customer_Segment__c')?.trim()),
        country: nonEmpty(p(record, 'MailingCountry')?.trim()),
        owner_id: nonEmpty(p(record, 'OwnerId')),
        company_id: nonEmpty(p(record, 'AccountId')),
        property_history: history ? json(history) : null,
      };
    },
  };
}

/** An account's type as a stage kind: customers, former customers, prospects. */
function accountKind(type: string | null): StageKind | null {
  const t = (type ?? '').toLowerCase();
  if (t.startsWith('customer')) return 'customer';
  if (t === 'former customer') return 'former';
  if (t === 'prospect') return 'prospect';
  return null;
}

const COMPANIES: RecordSpec<'companies'> = {
  type: 'companies',
  table: 'companies',
  properties: [
    'Name',
    'Website',
    'Type',
    'Industry',
    'NumberOfEmployees',
    'AnnualRevenue',
    'BillingCountry',
    ...SYSTEM_FIELDS,
  ],
  associations: [],
  map: (record, portalId) => {
    const kind = accountKind(p(record, 'Type'));
    return {
      ...common(record, portalId),
      name: nonEmpty(p(record, 'Name')),
      domain: nonEmpty(
        p(record, 'Website')
          ?.replace(/^https?:\/\//, '')
          .replace(/\/.*$/, ''),
      ),
      stage_kind: kind,
      // Salesforce keeps no date on an account's type; the contacts' own dates say when.
      former_since: null,
      employees: toNumber(p(record, 'NumberOfEmployees')),
      industry: nonEmpty(p(record, 'Industry')?.trim()),
      country: nonEmpty(p(record, 'BillingCountry')?.trim()),
    };
  },
};

function dealsSpec(rule: ChurnRule): RecordSpec<'deals'> {
  const renewalTypes = new Set(
    ((rule.kind === 'lifecycle_stage' ? rule.renewalDealTypes : undefined) ?? DEFAULT_RENEWAL_TYPES).map(
      (t) => t.toLowerCase(),
    ),
  );
  return {
    type: 'deals',
    table: 'deals',
    properties: [
      'Name',
      'Amount',
      'StageName',
      'CloseDate',
      'Type',
      'IsClosed',
      'IsWon',
      'ContactId',
      'AccountId',
      'Loss_Reason__c',
      ...SYSTEM_FIELDS,
    ],
    associations: ['contacts', 'companies'],
    map: (record, portalId) => {
      const won = toBoolean(p(record, 'IsWon'));
      const closed = toBoolean(p(record, 'IsClosed'));
      const type = nonEmpty(p(record, 'Type'));
      return {
        ...common(record, portalId),
        name: nonEmpty(p(record, 'Name')),
        amount: toNumber(p(record, 'Amount')),
        stage: nonEmpty(p(record, 'StageName')),
        deal_type: type,
        is_renewal: type !== null && renewalTypes.has(type.toLowerCase()),
        is_closed_won: closed === null ? null : closed && won === true,
        is_closed_lost: closed === null ? null : closed && won !== true,
        close_date: toDate(p(record, 'CloseDate')),
      };
    },
  };
}

/** Salesforce's EmailMessage status codes: 2 is Replied. */
const REPLIED = '2';

const EMAILS: RecordSpec<'emails'> = {
  type: 'emails',
  table: 'emails',
  properties: [
    'Subject',
    'TextBody',
    'Incoming',
    'Status',
    'MessageDate',
    'FirstOpenedDate',
    'LastOpenedDate',
    'IsBounced',
    'Activity.WhoId',
    ...SYSTEM_FIELDS,
  ],
  associations: ['contacts'],
  texts: EMAIL_TEXTS,
  map: (record, portalId) => ({
    ...common(record, portalId, EMAIL_TEXTS),
    // The warehouse's direction values: EMAIL out, INCOMING_EMAIL in.
    direction: toBoolean(p(record, 'Incoming')) ? 'INCOMING_EMAIL' : 'EMAIL',
    status: nonEmpty(p(record, 'Status')),
    bounced: toBoolean(p(record, 'IsBounced')) ?? false,
    subject: nonEmpty(p(record, 'Subject')),
    body: nonEmpty(p(record, 'TextBody')),
    sent_at: toDate(p(record, 'MessageDate')),
    opened_at: toDate(p(record, 'FirstOpenedDate')),
    // Salesforce dates no reply; the status turns Replied when one comes, which is the last change.
    replied_at: p(record, 'Status') === REPLIED ? toDate(p(record, 'LastModifiedDate')) : null,
  }),
};

const TICKETS: RecordSpec<'tickets'> = {
  type: 'tickets',
  table: 'tickets',
  properties: [
    'Subject',
    'Description',
    'Priority',
    'Status',
    'IsClosed',
    'ClosedDate',
    'Origin',
    'ContactId',
    'AccountId',
    ...SYSTEM_FIELDS,
  ],
  associations: ['contacts'],
  texts: TICKET_TEXTS,
  map: (record, portalId) => {
    const closed = toBoolean(p(record, 'IsClosed')) ?? false;
    return {
      ...common(record, portalId, TICKET_TEXTS),
      subject: nonEmpty(p(record, 'Subject')),
      content: nonEmpty(p(record, 'Description')),
      // The warehouse's priorities are upper case (LOW, MEDIUM, HIGH, URGENT).
      priority: nonEmpty(p(record, 'Priority'))?.toUpperCase() ?? null,
      stage: nonEmpty(p(record, 'Status')),
      is_closed: closed,
      closed_at: closed ? toDate(p(record, 'ClosedDate')) : null,
    };
  },
};

const FEEDBACK: RecordSpec<'feedback'> = {
  type: 'feedback_submissions',
  table: 'feedback',
  properties: [
    'Survey_Type__c',
    'Score__c',
    'Comment__c',
    'Submitted_At__c',
    'Exit_Reason__c',
    'Contact__c',
    ...SYSTEM_FIELDS,
  ],
  associations: ['contacts'],
  texts: FEEDBACK_TEXTS,
  map: (record, portalId) => ({
    ...common(record, portalId, FEEDBACK_TEXTS),
    survey_type: nonEmpty(p(record, 'Survey_Type__c'))?.toUpperCase() ?? null,
    score: toInteger(p(record, 'Score__c')),
    comment: nonEmpty(p(record, 'Comment__c')),
    submitted_at: toDate(p(record, 'Submitted_At__c')),
  }),
};

/** Salesforce's record vocabulary for an org with this churn rule, contacts first. */
export function salesforceRecordSpecs(rule: ChurnRule): RecordSpec[] {
  return [contactsSpec(rule), COMPANIES, EMAILS, TICKETS, dealsSpec(rule), FEEDBACK];
}
