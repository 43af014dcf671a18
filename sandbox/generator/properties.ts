/**
 * What the generator and the RavenStack loader write, beyond HubSpot's everyday properties:
 *
 * - emails: `hs_email_open_count` / `hs_email_first_open_date` / `hs_email_last_open_date` when
 *   the recipient opened it, `hs_email_reply_count` / `hs_email_first_reply_date` /
 *   `hs_email_last_reply_date` when they answered (the answer is also an INCOMING_EMAIL record).
 * - feedback_submissions: `hs_survey_type` NPS, `hs_response_value` 0–10, `hs_content` (the
 *   comment, often empty), `hs_submission_timestamp`.
 * - custom properties registered below: contacts `plan`, `billing_period` (monthly | annual),
 *   `customer_segment` (B2B | B2C); tickets `reopen_count`; feedback_submissions `exit_reason`.
 *
 * Churn shows only as HubSpot would show it: lifecyclestage `other` (former customer) with
 * `hs_lifecyclestage_other_date`, and a closed-lost renewal deal. The hidden truth is never a
 * property.
 */
import type { ObjectType, PortalData, PropertyDefinition } from '../store.js';

/** HubSpot's default ticket pipeline: `0`, with these stage ids. */
export const TICKET_PIPELINE = '0';
export const TICKET_STAGES = { new: '1', waitingOnContact: '2', waitingOnUs: '3', closed: '4' } as const;
export const FORMER_CUSTOMER_STAGE = 'other';

interface Spec {
  object: ObjectType;
  name: string;
  label: string;
  type: 'string' | 'number' | 'enumeration';
  options?: readonly string[];
}

const SPECS: readonly Spec[] = [
  {
    object: 'contacts',
    name: 'plan',
    label: 'Plan',
    type: 'enumeration',
    options: ['starter', 'professional', 'enterprise', 'basic', 'plus', 'premium', 'pro'],
  },
  {
    object: 'contacts',
    name: 'billing_period',
    label: 'Billing period',
    type: 'enumeration',
    options: ['monthly', 'annual'],
  },
  {
    object: 'contacts',
    name: 'customer_segment',
    label: 'Segment',
    type: 'enumeration',
    options: ['B2B', 'B2C'],
  },
  { object: 'tickets', name: 'reopen_count', label: 'Times reopened', type: 'number' },
  { object: 'feedback_submissions', name: 'exit_reason', label: 'Exit reason', type: 'string' },
];

/** HubSpot's default group of each object, where custom properties land unless placed elsewhere. */
const GROUPS: Record<ObjectType, string> = {
  contacts: 'contactinformation',
  companies: 'companyinformation',
  deals: 'dealinformation',
  tickets: 'ticketinformation',
  emails: 'emailinformation',
  feedback_submissions: 'feedback_submission_information',
  notes: 'noteinformation',
  calls: 'callinformation',
};

const FIELD_TYPES = { string: 'text', number: 'number', enumeration: 'select' } as const;

/** Adds the definitions a portal does not have yet; existing ones are left as they are. */
export function registerGeneratedProperties(portal: PortalData, at: Date): void {
  SPECS.forEach((spec, order) => {
    const defined = portal.properties.get(spec.object)!;
    if (defined.has(spec.name)) return;
    const definition: PropertyDefinition = {
      name: spec.name,
      label: spec.label,
      type: spec.type,
      fieldType: FIELD_TYPES[spec.type],
      groupName: GROUPS[spec.object],
      description: '',
      displayOrder: order,
      hasUniqueValue: false,
      hidden: false,
      formField: false,
      calculated: false,
      externalOptions: false,
      hubspotDefined: false,
      options: (spec.options ?? []).map((value, displayOrder) => ({
        label: value,
        value,
        displayOrder,
        hidden: false,
      })),
      createdAt: at,
      updatedAt: at,
    };
    defined.set(spec.name, definition);
  });
}
