/**
 * The describe metadata of the objects a sandbox org starts with: Salesforce's standard objects
 * as a CRM org uses them (with their real API names, key prefixes and relationship names), the
 * custom fields and the custom object (`Survey_Response__c`) a customer-success team adds, field
 * history (`ContactHistory`) and the setup objects that grant field-level security.
 *
 * `standardObjects()` builds fresh schemas, so that a field one org adds never appears in another.
 */
import { salesforceId } from './ids.js';
import type { SfField, SfFieldType, SfObjectSchema, SfPicklistValue, SfValue } from './types.js';

type FieldOptions = Partial<Omit<SfField, 'name' | 'label' | 'type'>>;

function field(name: string, label: string, type: SfFieldType, options: FieldOptions = {}): SfField {
  const longText = type === 'textarea' && (options.length ?? 0) > 255;
  return {
    name,
    label,
    type,
    custom: name.endsWith('__c'),
    nillable: true,
    createable: true,
    updateable: true,
    // Long text cannot be filtered or sorted on, in SOQL as in the describe.
    filterable: !longText,
    sortable: !longText,
    referenceTo: [],
    relationshipName: null,
    length: 0,
    precision: 0,
    scale: 0,
    picklistValues: [],
    ...options,
  };
}

/** Set by Salesforce itself: readable through the API, never written by a request. */
const SYSTEM_SET = { createable: false, updateable: false, calculated: true } as const;

function text(name: string, label: string, length: number, options: FieldOptions = {}): SfField {
  return field(name, label, 'string', { length, ...options });
}

function longText(name: string, label: string, length = 32000, options: FieldOptions = {}): SfField {
  return field(name, label, 'textarea', { length, ...options });
}

function reference(
  name: string,
  label: string,
  referenceTo: string[],
  relationshipName: string,
  options: FieldOptions = {},
): SfField {
  return field(name, label, 'reference', { length: 18, referenceTo, relationshipName, ...options });
}

function checkbox(name: string, label: string, options: FieldOptions = {}): SfField {
  return field(name, label, 'boolean', {
    nillable: false,
    defaultedOnCreate: true,
    defaultValue: false,
    ...options,
  });
}

function number(
  name: string,
  label: string,
  type: 'double' | 'currency' | 'int' | 'percent',
  precision: number,
  scale: number,
  options: FieldOptions = {},
): SfField {
  return field(name, label, type, { precision: type === 'int' ? 0 : precision, scale, ...options });
}

function datetime(name: string, label: string, options: FieldOptions = {}): SfField {
  return field(name, label, 'datetime', options);
}

function date(name: string, label: string, options: FieldOptions = {}): SfField {
  return field(name, label, 'date', options);
}

/** Values as `value` or `[value, label]`; `defaultValue` marks the one a create gets when left out. */
function picklist(
  name: string,
  label: string,
  values: readonly (string | readonly [string, string])[],
  options: FieldOptions & { defaultValue?: string } = {},
): SfField {
  const { defaultValue, ...rest } = options;
  const picklistValues: SfPicklistValue[] = values.map((entry) => {
    const [value, shown] = typeof entry === 'string' ? [entry, entry] : entry;
    return { value, label: shown, active: true, defaultValue: value === defaultValue };
  });
  return field(name, label, 'picklist', {
    length: 255,
    picklistValues,
    ...(defaultValue === undefined ? {} : { defaultedOnCreate: true }),
    ...rest,
  });
}

/** Id, IsDeleted and the audit fields every record of a type carries. */
function systemFields(label: string): SfField[] {
  return [
    field('Id', `${label} ID`, 'id', { nillable: false, length: 18, ...SYSTEM_SET }),
    checkbox('IsDeleted', 'Deleted', { ...SYSTEM_SET, defaultedOnCreate: true }),
    datetime('CreatedDate', 'Created Date', { nillable: false, ...SYSTEM_SET }),
    reference('CreatedById', 'Created By ID', ['User'], 'CreatedBy', { nillable: false, ...SYSTEM_SET }),
    datetime('LastModifiedDate', 'Last Modified Date', { nillable: false, ...SYSTEM_SET }),
    reference('LastModifiedById', 'Last Modified By ID', ['User'], 'LastModifiedBy', {
      nillable: false,
      ...SYSTEM_SET,
    }),
    datetime('SystemModstamp', 'System Modstamp', { nillable: false, ...SYSTEM_SET }),
  ];
}

function owner(): SfField {
  return reference('OwnerId', 'Owner ID', ['User'], 'Owner', { nillable: false, defaultedOnCreate: true });
}

function object(
  name: string,
  label: string,
  labelPlural: string,
  keyPrefix: string,
  fields: SfField[],
  options: Pick<SfObjectSchema, 'createable' | 'updateable' | 'deletable'> = {},
): SfObjectSchema {
  return {
    name,
    label,
    labelPlural,
    keyPrefix,
    custom: name.endsWith('__c'),
    fields: [...systemFields(label), ...fields],
    ...options,
  };
}

/** The fields whose changes Salesforce records in `ContactHistory` (history tracking on). */
export const TRACKED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Contact: ['Customer_Status__c', 'Plan__c', 'Billing_Period__c', 'Customer_Segment__c', 'MailingCountry'],
};

/** History objects: written by the org when a tracked field of the parent changes. */
export const HISTORY_OBJECTS: Readonly<Record<string, { history: string; parentField: string }>> = {
  Contact: { history: 'ContactHistory', parentField: 'ContactId' },
};

/** Setup objects whose records decide who may see and edit which field. */
export const PERMISSION_OBJECTS = ['PermissionSet', 'PermissionSetAssignment', 'FieldPermissions'] as const;

/** The custom object's definition id (a `01I` id), which the Tooling API names it by. */
export const CUSTOM_OBJECT_IDS: Readonly<Record<string, string>> = {
  Survey_Response__c: salesforceId('01I', 1),
};

/** Salesforce's standard Industry values. */
export const INDUSTRIES = [
  'Agriculture',
  'Apparel',
  'Banking',
  'Biotechnology',
  'Chemicals',
  'Communications',
  'Construction',
  'Consulting',
  'Education',
  'Electronics',
  'Energy',
  'Engineering',
  'Entertainment',
  'Environmental',
  'Finance',
  'Food & Beverage',
  'Government',
  'Healthcare',
  'Hospitality',
  'Insurance',
  'Machinery',
  'Manufacturing',
  'Media',
  'Not For Profit',
  'Other',
  'Recreation',
  'Retail',
  'Shipping',
  'Technology',
  'Telecommunications',
  'Transportation',
  'Utilities',
] as const;

const CASE_CLOSED_STATUSES = new Set(['Closed']);
const TASK_CLOSED_STATUSES = new Set(['Completed']);

/**
 * The standard objects of a new org, plus the org's customisations a churn-minded CRM team has:
 * Contact's customer status fields, Opportunity's loss reason and the survey responses object.
 */
export function standardObjects(): SfObjectSchema[] {
  return [
    object(
      'User',
      'User',
      'Users',
      '005',
      [
        text('Username', 'Username', 80, { nillable: false }),
        field('Email', 'Email', 'email', { length: 128, nillable: false }),
        text('FirstName', 'First Name', 40),
        text('LastName', 'Last Name', 80, { nillable: false }),
        text('Name', 'Full Name', 121, SYSTEM_SET),
        checkbox('IsActive', 'Active', { defaultValue: true }),
      ],
      { deletable: false },
    ),
    object(
      'Organization',
      'Organization',
      'Organizations',
      '00D',
      [
        text('Name', 'Name', 80, { nillable: false, ...SYSTEM_SET }),
        text('InstanceName', 'Instance Name', 5, SYSTEM_SET),
        checkbox('IsSandbox', 'Is Sandbox', SYSTEM_SET),
        text('OrganizationType', 'Edition', 40, SYSTEM_SET),
      ],
      { createable: false, updateable: false, deletable: false },
    ),
    object('Account', 'Account', 'Accounts', '001', [
      text('Name', 'Account Name', 255, { nillable: false }),
      picklist('Type', 'Account Type', [
        'Prospect',
        'Customer - Direct',
        'Customer - Channel',
        'Former Customer',
        'Other',
      ]),
      picklist('Industry', 'Industry', INDUSTRIES),
      number('NumberOfEmployees', 'Employees', 'int', 8, 0),
      number('AnnualRevenue', 'Annual Revenue', 'currency', 18, 0),
      text('BillingCity', 'Billing City', 40),
      text('BillingCountry', 'Billing Country', 80),
      field('Website', 'Website', 'url', { length: 255 }),
      owner(),
    ]),
    object('Contact', 'Contact', 'Contacts', '003', [
      text('FirstName', 'First Name', 40),
      text('LastName', 'Last Name', 80, { nillable: false }),
      text('Name', 'Full Name', 121, SYSTEM_SET),
      field('Email', 'Email', 'email', { length: 80 }),
      text('Title', 'Title', 128),
      field('Phone', 'Business Phone', 'phone', { length: 40 }),
      text('MailingCity', 'Mailing City', 40),
      text('MailingCountry', 'Mailing Country', 80),
      reference('AccountId', 'Account ID', ['Account'], 'Account'),
      owner(),
      checkbox('HasOptedOutOfEmail', 'Email Opt Out'),
      picklist('LeadSource', 'Lead Source', [
        'Web',
        'Phone Inquiry',
        'Partner Referral',
        'Purchased List',
        'Other',
      ]),
      longText('Description', 'Contact Description'),
      picklist('Customer_Status__c', 'Customer Status', ['Prospect', 'Customer', 'Former Customer'], {
        restrictedPicklist: true,
      }),
      date('Customer_Since__c', 'Customer Since'),
      date('Former_Customer_Since__c', 'Former Customer Since'),
      text('Plan__c', 'Plan', 80),
      picklist('Billing_Period__c', 'Billing Period', ['Monthly', 'Annual'], { restrictedPicklist: true }),
      text('Customer_Segment__c', 'Customer Segment', 80),
    ]),
    object('Opportunity', 'Opportunity', 'Opportunities', '006', [
      text('Name', 'Name', 120, { nillable: false }),
      reference('AccountId', 'Account ID', ['Account'], 'Account'),
      reference('ContactId', 'Contact ID', ['Contact'], 'Contact'),
      number('Amount', 'Amount', 'currency', 18, 2),
      picklist('StageName', 'Stage', ['Prospecting', 'Negotiation', 'Closed Won', 'Closed Lost'], {
        nillable: false,
        restrictedPicklist: true,
      }),
      date('CloseDate', 'Close Date', { nillable: false }),
      picklist('Type', 'Opportunity Type', [
        'New Business',
        'Existing Business - Upgrade',
        'Existing Business - Renewal',
      ]),
      checkbox('IsClosed', 'Closed', SYSTEM_SET),
      checkbox('IsWon', 'Won', SYSTEM_SET),
      owner(),
      text('Loss_Reason__c', 'Loss Reason', 255),
    ]),
    object('Case', 'Case', 'Cases', '500', [
      text('CaseNumber', 'Case Number', 30, { ...SYSTEM_SET, autoNumber: true }),
      text('Subject', 'Subject', 255),
      longText('Description', 'Description'),
      picklist('Priority', 'Priority', ['Low', 'Medium', 'High'], { defaultValue: 'Medium' }),
      picklist('Status', 'Status', ['New', 'Working', 'Escalated', 'Closed'], { defaultValue: 'New' }),
      checkbox('IsClosed', 'Closed', SYSTEM_SET),
      datetime('ClosedDate', 'Closed Date', SYSTEM_SET),
      picklist('Origin', 'Case Origin', ['Email', 'Phone', 'Web']),
      picklist('Type', 'Case Type', ['Problem', 'Feature Request', 'Question', 'Billing']),
      reference('ContactId', 'Contact ID', ['Contact'], 'Contact'),
      reference('AccountId', 'Account ID', ['Account'], 'Account'),
      owner(),
    ]),
    object('Task', 'Task', 'Tasks', '00T', [
      reference('WhoId', 'Name ID', ['Contact'], 'Who'),
      reference('WhatId', 'Related To ID', ['Account', 'Opportunity', 'Case'], 'What'),
      text('Subject', 'Subject', 255),
      longText('Description', 'Description'),
      date('ActivityDate', 'Due Date Only'),
      picklist(
        'Status',
        'Status',
        ['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'],
        {
          nillable: false,
          defaultValue: 'Not Started',
        },
      ),
      picklist('Priority', 'Priority', ['High', 'Normal', 'Low'], {
        nillable: false,
        defaultValue: 'Normal',
      }),
      picklist('TaskSubtype', 'Task Subtype', ['Task', 'Email', 'Call'], {
        updateable: false,
        defaultValue: 'Task',
      }),
      checkbox('IsClosed', 'Closed', SYSTEM_SET),
      datetime('CompletedDateTime', 'Completed Date/Time', SYSTEM_SET),
      owner(),
    ]),
    object('EmailMessage', 'Email Message', 'Email Messages', '02s', [
      reference('ActivityId', 'Activity ID', ['Task'], 'Activity'),
      reference('ParentId', 'Case ID', ['Case'], 'Parent'),
      text('Subject', 'Subject', 3000),
      longText('TextBody', 'Text Body', 131072),
      field('FromAddress', 'From Address', 'email', { length: 255 }),
      text('FromName', 'From Name', 1000),
      text('ToAddress', 'To Address', 4000),
      checkbox('Incoming', 'Is Incoming'),
      picklist(
        'Status',
        'Status',
        [
          ['0', 'New'],
          ['1', 'Read'],
          ['2', 'Replied'],
          ['3', 'Sent'],
          ['4', 'Forwarded'],
          ['5', 'Draft'],
        ],
        { restrictedPicklist: true },
      ),
      datetime('MessageDate', 'Message Date'),
      datetime('FirstOpenedDate', 'First Opened', SYSTEM_SET),
      datetime('LastOpenedDate', 'Last Opened', SYSTEM_SET),
      checkbox('IsOpened', 'Is Opened', SYSTEM_SET),
      checkbox('IsBounced', 'Is Bounced', SYSTEM_SET),
    ]),
    object('Survey_Response__c', 'Survey Response', 'Survey Responses', 'a0A', [
      text('Name', 'Survey Response Name', 80, { ...SYSTEM_SET, autoNumber: true }),
      owner(),
      reference('Contact__c', 'Contact', ['Contact'], 'Contact__r'),
      picklist('Survey_Type__c', 'Survey Type', ['NPS', 'CSAT', 'Exit'], { restrictedPicklist: true }),
      number('Score__c', 'Score', 'double', 3, 0),
      longText('Comment__c', 'Comment', 32768),
      datetime('Submitted_At__c', 'Submitted At'),
      text('Exit_Reason__c', 'Exit Reason', 255),
    ]),
    {
      // History rows carry no LastModified fields: Salesforce never changes one once written.
      name: 'ContactHistory',
      label: 'Contact History',
      labelPlural: 'Contact History',
      keyPrefix: '017',
      custom: false,
      createable: false,
      updateable: false,
      deletable: false,
      fields: [
        field('Id', 'Contact History ID', 'id', { nillable: false, length: 18, ...SYSTEM_SET }),
        checkbox('IsDeleted', 'Deleted', SYSTEM_SET),
        reference('ContactId', 'Contact ID', ['Contact'], 'Contact', { nillable: false, ...SYSTEM_SET }),
        reference('CreatedById', 'Created By ID', ['User'], 'CreatedBy', { nillable: false, ...SYSTEM_SET }),
        datetime('CreatedDate', 'Created Date', { nillable: false, ...SYSTEM_SET }),
        picklist('Field', 'Changed Field', ['created', ...TRACKED_FIELDS.Contact!], {
          nillable: false,
          ...SYSTEM_SET,
        }),
        text('OldValue', 'Old Value', 255, { ...SYSTEM_SET, filterable: false, sortable: false }),
        text('NewValue', 'New Value', 255, { ...SYSTEM_SET, filterable: false, sortable: false }),
      ],
    },
    object('PermissionSet', 'Permission Set', 'Permission Sets', '0PS', [
      text('Name', 'Name', 80, { nillable: false }),
      text('Label', 'Label', 80, { nillable: false }),
      text('Description', 'Description', 255),
      checkbox('IsOwnedByProfile', 'Is Owned by Profile', SYSTEM_SET),
    ]),
    object(
      'PermissionSetAssignment',
      'Permission Set Assignment',
      'Permission Set Assignments',
      '0Pa',
      [
        reference('AssigneeId', 'Assignee ID', ['User'], 'Assignee', { nillable: false, updateable: false }),
        reference('PermissionSetId', 'Permission Set ID', ['PermissionSet'], 'PermissionSet', {
          nillable: false,
          updateable: false,
        }),
      ],
      { updateable: false },
    ),
    object('CustomPermission', 'Custom Permission', 'Custom Permissions', '0CP', [
      text('DeveloperName', 'Name', 80, { nillable: false }),
      text('MasterLabel', 'Label', 80, { nillable: false }),
      text('NamespacePrefix', 'Namespace Prefix', 15),
      text('Description', 'Description', 255),
    ]),
    object(
      'SetupEntityAccess',
      'Setup Entity Access',
      'Setup Entity Access',
      '0J0',
      [
        reference('ParentId', 'Parent ID', ['PermissionSet'], 'Parent', {
          nillable: false,
          updateable: false,
        }),
        // Polymorphic in Salesforce (an Apex class, a custom permission…): no relationship to walk.
        field('SetupEntityId', 'Setup Entity ID', 'reference', {
          length: 18,
          nillable: false,
          updateable: false,
          referenceTo: ['CustomPermission'],
        }),
        text('SetupEntityType', 'Setup Entity Type', 40, { updateable: false }),
      ],
      { updateable: false },
    ),
    object('FieldPermissions', 'Field Permissions', 'Field Permissions', '01k', [
      reference('ParentId', 'Parent ID', ['PermissionSet'], 'Parent', { nillable: false, updateable: false }),
      text('SobjectType', 'Sobject Type Name', 40, { nillable: false, updateable: false }),
      text('Field', 'Field Name', 120, { nillable: false, updateable: false }),
      checkbox('PermissionsRead', 'Read Access'),
      checkbox('PermissionsEdit', 'Edit Access'),
    ]),
  ];
}

/** The Tooling API's `CustomField`: one record per custom field of the org. */
export function customFieldObject(): SfObjectSchema {
  return object('CustomField', 'Custom Field Definition', 'Custom Field Definitions', '00N', [
    text('DeveloperName', 'Field Name', 40, SYSTEM_SET),
    text('TableEnumOrId', 'Table Enum or ID', 40, SYSTEM_SET),
    text('FullName', 'Full Name', 255, SYSTEM_SET),
    text('NamespacePrefix', 'Namespace Prefix', 15, SYSTEM_SET),
    text('Description', 'Description', 1000, SYSTEM_SET),
    // The field's definition as an object; the Tooling API fills it in where a query selects it.
    longText('Metadata', 'Metadata', 131072, SYSTEM_SET),
  ]);
}

const autoNumberFormats: Readonly<Record<string, (n: number) => string>> = {
  'Case.CaseNumber': (n) => String(1000 + n).padStart(8, '0'),
  'Survey_Response__c.Name': (n) => `SR-${String(n).padStart(6, '0')}`,
};

/** The value of an auto-number field for the `n`th record (1-based). */
export function autoNumber(sobject: string, fieldName: string, n: number): string {
  const format = autoNumberFormats[`${sobject}.${fieldName}`];
  return format ? format(n) : String(n);
}

function fullName(first: SfValue | undefined, last: SfValue | undefined): string | null {
  const parts = [first, last].filter((part): part is string => typeof part === 'string' && part !== '');
  return parts.length ? parts.join(' ') : null;
}

/**
 * Fields Salesforce keeps in step with others on every write: full names, closed and won flags
 * from the stage or status, and the moment a case or task was closed (`at`, the write's time).
 */
export function deriveFields(sobject: string, fields: Record<string, SfValue>, at: Date): void {
  switch (sobject) {
    case 'Contact':
    case 'User':
      fields.Name = fullName(fields.FirstName, fields.LastName);
      return;
    case 'Opportunity':
      fields.IsClosed = fields.StageName === 'Closed Won' || fields.StageName === 'Closed Lost';
      fields.IsWon = fields.StageName === 'Closed Won';
      return;
    case 'Case': {
      const closed = typeof fields.Status === 'string' && CASE_CLOSED_STATUSES.has(fields.Status);
      fields.IsClosed = closed;
      fields.ClosedDate = closed ? (fields.ClosedDate ?? at) : null;
      return;
    }
    case 'Task': {
      const closed = typeof fields.Status === 'string' && TASK_CLOSED_STATUSES.has(fields.Status);
      fields.IsClosed = closed;
      fields.CompletedDateTime = closed ? (fields.CompletedDateTime ?? at) : null;
      return;
    }
    case 'EmailMessage':
      fields.IsOpened = fields.FirstOpenedDate != null;
      return;
  }
}
