/**
 * The words HubSpot accepts in an app's configuration, as its 2026-03 OpenAPI specs and the
 * developer-platform project templates spell them. The manifest is checked against these lists so
 * a typo fails at start-up or in CI, not during `hs project upload` or an admin's install.
 */

/** OAuth scopes named by HubSpot's 2026-03 specs (security requirements of every operation). */
export const KNOWN_SCOPES = [
  'automation',
  'cpq.quotes.read',
  'cpq.quotes.write',
  'crm.objects.appointments.read',
  'crm.objects.appointments.write',
  'crm.objects.calls.read',
  'crm.objects.carts.read',
  'crm.objects.carts.write',
  'crm.objects.commercepayments.read',
  'crm.objects.commercepayments.write',
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.objects.courses.read',
  'crm.objects.courses.write',
  'crm.objects.custom.read',
  'crm.objects.custom.write',
  'crm.objects.deals.read',
  'crm.objects.deals.write',
  'crm.objects.emails.read',
  'crm.objects.feedback_submissions.read',
  'crm.objects.goals.read',
  'crm.objects.goals.write',
  'crm.objects.invoices.read',
  'crm.objects.invoices.write',
  'crm.objects.leads.read',
  'crm.objects.leads.write',
  'crm.objects.line_items.read',
  'crm.objects.line_items.write',
  'crm.objects.listings.read',
  'crm.objects.listings.write',
  'crm.objects.marketing_events.read',
  'crm.objects.marketing_events.write',
  'crm.objects.meetings.read',
  'crm.objects.notes.read',
  'crm.objects.orders.read',
  'crm.objects.orders.write',
  'crm.objects.owners.read',
  'crm.objects.products.read',
  'crm.objects.products.write',
  'crm.objects.quotes.read',
  'crm.objects.quotes.write',
  'crm.objects.services.read',
  'crm.objects.services.write',
  'crm.objects.subscriptions.read',
  'crm.objects.subscriptions.write',
  'crm.objects.tasks.read',
  'crm.objects.users.read',
  'crm.objects.users.write',
  'crm.schemas.companies.read',
  'crm.schemas.companies.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'crm.schemas.custom.read',
  'crm.schemas.custom.write',
  'crm.schemas.deals.read',
  'crm.schemas.deals.write',
  'crm.schemas.emails.read',
  'crm.schemas.tickets.read',
  'crm.schemas.tickets.write',
  'e-commerce',
  'media_bridge.read',
  'oauth',
  'sales-email-read',
  /** The user provisioning spec's reads (`GET /settings/users/2026-03/{userId}`, `…/roles`). */
  'settings.users.read',
  'tickets',
  'timeline',
] as const;

/** CRM property value types (`PropertyCreate.type`). */
export const PROPERTY_TYPES = [
  'bool',
  'date',
  'datetime',
  'enumeration',
  'number',
  'phone_number',
  'string',
] as const;
export type PropertyType = (typeof PROPERTY_TYPES)[number];

/** CRM property field types (`PropertyCreate.fieldType`). */
export const PROPERTY_FIELD_TYPES = [
  'booleancheckbox',
  'calculation_equation',
  'checkbox',
  'date',
  'file',
  'html',
  'number',
  'phonenumber',
  'radio',
  'select',
  'text',
  'textarea',
] as const;

/** Which field types can show each value type; HubSpot refuses other pairs since the v3 properties API. */
export const FIELD_TYPES_FOR: Record<PropertyType, readonly string[]> = {
  bool: ['booleancheckbox', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  enumeration: ['booleancheckbox', 'checkbox', 'radio', 'select', 'calculation_equation'],
  number: ['number', 'calculation_equation'],
  phone_number: ['phonenumber'],
  string: ['text', 'textarea', 'html', 'file', 'phonenumber', 'calculation_equation'],
};

export const NUMBER_DISPLAY_HINTS = [
  'currency',
  'duration',
  'formatted',
  'percentage',
  'probability',
  'unformatted',
] as const;

/** Workflow-action field value types (`FieldTypeDefinition.type`). */
export const ACTION_FIELD_TYPES = [
  'bool',
  'currency_number',
  'date',
  'datetime',
  'enumeration',
  'json',
  'number',
  'object_coordinates',
  'phone_number',
  'string',
] as const;

export const ACTION_VALUE_SOURCES = ['STATIC_VALUE', 'OBJECT_PROPERTY'] as const;
export const ACTION_CLIENTS = ['WORKFLOWS', 'AGENTS'] as const;
export const ACTION_OBJECT_TYPES = ['CONTACT', 'COMPANY', 'DEAL', 'TICKET'] as const;

export const CARD_LOCATIONS = [
  'crm.record.tab',
  'crm.record.sidebar',
  'crm.preview',
  'helpdesk.sidebar',
] as const;
export const CARD_OBJECT_TYPES = ['contacts', 'companies', 'deals', 'tickets'] as const;

/**
 * The object types CRM properties are created on, with the scopes that let an app create them:
 * any one of them does (the properties spec lists `tickets` beside `crm.schemas.tickets.write`).
 */
export const PROPERTY_OBJECT_TYPES = {
  contacts: ['crm.schemas.contacts.write'],
  companies: ['crm.schemas.companies.write'],
  deals: ['crm.schemas.deals.write'],
  tickets: ['tickets', 'crm.schemas.tickets.write'],
} as const;
export type PropertyObjectType = keyof typeof PROPERTY_OBJECT_TYPES;

/** Generic (`object.*`) webhook subscriptions: the event kinds and the objects used here. */
export const OBJECT_SUBSCRIPTION_TYPES = [
  'object.creation',
  'object.deletion',
  'object.merge',
  'object.restore',
  'object.propertyChange',
  'object.associationChange',
] as const;

/**
 * The objects an app may subscribe to, with the scopes any one of which lets it read them:
 * HubSpot only delivers events for objects the install can read.
 */
export const WEBHOOK_OBJECT_READ_SCOPES = {
  contact: ['crm.objects.contacts.read'],
  company: ['crm.objects.companies.read'],
  deal: ['crm.objects.deals.read'],
  ticket: ['tickets'],
  email: ['sales-email-read'],
  feedback_submission: ['crm.objects.feedback_submissions.read'],
  line_item: ['crm.objects.line_items.read'],
  product: ['crm.objects.products.read'],
} as const;
export type WebhookObjectType = keyof typeof WEBHOOK_OBJECT_READ_SCOPES;

/** Legacy (`contact.*`…) subscription types, from the webhooks API's `eventType` enum. */
export const LEGACY_SUBSCRIPTION_TYPES = [
  'company.associationChange',
  'company.creation',
  'company.deletion',
  'company.merge',
  'company.propertyChange',
  'company.restore',
  'contact.associationChange',
  'contact.creation',
  'contact.deletion',
  'contact.merge',
  'contact.propertyChange',
  'contact.restore',
  'deal.associationChange',
  'deal.creation',
  'deal.deletion',
  'deal.merge',
  'deal.propertyChange',
  'deal.restore',
  'ticket.associationChange',
  'ticket.creation',
  'ticket.deletion',
  'ticket.merge',
  'ticket.propertyChange',
  'ticket.restore',
] as const;

export const HUB_EVENT_SUBSCRIPTION_TYPES = [
  'contact.privacyDeletion',
  'conversation.privacyDeletion',
] as const;

/** HubSpot's rule for a component uid (`validateUid` in @hubspot/project-parsing-lib). */
export const UID_PATTERN = /^[A-Za-z0-9_.-]+$/;
export const UID_MAX_LENGTH = 64;
