/**
 * HubSpot's standard properties and property groups for each object type the sandbox serves,
 * seeded into a portal the first time anything asks for its properties. Names, types and option
 * values follow HubSpot's defaults; per-email open/reply fields are the sandbox's model of what an
 * email engagement records (their names on a real portal are unverified), and so are the group
 * names and labels of notes and calls (their property names and option values are HubSpot's).
 */
import type { ObjectType, PortalData, PropertyDefinition, PropertyGroup } from './store.js';

type Option = PropertyDefinition['options'][number];
interface Spec {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  options?: [value: string, label: string][];
  readOnly?: boolean;
  unique?: boolean;
  external?: boolean;
}

/** A constructor for properties of one value type shown with one field type. */
const kind =
  (type: string, fieldType: string) =>
  (name: string, label: string, readOnly = false): Spec => ({ name, label, type, fieldType, readOnly });
const text = kind('string', 'text');
const textarea = kind('string', 'textarea');
const number = kind('number', 'number');
const datetime = kind('datetime', 'date');
const bool = (name: string, label: string, readOnly = false): Spec => ({
  ...kind('bool', 'booleancheckbox')(name, label, readOnly),
  options: [
    ['true', 'Yes'],
    ['false', 'No'],
  ],
});
const select = (name: string, label: string, options: [string, string][], fieldType = 'select'): Spec => ({
  name,
  label,
  type: 'enumeration',
  fieldType,
  options,
});
const owner: Spec = {
  name: 'hubspot_owner_id',
  label: 'Owner',
  type: 'enumeration',
  fieldType: 'select',
  external: true,
};

/** Present on every object: set by HubSpot, never writable. */
const SYSTEM: Spec[] = [
  number('hs_object_id', 'Record ID', true),
  datetime('createdate', 'Create Date', true),
  datetime('hs_createdate', 'Object create date/time', true),
  datetime('lastmodifieddate', 'Last Modified Date', true),
  datetime('hs_lastmodifieddate', 'Last Modified Date', true),
];

const LIFECYCLE_STAGES: [string, string][] = [
  ['subscriber', 'Subscriber'],
  ['lead', 'Lead'],
  ['marketingqualifiedlead', 'Marketing Qualified Lead'],
  ['salesqualifiedlead', 'Sales Qualified Lead'],
  ['opportunity', 'Opportunity'],
  ['customer', 'Customer'],
  ['evangelist', 'Evangelist'],
  ['other', 'Other'],
];

const COUNTRY = text('country', 'Country/Region');

const SPECS: Record<ObjectType, { group: [string, string]; specs: Spec[] }> = {
  contacts: {
    group: ['contactinformation', 'Contact information'],
    specs: [
      { ...text('email', 'Email'), unique: true },
      text('firstname', 'First Name'),
      text('lastname', 'Last Name'),
      text('phone', 'Phone Number'),
      text('company', 'Company Name'),
      text('jobtitle', 'Job Title'),
      text('city', 'City'),
      COUNTRY,
      select('lifecyclestage', 'Lifecycle Stage', LIFECYCLE_STAGES, 'radio'),
      select('hs_lead_status', 'Lead Status', [
        ['NEW', 'New'],
        ['OPEN', 'Open'],
        ['IN_PROGRESS', 'In Progress'],
        ['OPEN_DEAL', 'Open Deal'],
        ['UNQUALIFIED', 'Unqualified'],
        ['ATTEMPTED_TO_CONTACT', 'Attempted to Contact'],
        ['CONNECTED', 'Connected'],
        ['BAD_TIMING', 'Bad Timing'],
      ]),
      owner,
      bool('hs_email_optout', 'Unsubscribed from all email'),
      datetime('hs_email_last_open_date', 'Last marketing email open date', true),
      datetime('hs_email_last_reply_date', 'Last email reply date', true),
      datetime('notes_last_contacted', 'Last Contacted', true),
      datetime('notes_last_updated', 'Last Activity Date', true),
      datetime('hs_last_sales_activity_timestamp', 'Last Engagement Date', true),
      datetime('hs_lifecyclestage_customer_date', 'Became a Customer Date', true),
      datetime('hs_lifecyclestage_other_date', 'Became an Other Lifecycle Date', true),
      number('associatedcompanyid', 'Primary Associated Company ID'),
      text('hs_merged_object_ids', 'Merged Contact IDs', true),
    ],
  },
  companies: {
    group: ['companyinformation', 'Company information'],
    specs: [
      text('name', 'Company name'),
      text('domain', 'Company Domain Name'),
      text('website', 'Website URL'),
      text('phone', 'Phone Number'),
      text('city', 'City'),
      COUNTRY,
      number('numberofemployees', 'Number of Employees'),
      number('annualrevenue', 'Annual Revenue'),
      select('industry', 'Industry', [
        ['COMPUTER_SOFTWARE', 'Computer Software'],
        ['INFORMATION_TECHNOLOGY_AND_SERVICES', 'Information Technology and Services'],
        ['INTERNET', 'Internet'],
        ['MARKETING_AND_ADVERTISING', 'Marketing and Advertising'],
        ['FINANCIAL_SERVICES', 'Financial Services'],
        ['HOSPITAL_HEALTH_CARE', 'Hospital & Health Care'],
        ['RETAIL', 'Retail'],
        ['EDUCATION_MANAGEMENT', 'Education Management'],
        ['MANUFACTURING', 'Manufacturing'],
        ['REAL_ESTATE', 'Real Estate'],
        ['LOGISTICS_AND_SUPPLY_CHAIN', 'Logistics and Supply Chain'],
        ['CONSUMER_SERVICES', 'Consumer Services'],
        ['MANAGEMENT_CONSULTING', 'Management Consulting'],
        ['TELECOMMUNICATIONS', 'Telecommunications'],
        ['NONPROFIT_ORGANIZATION_MANAGEMENT', 'Non-Profit Organization Management'],
      ]),
      select('lifecyclestage', 'Lifecycle Stage', LIFECYCLE_STAGES, 'radio'),
      textarea('description', 'Description'),
      owner,
      number('hs_num_open_deals', 'Number of open deals', true),
    ],
  },
  deals: {
    group: ['dealinformation', 'Deal information'],
    specs: [
      text('dealname', 'Deal Name'),
      number('amount', 'Amount'),
      select('pipeline', 'Pipeline', [['default', 'Sales Pipeline']]),
      select('dealstage', 'Deal Stage', [
        ['appointmentscheduled', 'Appointment Scheduled'],
        ['qualifiedtobuy', 'Qualified To Buy'],
        ['presentationscheduled', 'Presentation Scheduled'],
        ['decisionmakerboughtin', 'Decision Maker Bought-In'],
        ['contractsent', 'Contract Sent'],
        ['closedwon', 'Closed Won'],
        ['closedlost', 'Closed Lost'],
      ]),
      datetime('closedate', 'Close Date'),
      // HubSpot ships newbusiness/existingbusiness; portals commonly add a renewal type.
      select('dealtype', 'Deal Type', [
        ['newbusiness', 'New Business'],
        ['existingbusiness', 'Existing Business'],
        ['renewal', 'Renewal'],
      ]),
      bool('hs_is_closed_won', 'Is Closed Won', true),
      bool('hs_is_closed', 'Is Deal Closed?', true),
      textarea('closed_lost_reason', 'Closed Lost Reason'),
      textarea('closed_won_reason', 'Closed Won Reason'),
      number('days_to_close', 'Days to close', true),
      owner,
    ],
  },
  tickets: {
    group: ['ticketinformation', 'Ticket information'],
    specs: [
      text('subject', 'Ticket name'),
      textarea('content', 'Ticket description'),
      select('hs_pipeline', 'Pipeline', [['0', 'Support Pipeline']]),
      select('hs_pipeline_stage', 'Ticket status', [
        ['1', 'New'],
        ['2', 'Waiting on contact'],
        ['3', 'Waiting on us'],
        ['4', 'Closed'],
      ]),
      select('hs_ticket_priority', 'Priority', [
        ['LOW', 'Low'],
        ['MEDIUM', 'Medium'],
        ['HIGH', 'High'],
        ['URGENT', 'Urgent'],
      ]),
      select('hs_ticket_category', 'Category', [
        ['PRODUCT_ISSUE', 'Product issue'],
        ['BILLING_ISSUE', 'Billing issue'],
        ['FEATURE_REQUEST', 'Feature request'],
        ['GENERAL_INQUIRY', 'General inquiry'],
      ]),
      select('source_type', 'Source', [
        ['EMAIL', 'Email'],
        ['CHAT', 'Chat'],
        ['PHONE', 'Phone'],
        ['FORM', 'Form'],
      ]),
      datetime('closed_date', 'Close date'),
      number('time_to_close', 'Time to close (ms)', true),
      number('time_to_first_agent_reply', 'Time to first agent email reply (ms)', true),
      owner,
    ],
  },
  emails: {
    group: ['emailinformation', 'Email information'],
    specs: [
      datetime('hs_timestamp', 'Activity date'),
      select('hs_email_direction', 'Email direction', [
        ['EMAIL', 'Sent by owner'],
        ['INCOMING_EMAIL', 'Reply from contact'],
        ['FORWARDED_EMAIL', 'Forwarded'],
      ]),
      select('hs_email_status', 'Email send status', [
        ['BOUNCED', 'Bounced'],
        ['FAILED', 'Failed'],
        ['SCHEDULED', 'Scheduled'],
        ['SENDING', 'Sending'],
        ['SENT', 'Sent'],
      ]),
      text('hs_email_subject', 'Email subject'),
      textarea('hs_email_text', 'Email body'),
      textarea('hs_email_html', 'Email HTML body'),
      textarea('hs_email_headers', 'Email headers'),
      number('hs_email_open_count', 'Number of opens', true),
      number('hs_email_click_count', 'Number of clicks', true),
      number('hs_email_reply_count', 'Number of replies', true),
      datetime('hs_email_first_open_date', 'First open date', true),
      datetime('hs_email_last_open_date', 'Last open date', true),
      datetime('hs_email_first_reply_date', 'First reply date', true),
      datetime('hs_email_last_reply_date', 'Last reply date', true),
      owner,
    ],
  },
  feedback_submissions: {
    group: ['feedback_submission_information', 'Feedback submission information'],
    specs: [
      select('hs_survey_type', 'Survey type', [
        ['NPS', 'NPS'],
        ['CSAT', 'CSAT'],
        ['CES', 'CES'],
        ['CUSTOM', 'Custom'],
      ]),
      text('hs_survey_name', 'Survey name'),
      number('hs_response_value', 'Response value'),
      textarea('hs_content', 'Response'),
      datetime('hs_submission_timestamp', 'Submission date'),
      select('hs_sentiment', 'Sentiment', [
        ['POSITIVE', 'Positive'],
        ['NEUTRAL', 'Neutral'],
        ['NEGATIVE', 'Negative'],
      ]),
    ],
  },
  notes: {
    group: ['noteinformation', 'Note information'],
    specs: [
      datetime('hs_timestamp', 'Activity date'),
      textarea('hs_note_body', 'Note body'),
      // The ids of files in HubSpot's file manager, separated by semicolons.
      text('hs_attachment_ids', 'Attached file IDs'),
      owner,
    ],
  },
  calls: {
    group: ['callinformation', 'Call information'],
    specs: [
      datetime('hs_timestamp', 'Activity date'),
      text('hs_call_title', 'Call title'),
      textarea('hs_call_body', 'Call notes'),
      select('hs_call_direction', 'Call direction', [
        ['INBOUND', 'Inbound'],
        ['OUTBOUND', 'Outbound'],
      ]),
      // A portal's call outcomes are ids; these are the ones every portal starts with.
      select('hs_call_disposition', 'Call outcome', [
        ['9d9162e7-6cf3-4944-bf63-4dff82258764', 'Busy'],
        ['f240bbac-87c9-4f6e-bf70-924b57d47db7', 'Connected'],
        ['a4c4c377-d246-4b32-a13b-75a56a4cd0ff', 'Left live message'],
        ['b2cf5968-551e-4856-9783-52b3da59a7d0', 'Left voicemail'],
        ['73a0d17f-1163-4015-bdd5-ec830791da20', 'No answer'],
        ['17b47fee-58de-441e-a44c-c6300d46f273', 'Wrong number'],
      ]),
      number('hs_call_duration', 'Call duration (ms)'),
      select('hs_call_status', 'Call status', [
        ['BUSY', 'Busy'],
        ['CALLING_CRM_USER', 'Calling CRM user'],
        ['CANCELED', 'Canceled'],
        ['COMPLETED', 'Completed'],
        ['CONNECTING', 'Connecting'],
        ['FAILED', 'Failed'],
        ['IN_PROGRESS', 'In progress'],
        ['MISSED', 'Missed'],
        ['NO_ANSWER', 'No answer'],
        ['QUEUED', 'Queued'],
        ['RINGING', 'Ringing'],
      ]),
      owner,
    ],
  },
};

function definition(spec: Spec, groupName: string, order: number, at: Date): PropertyDefinition {
  const options: Option[] = (spec.options ?? []).map(([value, label], displayOrder) => ({
    label,
    value,
    displayOrder,
    hidden: false,
  }));
  const system = SYSTEM.includes(spec);
  return {
    name: spec.name,
    label: spec.label,
    type: spec.type,
    fieldType: spec.fieldType,
    groupName,
    description: '',
    displayOrder: order,
    hasUniqueValue: spec.unique ?? false,
    hidden: false,
    formField: !spec.readOnly && !system,
    calculated: spec.readOnly ?? false,
    externalOptions: spec.external ?? false,
    hubspotDefined: true,
    readOnlyValue: spec.readOnly ?? false,
    options,
    createdAt: at,
    updatedAt: at,
  };
}

const seeded = new WeakSet<PortalData>();
/** HubSpot's own properties predate any portal; one fixed date keeps responses reproducible. */
const HUBSPOT_DEFINED_AT = new Date('2019-08-06T00:00:00.000Z');

/**
 * Adds HubSpot's standard groups and properties to a portal, keeping any definition already there
 * (a generator or an app may have created some first). Idempotent and cheap after the first call.
 */
export function seedDefaultProperties(portal: PortalData, at = HUBSPOT_DEFINED_AT): void {
  if (seeded.has(portal)) return;
  seeded.add(portal);
  for (const [type, { group, specs }] of Object.entries(SPECS) as [
    ObjectType,
    (typeof SPECS)[ObjectType],
  ][]) {
    const groups = portal.propertyGroups.get(type)!;
    const [groupName, groupLabel] = group;
    if (!groups.has(groupName)) {
      const seededGroup: PropertyGroup = {
        name: groupName,
        label: groupLabel,
        displayOrder: 0,
        archived: false,
      };
      groups.set(groupName, seededGroup);
    }
    const properties = portal.properties.get(type)!;
    [...SYSTEM, ...specs].forEach((spec, order) => {
      if (!properties.has(spec.name)) properties.set(spec.name, definition(spec, groupName, order, at));
    });
  }
}
