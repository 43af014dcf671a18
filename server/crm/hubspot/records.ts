/**
 * HubSpot's records as the warehouse keeps them: which properties to fetch per object type, which
 * associations to record, and pure mappers from HubSpot's property names and values to CRM-neutral
 * rows (who is a customer since when, who left when, which deals are renewals, which are won and
 * which tickets closed, by their pipeline stage when the portal's pipelines are known). Nothing outside
 * this folder reads a HubSpot property name.
 */
import { json } from '../../db/json.js';
import { isTrueValue, ruleProperties, type ChurnRule } from '../../settings/churn-rule.js';
import { stageKey, type CrmRecord, type PipelineObjectType, type PipelineStages } from '../connector.js';
import {
  STAGE_HISTORY,
  type PropertyHistory,
  type RecordSpec,
  type StageKind,
  type StoredContact,
} from '../warehouse-records.js';
import {
  billingPeriod,
  neutralProfileHistory,
  profileHistoryNeeded,
  type ProfileProperties,
} from '../profile-history.js';
import { nonEmpty, propertiesWithout, toBoolean, toDate, toInteger, toNumber } from '../property-values.js';

/** HubSpot's default former-customer stage. */
const DEFAULT_FORMER_STAGE = 'other';
const STAGE = 'lifecyclestage';
/** The survivor of a merge lists the ids folded into it here, separated by semicolons. */
const MERGED_IDS = 'hs_merged_object_ids';

function mergedIdsOf(record: CrmRecord): string[] {
  const ids = (record.properties[MERGED_IDS] ?? '').split(';').map((id) => id.trim());
  return [...new Set(ids.filter((id) => /^\d+$/.test(id) && id !== record.id))];
}
const CUSTOMER_STAGES: ReadonlySet<string> = new Set(['customer', 'evangelist']);
const PROSPECT_STAGES: ReadonlySet<string> = new Set([
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
]);
const DEFAULT_RENEWAL_TYPES = ['existingbusiness', 'renewal'];
/** The pipeline a deal or ticket is in when it names none. */
const DEFAULT_PIPELINES: Record<PipelineObjectType, string> = { deals: 'default', tickets: '0' };

const formerStageOf = (rule: ChurnRule) =>
  (rule.kind === 'lifecycle_stage' ? rule.formerStage : undefined) ?? DEFAULT_FORMER_STAGE;
const customerDate = 'hs_lifecyclestage_customer_date';
/** The contact properties behind the profile values features read as of a date. */
const PROFILE: ProfileProperties = {
  plan: 'plan',
  billing_period: 'billing_period',
  segment: 'customer_segment',
  country: 'country',
};
const formerDate = (rule: ChurnRule) => `hs_lifecyclestage_${formerStageOf(rule)}_date`;

/** A HubSpot lifecycle stage as a neutral stage kind; other stages (HubSpot's "other" for non-customers) are none. */
function stageKind(stage: string | null, rule: ChurnRule): StageKind | null {
  if (stage === null) return null;
  if (CUSTOMER_STAGES.has(stage)) return 'customer';
  if (stage === formerStageOf(rule)) return 'former';
  if (PROSPECT_STAGES.has(stage)) return 'prospect';
  return null;
}

/** The long texts of emails, tickets and survey answers, each stored in its own column. */
const EMAIL_TEXTS = ['hs_email_text'];
const TICKET_TEXTS = ['content'];
const FEEDBACK_TEXTS = ['hs_content'];

/** The columns every table shares; `texts` are properties kept in a column of their own only. */
function common(record: CrmRecord, portalId: number, texts: readonly string[] = []) {
  return {
    portal_id: portalId,
    id: record.id,
    properties: json(propertiesWithout(record.properties, texts)),
    created_at: toDate(record.properties.createdate) ?? toDate(record.createdAt),
    updated_at: toDate(record.updatedAt),
    archived: record.archived,
  };
}

const p = (record: CrmRecord, name: string) => record.properties[name] ?? null;

const CONTACT_PROPERTIES = [
  'email',
  'firstname',
  'lastname',
  'company',
  'jobtitle',
  'country',
  'city',
  STAGE,
  'hs_lead_status',
  'hs_email_optout',
  'hs_email_last_open_date',
  'hs_email_last_reply_date',
  'notes_last_contacted',
  'hs_last_sales_activity_timestamp',
  customerDate,
  'associatedcompanyid',
  MERGED_IDS,
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
];

/** The history HubSpot gives (newest first, HubSpot's names) as the warehouse keeps it: oldest first, neutral. */
function neutralHistory(record: CrmRecord, rule: ChurnRule): PropertyHistory | undefined {
  if (!record.propertiesWithHistory) return undefined;
  const history: PropertyHistory = {};
  const profile = new Set(Object.values(PROFILE));
  for (const [name, values] of Object.entries(record.propertiesWithHistory)) {
    if (profile.has(name)) continue;
    const key = name === STAGE ? STAGE_HISTORY : name;
    history[key] = values
      .map((v) => ({
        value: name === STAGE ? stageKind(v.value, rule) : v.value,
        at: new Date(v.timestamp).toISOString(),
      }))
      .filter((v) => v.at !== 'Invalid Date')
      .sort((a, b) => a.at.localeCompare(b.at));
  }
  return { ...history, ...neutralProfileHistory(record, PROFILE) };
}

/** The properties whose change means a stored history is out of date. */
const watched = (rule: ChurnRule) => [STAGE, customerDate, formerDate(rule), ...ruleProperties(rule)];

/**
 * Whether a contact's history must be read: the stage's (below), or the profile values' of someone
 * who is or was a customer (see profile-history.ts).
 */
function historyNeeded(record: CrmRecord, stored: StoredContact | undefined, rule: ChurnRule): boolean {
  const kind = stageKind(record.properties[STAGE] ?? null, rule);
  const everCustomer = kind === 'customer' || kind === 'former' || !!record.properties[customerDate];
  return (
    stageHistoryNeeded(record, stored, rule) || profileHistoryNeeded(record, stored, PROFILE, everCustomer)
  );
}

/**
 * Whether the stage's history is needed: a customer with a former-customer date (left and came
 * back: when?), a former customer with no date, under a `property` rule a flag set or changed, and
 * anyone whose stored history a change of these has made out of date.
 */
function stageHistoryNeeded(record: CrmRecord, stored: StoredContact | undefined, rule: ChurnRule): boolean {
  const props = record.properties;
  const unchanged =
    stored?.property_history != null &&
    watched(rule).every((name) => (stored.properties[name] ?? null) === (props[name] ?? null));
  if (unchanged) return false;
  // A history read before no longer ends where the record is now: read it again.
  if (stored?.property_history != null) return true;
  const kind = stageKind(props[STAGE] ?? null, rule);
  const left = props[formerDate(rule)] ?? null;
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
    ...(rule.kind === 'property' ? [STAGE, rule.property] : [STAGE]),
    ...Object.values(PROFILE),
  ];
  return {
    type: 'contacts',
    table: 'contacts',
    properties: [...new Set([...CONTACT_PROPERTIES, formerDate(rule), ...ruleProperties(rule)])],
    associations: ['companies'],
    history: { properties: historyOf, needed: (record, stored) => historyNeeded(record, stored, rule) },
    mergedIds: mergedIdsOf,
    map: (record, portalId) => {
      const history = neutralHistory(record, rule);
      return {
        ...common(record, portalId),
        email: nonEmpty(p(record, 'email'))?.toLowerCase() ?? null,
        first_name: nonEmpty(p(record, 'firstname')),
        last_name: nonEmpty(p(record, 'lastname')),
        lifecycle_stage: nonEmpty(p(record, STAGE)),
        stage_kind: stageKind(nonEmpty(p(record, STAGE)), rule),
        customer_since: toDate(p(record, customerDate)),
        former_since: toDate(p(record, formerDate(rule))),
        plan: nonEmpty(p(record, 'plan')?.trim()),
        billing_period: billingPeriod(p(record, 'billing_period')),
        segment: nonEmpty(p(record, 'customer_segment')?.trim()),
        country: nonEmpty(p(record, 'country')?.trim()),
        owner_id: nonEmpty(p(record, 'hubspot_owner_id')),
        company_id: nonEmpty(p(record, 'associatedcompanyid')) ?? primaryCompanyOf(record),
        // Absent when not fetched: the writer keeps the stored history then.
        property_history: history ? json(history) : null,
      };
    },
  };
}

/** The company HubSpot calls the contact's primary one, else the first it is associated with. */
function primaryCompanyOf(record: CrmRecord): string | null {
  const companies = record.associations?.companies ?? [];
  const kinds = record.associationKinds?.companies;
  return companies.find((id) => kinds?.[id]?.primary) ?? companies[0] ?? null;
}

function companiesSpec(rule: ChurnRule): RecordSpec<'companies'> {
  return {
    type: 'companies',
    table: 'companies',
    properties: [
      'name',
      'domain',
      'numberofemployees',
      'annualrevenue',
      'industry',
      'country',
      STAGE,
      customerDate,
      formerDate(rule),
      'createdate',
      'hs_lastmodifieddate',
      // The account score as the portal holds it now (left out by HubSpot where the app could not
      // make the fields): a field someone cleared is written again.
      'churn_risk_score',
      'churn_risk_tier',
      'churn_risk_reasons',
    ],
    associations: [],
    map: (record, portalId) => ({
      ...common(record, portalId),
      name: nonEmpty(p(record, 'name')),
      domain: nonEmpty(p(record, 'domain')),
      stage_kind: stageKind(nonEmpty(p(record, STAGE)), rule),
      former_since: toDate(p(record, formerDate(rule))),
      employees: toNumber(p(record, 'numberofemployees')),
      industry: nonEmpty(p(record, 'industry')?.trim()),
      country: nonEmpty(p(record, 'country')?.trim()),
    }),
  };
}

/** What the stage a deal or ticket is in means, when the portal's pipelines are known and list it. */
function stageOf(
  stages: PipelineStages | undefined,
  type: PipelineObjectType,
  pipelineId: string | null,
  stageId: string | null,
) {
  if (!stages || stageId === null) return undefined;
  return stages.get(stageKey(type, pipelineId ?? DEFAULT_PIPELINES[type], stageId));
}

function dealsSpec(rule: ChurnRule, stages?: PipelineStages): RecordSpec<'deals'> {
  const renewalTypes = new Set(
    ((rule.kind === 'lifecycle_stage' ? rule.renewalDealTypes : undefined) ?? DEFAULT_RENEWAL_TYPES).map(
      (t) => t.toLowerCase(),
    ),
  );
  return {
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
      const known = stageOf(stages, 'deals', nonEmpty(p(record, 'pipeline')), stage);
      const won = known
        ? known.isWon
        : (toBoolean(p(record, 'hs_is_closed_won')) ?? (stage === 'closedwon' ? true : null));
      const closed = known
        ? known.isClosed
        : (toBoolean(p(record, 'hs_is_closed')) ?? (stage === 'closedwon' || stage === 'closedlost'));
      const type = nonEmpty(p(record, 'dealtype'));
      return {
        ...common(record, portalId),
        name: nonEmpty(p(record, 'dealname')),
        amount: toNumber(p(record, 'amount')),
        stage,
        deal_type: type,
        is_renewal: type !== null && renewalTypes.has(type.toLowerCase()),
        is_closed_won: won,
        is_closed_lost: closed === null ? null : closed && won !== true,
        close_date: toDate(p(record, 'closedate')),
      };
    },
  };
}

const EMAILS: RecordSpec<'emails'> = {
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
  texts: EMAIL_TEXTS,
  map: (record, portalId) => ({
    ...common(record, portalId, EMAIL_TEXTS),
    direction: nonEmpty(p(record, 'hs_email_direction')),
    status: nonEmpty(p(record, 'hs_email_status')),
    bounced: nonEmpty(p(record, 'hs_email_status'))?.toUpperCase() === 'BOUNCED',
    subject: nonEmpty(p(record, 'hs_email_subject')),
    body: nonEmpty(p(record, 'hs_email_text')),
    sent_at: toDate(p(record, 'hs_timestamp')),
    opened_at: toDate(p(record, 'hs_email_first_open_date')),
    replied_at: toDate(p(record, 'hs_email_first_reply_date')),
  }),
};

/**
 * When a ticket closed: its close date; else its creation plus its time to close; else, for a
 * ticket its stage says is closed, its last change (it closed no later than that).
 */
function ticketClosedAt(record: CrmRecord): Date | null {
  const closedDate = toDate(p(record, 'closed_date'));
  if (closedDate) return closedDate;
  const created = toDate(p(record, 'createdate')) ?? toDate(record.createdAt);
  const timeToClose = toNumber(p(record, 'time_to_close'));
  if (created && timeToClose !== null && timeToClose >= 0) return new Date(created.getTime() + timeToClose);
  return toDate(p(record, 'hs_lastmodifieddate')) ?? toDate(record.updatedAt);
}

const ticketsSpec = (stages?: PipelineStages): RecordSpec<'tickets'> => ({
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
  texts: TICKET_TEXTS,
  map: (record, portalId) => {
    const stage = nonEmpty(p(record, 'hs_pipeline_stage'));
    const known = stageOf(stages, 'tickets', nonEmpty(p(record, 'hs_pipeline')), stage);
    // A stage that is not known leaves the close date to decide, as HubSpot sets it on closing.
    const closedAt = known
      ? known.isClosed
        ? ticketClosedAt(record)
        : null
      : toDate(p(record, 'closed_date'));
    return {
      ...common(record, portalId, TICKET_TEXTS),
      subject: nonEmpty(p(record, 'subject')),
      content: nonEmpty(p(record, 'content')),
      priority: nonEmpty(p(record, 'hs_ticket_priority')),
      stage,
      is_closed: closedAt !== null,
      closed_at: closedAt,
    };
  },
});

const FEEDBACK: RecordSpec<'feedback'> = {
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
  texts: FEEDBACK_TEXTS,
  map: (record, portalId) => ({
    ...common(record, portalId, FEEDBACK_TEXTS),
    survey_type: nonEmpty(p(record, 'hs_survey_type')),
    score: toInteger(p(record, 'hs_response_value')),
    comment: nonEmpty(p(record, 'hs_content')),
    submitted_at: toDate(p(record, 'hs_submission_timestamp')),
  }),
};

/**
 * HubSpot's record vocabulary for a portal with this churn rule, contacts first; with the
 * portal's pipeline stages, a deal's or ticket's state comes from its stage.
 */
export function hubspotRecordSpecs(rule: ChurnRule, stages?: PipelineStages): RecordSpec[] {
  return [
    contactsSpec(rule),
    companiesSpec(rule),
    EMAILS,
    ticketsSpec(stages),
    dealsSpec(rule, stages),
    FEEDBACK,
  ];
}
