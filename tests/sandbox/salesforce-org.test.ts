import { describe, it, expect, beforeEach } from '@jest/globals';
import { normalizeId, salesforceId, sameId, to18 } from '../../sandbox/salesforce/ids.js';
import { SalesforceStore, type SalesforceOrg, type SfUser } from '../../sandbox/salesforce/store.js';
import { SalesforceApiError, type SfRecord } from '../../sandbox/salesforce/types.js';

const T0 = new Date('2026-01-05T10:00:00.123Z');
const T1 = new Date('2026-01-06T11:30:00.456Z');
const T2 = new Date('2026-01-07T09:15:00.789Z');

/** The error a call throws, as Salesforce would answer it. */
function apiError(call: () => unknown): SalesforceApiError {
  try {
    call();
  } catch (error) {
    if (error instanceof SalesforceApiError) return error;
    throw error;
  }
  throw new Error('expected a SalesforceApiError');
}

function newOrg(): SalesforceOrg {
  return new SalesforceStore().createOrg({ name: 'Acme' });
}

function historyOf(org: SalesforceOrg, contactId: string): Record<string, unknown>[] {
  return [...org.records('ContactHistory')]
    .filter((row) => row.fields.ContactId === contactId)
    .map(({ fields }) => ({
      Field: fields.Field,
      OldValue: fields.OldValue,
      NewValue: fields.NewValue,
      CreatedDate: fields.CreatedDate,
      CreatedById: fields.CreatedById,
    }));
}

describe('Salesforce ids', () => {
  it.each([
    ['001A0000006Vm9r', '001A0000006Vm9rIAC'], // Salesforce's documented example
    ['001000000000000', '001000000000000AAA'], // no capitals
    ['AAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAA555'], // all capitals
    ['003a0000006vm9r', '003a0000006vm9rAAA'], // same letters as above, lower case: another record
  ])('adds the case-safe suffix to %s', (id15, id18) => {
    expect(to18(id15)).toBe(id18);
  });

  it.each([
    ['001A0000006Vm9r', '001A0000006Vm9rIAC', true],
    ['001A0000006Vm9rIAC', '001A0000006Vm9rIAC', true],
    ['001a0000006vm9riac', '001A0000006Vm9r', true], // an 18-character id survives losing its case
    ['001a0000006Vm9r', '001A0000006Vm9r', false], // 15-character ids are case-sensitive
    ['001A0000006Vm9rAAA', '001A0000006Vm9r', false], // a suffix that does not match its id
    ['not an id', 'not an id', false],
  ])('sameId(%s, %s) is %s', (a, b, same) => {
    expect(sameId(a, b)).toBe(same);
  });

  it('makes 18-character ids that start with the key prefix and carry their own checksum', () => {
    const ids = [1, 2, 61, 62, 3844].map((serial) => salesforceId('003', serial));
    for (const id of ids) {
      expect(id).toMatch(/^003[0-9A-Za-z]{15}$/);
      expect(to18(id.slice(0, 15))).toBe(id);
      expect(normalizeId(id.toLowerCase())).toBe(id);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('the store', () => {
  it('gives each org an 00D id, finds it by 15 or 18 characters, and keeps orgs apart', () => {
    const store = new SalesforceStore();
    const a = store.createOrg({ name: 'A' });
    const b = store.createOrg({ name: 'B', dailyApiLimit: 500 });
    expect(a.orgId).toMatch(/^00D[0-9A-Za-z]{15}$/);
    expect(store.org(a.orgId.slice(0, 15))).toBe(a);
    expect(store.org(b.orgId)).toBe(b);
    expect([a.dailyApiLimit, b.dailyApiLimit]).toEqual([100_000, 500]);
    const contact = a.create('Contact', { LastName: 'Only in A' });
    expect(b.byId(contact.Id)).toBeUndefined();
    expect([...b.records('Contact')]).toHaveLength(0);
    expect(a.retrieve('Organization', a.orgId).fields).toMatchObject({ Name: 'A', IsSandbox: false });
    // Usernames are unique across orgs, even orgs of the same name.
    const twin = store.createOrg({ name: 'A' });
    expect(twin.adminUser.Username).not.toBe(a.adminUser.Username);
  });

  it('dates writes by its clock, which tests move instead of waiting', () => {
    const store = new SalesforceStore();
    const org = store.createOrg();
    store.advanceClock(3_600_000);
    const expected = Date.now() + 3_600_000;
    const created = org.create('Account', { Name: 'Later' }).fields.CreatedDate as Date;
    expect(Math.abs(created.getTime() - expected)).toBeLessThan(5_000);
  });
});

describe('records and their system fields', () => {
  let org: SalesforceOrg;
  let rep: SfUser;
  beforeEach(() => {
    org = newOrg();
    rep = org.addUser({ firstName: 'Maya', lastName: 'Lindqvist', email: 'maya@acme.example.com' });
  });

  it('stamps every record with who made it and when, to the millisecond', () => {
    const contact = org.create('Contact', { FirstName: 'Ann', LastName: 'Lee' }, { at: T0 });
    expect(contact.Id).toMatch(/^003[0-9A-Za-z]{15}$/);
    expect(contact.fields).toMatchObject({
      Id: contact.Id,
      IsDeleted: false,
      CreatedDate: T0,
      CreatedById: org.adminUser.Id,
      LastModifiedDate: T0,
      LastModifiedById: org.adminUser.Id,
      SystemModstamp: T0,
      OwnerId: org.adminUser.Id,
      Name: 'Ann Lee',
    });

    org.update('Contact', contact.Id.slice(0, 15), { Title: 'CTO' }, { at: T1, by: rep.Id });
    expect(org.byId(contact.Id)!.fields).toMatchObject({
      Title: 'CTO',
      CreatedDate: T0,
      CreatedById: org.adminUser.Id,
      LastModifiedDate: T1,
      LastModifiedById: rep.Id,
      SystemModstamp: T1,
    });
  });

  it('moves only SystemModstamp on a system update, and lists records by SystemModstamp', () => {
    const a = org.create('Contact', { LastName: 'A' }, { at: T0 });
    const b = org.create('Contact', { LastName: 'B' }, { at: T0 });
    const c = org.create('Contact', { LastName: 'C' }, { at: T0 });
    org.touchSystem(a.Id, T1);
    expect(a.fields.LastModifiedDate).toEqual(T0);
    expect(a.fields.SystemModstamp).toEqual(T1);
    expect(org.updatedIds('Contact', T1, T2)).toEqual([a.Id]);
    // Records may share a SystemModstamp: the range holds them all.
    expect(org.updatedIds('Contact', T0, T0)).toEqual([b.Id, c.Id]);
  });

  it('keeps a deleted record for queryAll and getDeleted, and refuses to touch it again', () => {
    const contact = org.create('Contact', { LastName: 'Gone' }, { at: T0 });
    org.delete('Contact', contact.Id, { at: T1, by: rep.Id });
    expect(org.byId(contact.Id)).toBeUndefined();
    const kept = [...org.records('Contact')].find((record) => record.Id === contact.Id)!;
    expect(kept.fields).toMatchObject({ IsDeleted: true, SystemModstamp: T1, LastModifiedById: rep.Id });
    expect(org.deletedRecords('Contact', T0, T2)).toEqual([{ id: contact.Id, deletedDate: T1 }]);
    expect(org.deletedRecords('Contact', T2, T2)).toEqual([]);
    expect(org.updatedIds('Contact', T0, T2)).toEqual([]);
    for (const call of [
      () => org.update('Contact', contact.Id, { Title: 'x' }),
      () => org.delete('Contact', contact.Id),
      () => org.retrieve('Contact', contact.Id),
    ]) {
      expect(apiError(call).errorCode).toBe('ENTITY_IS_DELETED');
    }
    expect(apiError(() => org.create('Case', { ContactId: contact.Id })).errorCode).toBe('ENTITY_IS_DELETED');
  });

  it('keeps the flags and dates Salesforce derives from stages and statuses', () => {
    const opportunity = org.create('Opportunity', {
      Name: 'Renewal',
      StageName: 'Negotiation',
      CloseDate: '2026-02-01',
      Amount: '1200.456',
    });
    expect(opportunity.fields).toMatchObject({ IsClosed: false, IsWon: false, Amount: 1200.46 });
    org.update('Opportunity', opportunity.Id, { StageName: 'Closed Won' });
    expect(opportunity.fields).toMatchObject({ IsClosed: true, IsWon: true });

    const ticket = org.create('Case', { Subject: 'Login fails' }, { at: T0 });
    expect(ticket.fields).toMatchObject({
      Status: 'New',
      Priority: 'Medium',
      IsClosed: false,
      ClosedDate: null,
    });
    expect(ticket.fields.CaseNumber).toMatch(/^\d{8}$/);
    org.update('Case', ticket.Id, { Status: 'Closed' }, { at: T1 });
    expect(ticket.fields).toMatchObject({ IsClosed: true, ClosedDate: T1 });
    org.update('Case', ticket.Id, { Status: 'Working' }, { at: T2 });
    expect(ticket.fields).toMatchObject({ IsClosed: false, ClosedDate: null });
  });

  it('reads wire values as the REST API does', () => {
    const contact = org.create('Contact', { LastName: 'Typed', Title: '', Customer_Since__c: '2025-04-01' });
    const survey = org.create('Survey_Response__c', {
      Contact__c: contact.Id.slice(0, 15),
      Survey_Type__c: 'NPS',
      Score__c: '9',
      Submitted_At__c: '2026-01-02T03:04:05.678+0000',
    });
    expect(survey.fields).toMatchObject({
      Contact__c: contact.Id,
      Score__c: 9,
      Submitted_At__c: new Date('2026-01-02T03:04:05.678Z'),
    });
    expect(survey.fields.Name).toMatch(/^SR-\d{6}$/);
    expect(contact.fields).toMatchObject({
      Title: null,
      Customer_Since__c: '2025-04-01',
      HasOptedOutOfEmail: false,
    });
  });
});

describe('writes Salesforce refuses', () => {
  let org: SalesforceOrg;
  let contact: SfRecord;
  let account: SfRecord;
  let task: SfRecord;
  beforeEach(() => {
    org = newOrg();
    account = org.create('Account', { Name: 'Acme' });
    contact = org.create('Contact', { LastName: 'Lee', AccountId: account.Id });
    task = org.create('Task', { WhoId: contact.Id, Subject: 'Call back' });
  });

  const securityWords =
    'Please check the security settings of this field and verify that it is read/write for your profile or permission set.';

  type Ids = { contact: string; account: string; task: string };
  it.each<
    [string, (org: SalesforceOrg, ids: Ids) => unknown, number, string, string | ((ids: Ids) => string)]
  >([
    [
      'an unknown field',
      (o) => o.create('Contact', { LastName: 'X', Shoe_Size__c: 9 }),
      400,
      'INVALID_FIELD',
      "No such column 'Shoe_Size__c' on sobject of type Contact",
    ],
    [
      'a field Salesforce sets',
      (o) => o.create('Contact', { LastName: 'X', Name: 'Y', CreatedDate: '2026-01-01T00:00:00Z' }),
      400,
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      `Unable to create/update fields: Name, CreatedDate. ${securityWords}`,
    ],
    [
      'a calculated flag',
      (o) =>
        o.create('Opportunity', {
          Name: 'X',
          StageName: 'Prospecting',
          CloseDate: '2026-01-01',
          IsWon: true,
        }),
      400,
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      `Unable to create/update fields: IsWon. ${securityWords}`,
    ],
    [
      'a field that can only be set on create',
      (o, ids) => o.update('Task', ids.task, { TaskSubtype: 'Call' }),
      400,
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      `Unable to create/update fields: TaskSubtype. ${securityWords}`,
    ],
    [
      'text where a number belongs',
      (o) => o.create('Account', { Name: 'X', NumberOfEmployees: 'many' }),
      400,
      'INVALID_TYPE_ON_FIELD_IN_RECORD',
      'Employees: value not of required type: many',
    ],
    [
      'a fraction in a whole-number field',
      (o) => o.create('Account', { Name: 'X', NumberOfEmployees: 12.5 }),
      400,
      'INVALID_TYPE_ON_FIELD_IN_RECORD',
      'Employees: value not of required type: 12.5',
    ],
    [
      'an impossible date',
      (o) => o.create('Opportunity', { Name: 'X', StageName: 'Prospecting', CloseDate: '2026-02-30' }),
      400,
      'INVALID_TYPE_ON_FIELD_IN_RECORD',
      'Close Date: value not of required type: 2026-02-30',
    ],
    [
      'text too long',
      (o) => o.create('Contact', { LastName: 'x'.repeat(81) }),
      400,
      'STRING_TOO_LONG',
      `Last Name: data value too large: ${'x'.repeat(81)} (max length=80)`,
    ],
    [
      'a value outside a restricted picklist',
      (o) => o.create('Contact', { LastName: 'X', Customer_Status__c: 'Churned' }),
      400,
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      'Customer Status: bad value for restricted picklist field: Churned',
    ],
    [
      'a number too large for its precision',
      (o) =>
        o.create('Opportunity', {
          Name: 'X',
          StageName: 'Prospecting',
          CloseDate: '2026-01-01',
          Amount: 1e17,
        }),
      400,
      'NUMBER_OUTSIDE_VALID_RANGE',
      'Amount: value outside of valid range on numeric field: 100000000000000000',
    ],
    [
      'a malformed email address',
      (o) => o.create('Contact', { LastName: 'X', Email: 'not-an-address' }),
      400,
      'INVALID_EMAIL_ADDRESS',
      'Email: invalid email address: not-an-address',
    ],
    [
      'a contact without a last name',
      (o) => o.create('Contact', { FirstName: 'Ann' }),
      400,
      'REQUIRED_FIELD_MISSING',
      'Required fields are missing: [LastName]',
    ],
    [
      'an account without a name',
      (o) => o.create('Account', {}),
      400,
      'REQUIRED_FIELD_MISSING',
      'Required fields are missing: [Name]',
    ],
    [
      'an opportunity without stage and close date',
      (o) => o.create('Opportunity', { Name: 'X' }),
      400,
      'REQUIRED_FIELD_MISSING',
      'Required fields are missing: [StageName, CloseDate]',
    ],
    [
      'emptying a required field',
      (o, ids) => o.update('Contact', ids.contact, { LastName: null }),
      400,
      'REQUIRED_FIELD_MISSING',
      'Required fields are missing: [LastName]',
    ],
    [
      'a reference that is not an id',
      (o) => o.create('Contact', { LastName: 'X', AccountId: 'acme' }),
      400,
      'MALFORMED_ID',
      'Account ID: id value of incorrect type: acme',
    ],
    [
      'a reference to the wrong type',
      (o, ids) => o.create('Contact', { LastName: 'X', AccountId: ids.contact }),
      400,
      'FIELD_INTEGRITY_EXCEPTION',
      (ids) => `Account ID: id value of incorrect type: ${ids.contact}`,
    ],
    [
      'a reference to no record',
      (o) => o.create('Contact', { LastName: 'X', AccountId: salesforceId('001', 999) }),
      400,
      'INVALID_CROSS_REFERENCE_KEY',
      'invalid cross reference id',
    ],
    [
      'an unknown record',
      (o) => o.update('Contact', salesforceId('003', 999), { Title: 'x' }),
      404,
      'NOT_FOUND',
      'The requested resource does not exist',
    ],
    [
      'a record of another type',
      (o, ids) => o.update('Contact', ids.account, { Title: 'x' }),
      404,
      'NOT_FOUND',
      'The requested resource does not exist',
    ],
    [
      'an unknown object',
      (o) => o.create('Lead', { LastName: 'X' }),
      404,
      'NOT_FOUND',
      'The requested resource does not exist',
    ],
    [
      'a history row',
      (o, ids) => o.create('ContactHistory', { ContactId: ids.contact }),
      400,
      'INVALID_TYPE_FOR_OPERATION',
      'entity type cannot be inserted: Contact History',
    ],
    [
      'a duplicate custom field',
      (o) => o.addCustomField('Contact.Plan__c', { label: 'Plan', type: 'Text', length: 80 }),
      400,
      'DUPLICATE_DEVELOPER_NAME',
      'There is already a field named Plan on Contact.',
    ],
  ])('refuses %s', (_what, write, status, errorCode, message) => {
    const ids = { contact: contact.Id, account: account.Id, task: task.Id };
    const counts = () => org.objectNames().map((name) => [...org.records(name)].length);
    const before = {
      counts: counts(),
      contact: JSON.stringify(contact.fields),
      task: JSON.stringify(task.fields),
    };
    const error = apiError(() => write(org, ids));
    expect(error.httpStatus).toBe(status);
    expect(error.errorCode).toBe(errorCode);
    expect(error.message).toBe(typeof message === 'string' ? message : message(ids));
    expect(error.toBody()[0]).toMatchObject({ errorCode, message: error.message });
    // A refused write changes nothing.
    expect({
      counts: counts(),
      contact: JSON.stringify(contact.fields),
      task: JSON.stringify(task.fields),
    }).toEqual(before);
  });
});

describe('field-level security', () => {
  let org: SalesforceOrg;
  let contact: SfRecord;
  let rep: SfUser;
  const SCORE = 'Contact.Churn_Risk_Score__c';
  const visible = (userId: string) =>
    org.schemaFor('Contact', userId)!.fields.some((field) => field.name === 'Churn_Risk_Score__c');

  beforeEach(() => {
    org = newOrg();
    rep = org.addUser({ firstName: 'Maya', lastName: 'Lindqvist', email: 'maya@acme.example.com' });
    contact = org.create('Contact', { LastName: 'Lee', Customer_Status__c: 'Customer' });
  });

  it('shows standard and pre-existing custom fields to every user', () => {
    for (const user of [org.adminUser, rep]) {
      expect(org.fieldAccess('Contact', 'Customer_Status__c', user.Id)).toEqual({ read: true, edit: true });
      expect(org.fieldAccess('Contact', 'Email', user.Id)).toEqual({ read: true, edit: true });
      expect(org.fieldAccess('Contact', 'CreatedDate', user.Id)).toEqual({ read: true, edit: false });
    }
    org.update('Contact', contact.Id, { Customer_Status__c: 'Former Customer' }, { by: rep.Id });
  });

  it('hides a field the Tooling API adds until a permission set assigned to the user grants it', () => {
    const field = org.addCustomField(SCORE, {
      label: 'Churn risk score',
      type: 'Number',
      precision: 3,
      scale: 0,
    });
    expect(field.Id).toMatch(/^00N/);
    expect(org.customFields()).toContainEqual(
      expect.objectContaining({
        id: field.Id,
        fullName: SCORE,
        developerName: 'Churn_Risk_Score',
        tableEnumOrId: 'Contact',
      }),
    );
    // It exists, on every record, but nobody sees it: not even the admin.
    expect(org.fullSchema('Contact')!.fields.map((f) => f.name)).toContain('Churn_Risk_Score__c');
    expect(contact.fields.Churn_Risk_Score__c).toBeNull();
    expect(visible(org.adminUser.Id)).toBe(false);
    expect(org.schema('Contact')!.fields.map((f) => f.name)).not.toContain('Churn_Risk_Score__c');
    const refused = apiError(() => org.update('Contact', contact.Id, { Churn_Risk_Score__c: 80 }));
    expect(refused.errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
    expect(refused.fields).toEqual(['Churn_Risk_Score__c']);

    const set = org.create('PermissionSet', { Name: 'Churn_Radar', Label: 'Churn Radar' });
    org.create('FieldPermissions', {
      ParentId: set.Id,
      SobjectType: 'Contact',
      Field: SCORE,
      PermissionsRead: true,
      PermissionsEdit: true,
    });
    expect(visible(org.adminUser.Id)).toBe(false); // granted to nobody yet
    const assignment = org.create('PermissionSetAssignment', {
      AssigneeId: org.adminUser.Id,
      PermissionSetId: set.Id,
    });
    expect(visible(org.adminUser.Id)).toBe(true);
    expect(org.fieldAccess('Contact', 'churn_risk_score__c', org.adminUser.Id)).toEqual({
      read: true,
      edit: true,
    });
    org.update('Contact', contact.Id, { Churn_Risk_Score__c: '80' });
    expect(org.byId(contact.Id)!.fields.Churn_Risk_Score__c).toBe(80);
    // Only the assignee sees it.
    expect(visible(rep.Id)).toBe(false);
    expect(
      apiError(() => org.update('Contact', contact.Id, { Churn_Risk_Score__c: 10 }, { by: rep.Id }))
        .errorCode,
    ).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');

    org.delete('PermissionSetAssignment', assignment.Id);
    expect(visible(org.adminUser.Id)).toBe(false);
  });

  it('lets a read-only grant show the field but not write it', () => {
    org.addCustomField(SCORE, { label: 'Churn risk score', type: 'Number', precision: 3, scale: 0 });
    const set = org.create('PermissionSet', { Name: 'Readers', Label: 'Readers' });
    const permission = org.create('FieldPermissions', {
      ParentId: set.Id,
      SobjectType: 'Contact',
      Field: SCORE,
      PermissionsRead: true,
    });
    org.create('PermissionSetAssignment', { AssigneeId: rep.Id, PermissionSetId: set.Id });
    expect(org.fieldAccess('Contact', 'Churn_Risk_Score__c', rep.Id)).toEqual({ read: true, edit: false });
    expect(
      apiError(() => org.update('Contact', contact.Id, { Churn_Risk_Score__c: 5 }, { by: rep.Id })).errorCode,
    ).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
    org.update('FieldPermissions', permission.Id, { PermissionsEdit: true });
    org.update('Contact', contact.Id, { Churn_Risk_Score__c: 5 }, { by: rep.Id });
    expect(contact.fields.Churn_Risk_Score__c).toBe(5);
  });

  it.each([
    ['edit without read', { Field: SCORE, PermissionsEdit: true }, 'FIELD_INTEGRITY_EXCEPTION'],
    ['an unknown field', { Field: 'Contact.Nope__c', PermissionsRead: true }, 'FIELD_INTEGRITY_EXCEPTION'],
    ['a required field', { Field: 'Contact.LastName', PermissionsRead: true }, 'FIELD_INTEGRITY_EXCEPTION'],
  ])('refuses a field permission with %s', (_what, values, errorCode) => {
    org.addCustomField(SCORE, { label: 'Churn risk score', type: 'Number', precision: 3, scale: 0 });
    const set = org.create('PermissionSet', { Name: 'P', Label: 'P' });
    const error = apiError(() =>
      org.create('FieldPermissions', { ParentId: set.Id, SobjectType: 'Contact', ...values }),
    );
    expect(error.errorCode).toBe(errorCode);
    expect([...org.records('FieldPermissions')]).toHaveLength(0);
  });

  it('refuses assigning the same permission set twice', () => {
    const set = org.create('PermissionSet', { Name: 'Twice', Label: 'Twice' });
    org.create('PermissionSetAssignment', { AssigneeId: rep.Id, PermissionSetId: set.Id });
    const error = apiError(() =>
      org.create('PermissionSetAssignment', { AssigneeId: rep.Id, PermissionSetId: set.Id }),
    );
    expect(error.errorCode).toBe('DUPLICATE_VALUE');
  });
});

describe('contact field history', () => {
  it('records creation, then each change of the customer status, with who and when', () => {
    const org = newOrg();
    const rep = org.addUser({ firstName: 'Omar', lastName: 'Haddad', email: 'omar@acme.example.com' });
    const contact = org.create('Contact', { LastName: 'Lee', Customer_Status__c: 'Customer' }, { at: T0 });
    org.update('Contact', contact.Id, { Title: 'CFO' }, { at: T1 }); // not tracked
    org.update('Contact', contact.Id, { Customer_Status__c: 'Customer' }, { at: T1 }); // no change
    org.update('Contact', contact.Id, { Customer_Status__c: 'Former Customer' }, { at: T1, by: rep.Id });
    org.update('Contact', contact.Id, { Customer_Status__c: 'Customer' }, { at: T2 });
    expect(historyOf(org, contact.Id)).toEqual([
      { Field: 'created', OldValue: null, NewValue: null, CreatedDate: T0, CreatedById: org.adminUser.Id },
      {
        Field: 'Customer_Status__c',
        OldValue: 'Customer',
        NewValue: 'Former Customer',
        CreatedDate: T1,
        CreatedById: rep.Id,
      },
      {
        Field: 'Customer_Status__c',
        OldValue: 'Former Customer',
        NewValue: 'Customer',
        CreatedDate: T2,
        CreatedById: org.adminUser.Id,
      },
    ]);
    const row = [...org.records('ContactHistory')][0]!;
    expect(row.Id).toMatch(/^017/);
    expect(org.schema('ContactHistory')!.fields.map((f) => f.name)).not.toContain('LastModifiedDate');
  });
});
