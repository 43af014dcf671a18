import type { Insertable, Kysely } from 'kysely';
import type { CrmConnector, CrmObjectType, CrmRecord } from '../crm/connector.js';
import { json } from '../db/json.js';
import type { Database } from '../db/schema.js';
import { ruleProperties, type ChurnRule } from '../settings/churn-rule.js';
import { storedHistory, withContactHistory } from './contact-history.js';
import { nonEmpty, toBoolean, toDate, toInteger, toNumber } from './values.js';

/**
 * What the warehouse keeps of each CRM object type: which properties to fetch, which associations
 * to record, and a pure mapper from a CRM record to its warehouse row.
 */
export type WarehouseTable = 'contacts' | 'companies' | 'emails' | 'tickets' | 'deals' | 'feedback';

export interface ObjectSpec<T extends WarehouseTable = WarehouseTable> {
  type: CrmObjectType;
  table: T;
  properties: string[];
  /** Associations recorded from this side (the other side's sync does not record them again). */
  associations: CrmObjectType[];
  map(record: CrmRecord, portalId: number): Insertable<Database[T]>;
  /** Completes a fetched page before it is written (contacts: the history the churn rule needs). */
  complete?(
    deps: { db: Kysely<Database>; connector: CrmConnector },
    portalId: number,
    records: CrmRecord[],
  ): Promise<CrmRecord[]>;
}

function common(record: CrmRecord, portalId: number) {
  return {
    portal_id: portalId,
    id: record.id,
    properties: json(record.properties),
    created_at: toDate(record.properties.createdate) ?? toDate(record.createdAt),
    updated_at: toDate(record.updatedAt),
    archived: record.archived,
  };
}

const p = (record: CrmRecord, name: string) => record.properties[name] ?? null;

export const CONTACTS: ObjectSpec<'contacts'> = {
  type: 'contacts',
  table: 'contacts',
  properties: [
    'email',
    'firstname',
    'lastname',
    'company',
    'jobtitle',
    'country',
    'city',
    'lifecyclestage',
    'hs_lead_status',
    'hs_email_optout',
    'hs_email_last_open_date',
    'hs_email_last_reply_date',
    'notes_last_contacted',
    'hs_last_sales_activity_timestamp',
    'hs_lifecyclestage_customer_date',
    'hs_lifecyclestage_other_date',
    'associatedcompanyid',
    'hubspot_owner_id',
    'plan',
    'billing_period',
    'customer_segment',
    'createdate',
    'lastmodifieddate',
    'churn_risk_score',
    'churn_risk_tier',
    'churn_risk_reasons',
    'churn_risk_updated_at',
    'churn_risk_model',
  ],
  associations: ['companies'],
  map: (record, portalId) => {
    const history = storedHistory(record);
    return {
      ...common(record, portalId),
      email: nonEmpty(p(record, 'email'))?.toLowerCase() ?? null,
      lifecycle_stage: nonEmpty(p(record, 'lifecyclestage')),
      owner_id: nonEmpty(p(record, 'hubspot_owner_id')),
      company_id: nonEmpty(p(record, 'associatedcompanyid')) ?? record.associations?.companies?.[0] ?? null,
      // Absent when not fetched: the writer keeps the stored history then.
      property_history: history ? json(history) : null,
    };
  },
};

/** Contacts as a portal's churn rule needs them: its properties too, and their history where it tells. */
export function contactsSpecFor(rule: ChurnRule): ObjectSpec<'contacts'> {
  return {
    ...CONTACTS,
    properties: [...new Set([...CONTACTS.properties, ...ruleProperties(rule)])],
    complete: (deps, portalId, records) => withContactHistory(deps, portalId, records, rule),
  };
}

export const COMPANIES: ObjectSpec<'companies'> = {
  type: 'companies',
  table: 'companies',
  properties: [
    'name',
    'domain',
    'numberofemployees',
    'annualrevenue',
    'industry',
    'country',
    'lifecyclestage',
    'hs_lifecyclestage_customer_date',
    'hs_lifecyclestage_other_date',
    'createdate',
    'hs_lastmodifieddate',
  ],
  associations: [],
  map: (record, portalId) => ({
    ...common(record, portalId),
    name: nonEmpty(p(record, 'name')),
    domain: nonEmpty(p(record, 'domain')),
  }),
};

export const EMAILS: ObjectSpec<'emails'> = {
  type: 'emails',
  table: 'emails',
  properties: [
    'hs_timestamp',
    'hs_email_direction',
    'hs_email_status',
    'hs_email_subject',
    'hs_email_text',
    'hs_email_open_count',
    'hs_email_reply_count',
    'hs_email_first_open_date',
    'hs_email_last_open_date',
    'hs_email_first_reply_date',
    'hs_email_last_reply_date',
    'createdate',
    'hs_lastmodifieddate',
  ],
  associations: ['contacts'],
  map: (record, portalId) => ({
    ...common(record, portalId),
    direction: nonEmpty(p(record, 'hs_email_direction')),
    status: nonEmpty(p(record, 'hs_email_status')),
    subject: nonEmpty(p(record, 'hs_email_subject')),
    body: nonEmpty(p(record, 'hs_email_text')),
    sent_at: toDate(p(record, 'hs_timestamp')),
    opened_at: toDate(p(record, 'hs_email_first_open_date')),
    replied_at: toDate(p(record, 'hs_email_first_reply_date')),
  }),
};

export const TICKETS: ObjectSpec<'tickets'> = {
  type: 'tickets',
  table: 'tickets',
  properties: [
    'subject',
    'content',
    'hs_pipeline',
    'hs_pipeline_stage',
    'hs_ticket_priority',
    'hs_ticket_category',
    'closed_date',
    'time_to_close',
    'reopen_count',
    'source_type',
    'createdate',
    'hs_lastmodifieddate',
  ],
  associations: ['contacts'],
  map: (record, portalId) => {
    const closedAt = toDate(p(record, 'closed_date'));
    return {
      ...common(record, portalId),
      subject: nonEmpty(p(record, 'subject')),
      content: nonEmpty(p(record, 'content')),
      priority: nonEmpty(p(record, 'hs_ticket_priority')),
      stage: nonEmpty(p(record, 'hs_pipeline_stage')),
      is_closed: closedAt !== null,
      closed_at: closedAt,
    };
  },
};

export const DEALS: ObjectSpec<'deals'> = {
  type: 'deals',
  table: 'deals',
  properties: [
    'dealname',
    'amount',
    'pipeline',
    'dealstage',
    'closedate',
    'dealtype',
    'hs_is_closed_won',
    'hs_is_closed',
    'closed_lost_reason',
    'createdate',
    'hs_lastmodifieddate',
  ],
  // Companies too: a B2B account may keep its renewals on the company alone.
  associations: ['contacts', 'companies'],
  map: (record, portalId) => {
    const stage = nonEmpty(p(record, 'dealstage'));
    const won = toBoolean(p(record, 'hs_is_closed_won')) ?? (stage === 'closedwon' ? true : null);
    const closed = toBoolean(p(record, 'hs_is_closed')) ?? (stage === 'closedwon' || stage === 'closedlost');
    return {
      ...common(record, portalId),
      name: nonEmpty(p(record, 'dealname')),
      amount: toNumber(p(record, 'amount')),
      stage,
      deal_type: nonEmpty(p(record, 'dealtype')),
      is_closed_won: won,
      is_closed_lost: closed === null ? null : closed && won !== true,
      close_date: toDate(p(record, 'closedate')),
    };
  },
};

export const FEEDBACK: ObjectSpec<'feedback'> = {
  type: 'feedback_submissions',
  table: 'feedback',
  properties: [
    'hs_survey_type',
    'hs_survey_name',
    'hs_response_value',
    'hs_content',
    'hs_submission_timestamp',
    'hs_sentiment',
    'exit_reason',
    'createdate',
    'hs_lastmodifieddate',
  ],
  associations: ['contacts'],
  map: (record, portalId) => ({
    ...common(record, portalId),
    survey_type: nonEmpty(p(record, 'hs_survey_type')),
    score: toInteger(p(record, 'hs_response_value')),
    comment: nonEmpty(p(record, 'hs_content')),
    submitted_at: toDate(p(record, 'hs_submission_timestamp')),
  }),
};

/** In the order a sync runs them: contacts first, so later objects find their contact. */
export const OBJECT_SPECS: readonly ObjectSpec[] = [CONTACTS, COMPANIES, EMAILS, TICKETS, DEALS, FEEDBACK];

/** The specs of a portal with this churn rule. */
export function objectSpecsFor(rule: ChurnRule): ObjectSpec[] {
  return OBJECT_SPECS.map((spec) => (spec === CONTACTS ? contactsSpecFor(rule) : spec));
}

export function specOf(type: CrmObjectType, rule: ChurnRule): ObjectSpec {
  const spec = objectSpecsFor(rule).find((s) => s.type === type);
  if (!spec) throw new Error(`no sync spec for ${type}`);
  return spec;
}
