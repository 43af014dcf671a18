import { describe, it, expect } from '@jest/globals';
import {
  formatDateTime,
  parseSoql,
  runSoql,
  toCsv,
  wireValue,
  type SoqlResult,
} from '../../sandbox/salesforce/soql/index.js';
import {
  SalesforceApiError,
  type SfField,
  type SfFieldType,
  type SfObjectSchema,
  type SfRecord,
  type SfValue,
  type SoqlSource,
} from '../../sandbox/salesforce/types.js';

const NOW = new Date('2026-12-02T12:00:00.000Z');

const field = (name: string, type: SfFieldType, extra: Partial<SfField> = {}): SfField => ({
  name,
  label: name,
  type,
  custom: name.endsWith('__c'),
  nillable: true,
  createable: true,
  updateable: true,
  filterable: true,
  sortable: true,
  referenceTo: [],
  relationshipName: null,
  length: 255,
  precision: 0,
  scale: 0,
  picklistValues: [],
  ...extra,
});
const reference = (name: string, to: string, relationshipName: string) =>
  field(name, 'reference', { referenceTo: [to], relationshipName });

const system = [field('Id', 'id'), field('IsDeleted', 'boolean'), field('SystemModstamp', 'datetime')];

/** Contact as the API user sees it: `Secret__c` is on every record but hidden by field-level security. */
const SCHEMAS: SfObjectSchema[] = [
  {
    name: 'Contact',
    label: 'Contact',
    labelPlural: 'Contacts',
    keyPrefix: '003',
    custom: false,
    fields: [
      ...system,
      field('FirstName', 'string'),
      field('LastName', 'string'),
      field('Email', 'email'),
      reference('AccountId', 'Account', 'Account'),
      reference('OwnerId', 'User', 'Owner'),
      field('Birthdate', 'date'),
      field('LastActivityDate', 'date'),
      field('Score__c', 'double'),
      field('DoNotCall', 'boolean'),
      field('Description', 'textarea', { filterable: false, sortable: false }),
    ],
  },
  {
    name: 'Account',
    label: 'Account',
    labelPlural: 'Accounts',
    keyPrefix: '001',
    custom: false,
    fields: [...system, field('Name', 'string'), field('NumberOfEmployees', 'int')],
  },
  {
    name: 'User',
    label: 'User',
    labelPlural: 'Users',
    keyPrefix: '005',
    custom: false,
    fields: [field('Id', 'id'), field('Email', 'email')],
  },
];

const id = (prefix: string, n: number) => `${prefix}${String(n).padStart(12, '0')}AAA`;
const ACME = id('001', 1);
const GLOBEX = id('001', 2);
const INITECH = id('001', 3);
const ADA = id('003', 1);
const GRACE = id('003', 2);
const ALAN = id('003', 3);
const EDSGER = id('003', 4);
const BARBARA = id('003', 5);
const GHOST = id('003', 6);
const OWNER = id('005', 1);

const at = (iso: string) => new Date(iso);
const record = (type: string, Id: string, fields: Record<string, SfValue>): SfRecord => ({
  type,
  Id,
  fields: { Id, IsDeleted: false, ...fields },
});

const RECORDS: SfRecord[] = [
  record('User', OWNER, { Email: 'owner@example.com' }),
  record('Account', ACME, { Name: 'Acme', NumberOfEmployees: 50 }),
  record('Account', GLOBEX, { Name: 'Globex', IsDeleted: true }),
  record('Account', INITECH, { Name: 'Initech, Inc.' }),
  record('Contact', ADA, {
    FirstName: 'Ada',
    LastName: 'Lovelace',
    Email: 'ada@lovelace.example',
    AccountId: ACME,
    OwnerId: OWNER,
    Birthdate: '1815-12-10',
    LastActivityDate: '2026-12-02',
    Score__c: 0.9,
    DoNotCall: true,
    Description: 'Wrote "notes", the first program\nline 2',
    SystemModstamp: at('2026-12-02T10:00:00.000Z'),
    Secret__c: 'hidden',
  }),
  record('Contact', GRACE, {
    FirstName: 'Grace',
    LastName: 'Hopper',
    Email: 'grace_hopper@navy.example',
    AccountId: ACME,
    Birthdate: '1906-12-09',
    LastActivityDate: '2026-12-01',
    Score__c: 0.5,
    DoNotCall: false,
    SystemModstamp: at('2026-12-01T09:00:00.000Z'),
  }),
  record('Contact', ALAN, {
    FirstName: 'Alan',
    LastName: 'Turing',
    Email: 'alan@bletchley.example',
    AccountId: null,
    Birthdate: '1912-06-23',
    Score__c: null,
    SystemModstamp: at('2026-12-02T09:00:00.000Z'),
  }),
  record('Contact', EDSGER, {
    FirstName: 'Edsger',
    LastName: 'Dijkstra',
    Email: 'edsger@eindhoven.example',
    AccountId: GLOBEX,
    Birthdate: '1930-05-11',
    Score__c: 0.2,
    DoNotCall: false,
    SystemModstamp: at('2026-11-30T23:59:59.999Z'),
  }),
  record('Contact', BARBARA, {
    FirstName: 'barbara',
    LastName: 'Liskov',
    Email: null,
    AccountId: INITECH,
    Birthdate: '1939-11-07',
    Score__c: 0.5,
    DoNotCall: false,
    SystemModstamp: at('2026-12-02T10:00:00.000Z'),
  }),
  record('Contact', GHOST, {
    FirstName: 'Ghost',
    LastName: 'Deleted',
    IsDeleted: true,
    SystemModstamp: at('2026-12-02T11:00:00.000Z'),
  }),
];

function memorySource(schemas: SfObjectSchema[], records: SfRecord[]): SoqlSource {
  const byType = new Map<string, SfRecord[]>();
  const byId = new Map<string, SfRecord>();
  for (const entry of records) {
    const ofType = byType.get(entry.type) ?? [];
    ofType.push(entry);
    byType.set(entry.type, ofType);
    byId.set(entry.Id.slice(0, 15), entry);
  }
  return {
    schema: (name) => schemas.find((schema) => schema.name.toLowerCase() === name.toLowerCase()),
    records: (name) => byType.get(name) ?? [],
    byId: (recordId) => {
      const found = byId.get(recordId.slice(0, 15));
      return found && found.fields.IsDeleted !== true ? found : undefined;
    },
  };
}

const SOURCE = memorySource(SCHEMAS, RECORDS);
const OPTIONS = { includeDeleted: false, apiVersion: '64.0', now: NOW };

const run = (soql: string, options: Partial<typeof OPTIONS> = {}): SoqlResult =>
  runSoql(soql, SOURCE, { ...OPTIONS, ...options });
/** The first names a query returns, in the order returned. */
const names = (soql: string, options: Partial<typeof OPTIONS> = {}) =>
  run(soql, options).records.map((row) => row.FirstName);
const where = (condition: string) =>
  names(`SELECT FirstName FROM Contact WHERE ${condition} ORDER BY FirstName`);

function failure(action: () => unknown): SalesforceApiError {
  try {
    action();
  } catch (error) {
    if (error instanceof SalesforceApiError) return error;
    throw error;
  }
  throw new Error('expected the query to be refused');
}

const NO_SUCH_COLUMN = (name: string, entity: string) =>
  `No such column '${name}' on entity '${entity}'. If you are attempting to use a custom field, be sure to append ` +
  `the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`;

describe('SOQL wire shape', () => {
  it('serves records with attributes, describe spellings and parent objects', () => {
    const result = run(`select id, firstname, account.name, OWNER.EMAIL from contact where id = '${ADA}'`);
    expect(result.totalSize).toBe(1);
    expect(result.columns).toEqual(['Id', 'FirstName', 'Account.Name', 'Owner.Email']);
    expect(result.records).toEqual([
      {
        attributes: { type: 'Contact', url: `/services/data/v64.0/sobjects/Contact/${ADA}` },
        Id: ADA,
        FirstName: 'Ada',
        Account: {
          attributes: { type: 'Account', url: `/services/data/v64.0/sobjects/Account/${ACME}` },
          Name: 'Acme',
        },
        Owner: {
          attributes: { type: 'User', url: `/services/data/v64.0/sobjects/User/${OWNER}` },
          Email: 'owner@example.com',
        },
      },
    ]);
  });

  it('keeps select order in the keys, with a parent at its first mention', () => {
    const [row] = run(
      `SELECT Account.Name, Email, Account.NumberOfEmployees FROM Contact WHERE Id = '${ADA}'`,
    ).records;
    expect(Object.keys(row ?? {})).toEqual(['attributes', 'Account', 'Email']);
    expect(row?.Account).toMatchObject({ Name: 'Acme', NumberOfEmployees: 50 });
  });

  it.each([
    ['an empty reference', ALAN],
    ['a deleted parent', EDSGER],
  ])('gives a null parent for %s', (_case, contactId) => {
    const [row] = run(`SELECT Id, Account.Name FROM Contact WHERE Id = '${contactId}'`).records;
    expect(row).toMatchObject({ Id: contactId, Account: null });
  });

  it('writes typed values: datetimes in UTC with +0000, dates, numbers, booleans, nulls', () => {
    const [row] = run(
      `SELECT SystemModstamp, Birthdate, Score__c, DoNotCall, Email FROM Contact WHERE Id = '${ALAN}'`,
    ).records;
    expect(row).toMatchObject({
      SystemModstamp: '2026-12-02T09:00:00.000+0000',
      Birthdate: '1912-06-23',
      Score__c: null,
      DoNotCall: false,
      Email: 'alan@bletchley.example',
    });
  });

  it.each<[string, SfField, SfValue, string | number | boolean | null]>([
    [
      'datetime',
      field('D', 'datetime'),
      new Date('2026-12-02T10:00:00+01:00'),
      '2026-12-02T09:00:00.000+0000',
    ],
    ['date', field('D', 'date'), '2026-12-02', '2026-12-02'],
    ['int', field('N', 'int'), 7, 7],
    ['currency', field('N', 'currency'), 12.5, 12.5],
    ['unset checkbox', field('B', 'boolean'), null, false],
    ['checkbox', field('B', 'boolean'), true, true],
    ['null text', field('S', 'string'), null, null],
    ['picklist', field('S', 'picklist'), 'Hot', 'Hot'],
  ])('wireValue of a %s', (_case, describe, stored, wire) => {
    expect(wireValue(describe, stored)).toEqual(wire);
  });

  it('formats datetimes as REST does', () => {
    expect(formatDateTime(new Date('2026-12-02T10:00:00Z'))).toBe('2026-12-02T10:00:00.000+0000');
  });
});

describe('SOQL WHERE', () => {
  it.each<[string, string[]]>([
    ["LastName = 'hopper'", ['Grace']],
    ["LastName != 'Hopper'", ['Ada', 'Alan', 'barbara', 'Edsger']],
    ["LastName <> 'Hopper'", ['Ada', 'Alan', 'barbara', 'Edsger']],
    ["LastName < 'l'", ['Edsger', 'Grace']],
    ["LastName >= 'lovelace'", ['Ada', 'Alan']],
    ['Score__c < 0.5', ['Edsger']],
    ['Score__c <= 0.5', ['barbara', 'Edsger', 'Grace']],
    ['Score__c > 0.5', ['Ada']],
    ['Score__c >= 0.5', ['Ada', 'barbara', 'Grace']],
    ['Score__c > -1', ['Ada', 'barbara', 'Edsger', 'Grace']],
    ['Score__c = null', ['Alan']],
    ['Score__c != null', ['Ada', 'barbara', 'Edsger', 'Grace']],
    ['Email = NULL', ['barbara']],
    ['DoNotCall = true', ['Ada']],
    ['DoNotCall = FALSE', ['Alan', 'barbara', 'Edsger', 'Grace']],
    ["FirstName IN ('ada', 'Grace')", ['Ada', 'Grace']],
    ["FirstName NOT IN ('ada', 'Grace')", ['Alan', 'barbara', 'Edsger']],
    ["Email IN (null, 'ADA@lovelace.example')", ['Ada', 'barbara']],
    ["Email NOT IN ('ada@lovelace.example')", ['Alan', 'barbara', 'Edsger', 'Grace']],
    ['Score__c IN (0.2, 0.9)', ['Ada', 'Edsger']],
    ["LastName LIKE 'h%'", ['Grace']],
    ["LastName LIKE '%R%'", ['Alan', 'Edsger', 'Grace']],
    ["LastName LIKE 't_ring'", ['Alan']],
    ["LastName LIKE 'Turin'", []],
    ["Email LIKE '%\\_%'", ['Grace']],
    ["Email LIKE '%_%'", ['Ada', 'Alan', 'Edsger', 'Grace']],
    ["Email LIKE '%.example'", ['Ada', 'Alan', 'Edsger', 'Grace']],
    ["Account.Name = 'ACME'", ['Ada', 'Grace']],
    ["Account.Name LIKE '%, Inc.'", ['barbara']],
    ['Account.Name = null', ['Alan', 'Edsger']],
    ["AccountId = '001000000000001'", ['Ada', 'Grace']],
    [`AccountId = '${ACME}'`, ['Ada', 'Grace']],
    [`Id IN ('${ADA.slice(0, 15)}', '${ALAN}')`, ['Ada', 'Alan']],
    [`Id != '${ADA}'`, ['Alan', 'barbara', 'Edsger', 'Grace']],
    ['Birthdate = 1815-12-10', ['Ada']],
    ['Birthdate < 1910-01-01', ['Ada', 'Grace']],
    ['Birthdate >= 1912-06-23', ['Alan', 'barbara', 'Edsger']],
    ['Birthdate IN (1815-12-10, 1906-12-09)', ['Ada', 'Grace']],
    ['Birthdate NOT IN (1815-12-10, 1906-12-09)', ['Alan', 'barbara', 'Edsger']],
    ['SystemModstamp IN (YESTERDAY, 2026-11-30T23:59:59.999Z)', ['Edsger', 'Grace']],
  ])('%s', (condition, expected) => {
    expect(where(condition)).toEqual(expected);
  });

  it.each<[string, string[]]>([
    ["(FirstName = 'Ada' OR FirstName = 'Grace') AND Score__c > 0.6", ['Ada']],
    ["FirstName = 'Ada' OR (FirstName = 'Grace' AND Score__c > 0.6)", ['Ada']],
    ["FirstName = 'Alan' OR (FirstName = 'Grace' AND Score__c >= 0.5)", ['Alan', 'Grace']],
    ["NOT FirstName = 'Ada' AND Score__c >= 0.5", ['barbara', 'Grace']],
    ["NOT (FirstName = 'Ada' AND Score__c >= 0.5)", ['Alan', 'barbara', 'Edsger', 'Grace']],
    ["NOT (FirstName = 'Ada' OR FirstName = 'Grace')", ['Alan', 'barbara', 'Edsger']],
    ["(NOT FirstName LIKE 'A%') AND Account.Name = 'Acme'", ['Grace']],
    [
      "((LastName = 'Turing' OR LastName = 'Liskov') AND (Score__c = null OR Score__c < 0.9))",
      ['Alan', 'barbara'],
    ],
  ])('AND, OR, NOT and parentheses: %s', (condition, expected) => {
    expect(where(condition)).toEqual(expected);
  });

  it.each([
    ['2026-12-02T10:00:00Z'],
    ['2026-12-02T10:00:00.000Z'],
    ['2026-12-02T11:00:00+01:00'],
    ['2026-12-02T11:00:00.000+01:00'],
    ['2026-12-02T05:00:00-05:00'],
  ])('reads the datetime literal %s as the same instant', (literal) => {
    expect(where(`SystemModstamp = ${literal}`)).toEqual(['Ada', 'barbara']);
    expect(where(`SystemModstamp < ${literal}`)).toEqual(['Alan', 'Edsger', 'Grace']);
    expect(where(`SystemModstamp >= ${literal}`)).toEqual(['Ada', 'barbara']);
  });

  it.each<[string, string[]]>([
    ['SystemModstamp = TODAY', ['Ada', 'Alan', 'barbara']],
    ['SystemModstamp = YESTERDAY', ['Grace']],
    ['SystemModstamp < TODAY', ['Edsger', 'Grace']],
    ['SystemModstamp > YESTERDAY', ['Ada', 'Alan', 'barbara']],
    ['SystemModstamp <= YESTERDAY', ['Edsger', 'Grace']],
    ['SystemModstamp = LAST_N_DAYS:1', ['Ada', 'Alan', 'barbara', 'Grace']],
    ['SystemModstamp = LAST_N_DAYS:2', ['Ada', 'Alan', 'barbara', 'Edsger', 'Grace']],
    ['SystemModstamp > 2026-12-02T09:00:00Z', ['Ada', 'barbara']],
    ['LastActivityDate = TODAY', ['Ada']],
    ['LastActivityDate = yesterday', ['Grace']],
    ['LastActivityDate >= YESTERDAY', ['Ada', 'Grace']],
    ['LastActivityDate < TODAY', ['Grace']],
    ['LastActivityDate > 2026-12-01', ['Ada']],
    ['LastActivityDate != 2026-12-01', ['Ada', 'Alan', 'barbara', 'Edsger']],
  ])('date literal: %s', (condition, expected) => {
    expect(where(condition)).toEqual(expected);
  });

  it.each<[string, string, string]>([
    [
      "SystemModstamp > '2026-12-02T10:00:00Z'",
      'INVALID_FIELD',
      "value of filter criterion for field 'SystemModstamp' must be of type dateTime and should not be enclosed in quotes",
    ],
    [
      'SystemModstamp > 2026-12-02',
      'INVALID_FIELD',
      "value of filter criterion for field 'SystemModstamp' must be of type dateTime and should not be enclosed in quotes",
    ],
    [
      "Birthdate = '1815-12-10'",
      'INVALID_FIELD',
      "value of filter criterion for field 'Birthdate' must be of type date and should not be enclosed in quotes",
    ],
    [
      'Birthdate = 1815-12-10T00:00:00Z',
      'INVALID_FIELD',
      "value of filter criterion for field 'Birthdate' must be of type date and should not be enclosed in quotes",
    ],
    [
      "Score__c = '0.5'",
      'INVALID_FIELD',
      "value of filter criterion for field 'Score__c' must be of type double and should not be enclosed in quotes",
    ],
    [
      "DoNotCall = 'true'",
      'INVALID_FIELD',
      "value of filter criterion for field 'DoNotCall' must be of type boolean and should not be enclosed in quotes",
    ],
    [
      'FirstName = 5',
      'INVALID_FIELD',
      "value of filter criterion for field 'FirstName' must be of type string and should be enclosed in quotes",
    ],
    [
      "FirstName IN ('Ada', 5)",
      'INVALID_FIELD',
      "value of filter criterion for field 'FirstName' must be of type string and should be enclosed in quotes",
    ],
    ["AccountId = 'abc'", 'INVALID_QUERY_FILTER_OPERATOR', 'invalid ID field: abc'],
    ["Score__c LIKE '0%'", 'INVALID_QUERY_FILTER_OPERATOR', 'invalid operator on double field'],
    ["Description = 'x'", 'INVALID_FIELD', "field 'Description' can not be filtered in a query call"],
  ])('refuses %s', (condition, errorCode, detail) => {
    const error = failure(() => run(`SELECT Id FROM Contact WHERE ${condition}`));
    expect(error.httpStatus).toBe(400);
    expect(error.errorCode).toBe(errorCode);
    expect(error.message.endsWith(`\n${detail}`)).toBe(true);
  });

  it('points the caret of a type error at the value', () => {
    const soql = "SELECT Id FROM Contact WHERE SystemModstamp > '2026-12-02T10:00:00Z'";
    const error = failure(() => run(soql));
    expect(error.message.split('\n').slice(0, 4)).toEqual([
      '',
      soql,
      `${' '.repeat(46)}^`,
      'ERROR at Row:1:Column:47',
    ]);
  });
});

describe('SOQL names', () => {
  it('refuses an unknown object as INVALID_TYPE', () => {
    const error = failure(() => run('SELECT Id FROM Foo'));
    expect(error.errorCode).toBe('INVALID_TYPE');
    expect(error.message).toBe(
      '\nSELECT Id FROM Foo\n               ^\nERROR at Row:1:Column:16\n' +
        "sObject type 'Foo' is not supported. If you are attempting to use a custom object, be sure to append the " +
        "'__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
    );
  });

  it('words an unknown column as Salesforce does, caret at the name', () => {
    const error = failure(() => run('SELECT Id, Foo FROM Contact'));
    expect(error.errorCode).toBe('INVALID_FIELD');
    expect(error.message).toBe(
      `\nSELECT Id, Foo FROM Contact\n           ^\nERROR at Row:1:Column:12\n${NO_SUCH_COLUMN('Foo', 'Contact')}`,
    );
    expect(error.toBody()).toEqual([{ message: error.message, errorCode: 'INVALID_FIELD' }]);
  });

  it.each<[string, string]>([
    ['SELECT Foo FROM Contact', NO_SUCH_COLUMN('Foo', 'Contact')],
    ["SELECT Id FROM Contact WHERE Foo = 'x'", NO_SUCH_COLUMN('Foo', 'Contact')],
    ['SELECT Id FROM Contact ORDER BY Foo', NO_SUCH_COLUMN('Foo', 'Contact')],
    ['SELECT Secret__c FROM Contact', NO_SUCH_COLUMN('Secret__c', 'Contact')],
    ["SELECT Id FROM Contact WHERE Secret__c = 'hidden'", NO_SUCH_COLUMN('Secret__c', 'Contact')],
    ['SELECT Account.Foo FROM Contact', NO_SUCH_COLUMN('Foo', 'Account')],
    ['SELECT Account FROM Contact', NO_SUCH_COLUMN('Account', 'Contact')],
    [
      'SELECT Foo.Name FROM Contact',
      "Didn't understand relationship 'Foo' in field path. If you are attempting to use a custom relationship, be " +
        "sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe " +
        'call for the appropriate names.',
    ],
    ['SELECT FirstName.Name FROM Contact', "Didn't understand relationship 'FirstName' in field path."],
    ['SELECT Id FROM Contact ORDER BY Description', "field 'Description' can not be sorted in a query call"],
    ['SELECT Id, Email, id FROM Contact', 'duplicate field selected: Id'],
  ])('%s → INVALID_FIELD', (soql, detail) => {
    const error = failure(() => run(soql));
    expect(error.errorCode).toBe('INVALID_FIELD');
    expect(error.message).toContain(`\n${detail}`);
  });

  it('checks names before reading records, and resolves them without regard to case', () => {
    expect(
      run("SELECT FIRSTNAME FROM CONTACT WHERE lastname = 'Hopper' ORDER BY systemmodstamp").records,
    ).toEqual([
      expect.objectContaining({
        attributes: expect.objectContaining({ type: 'Contact' }),
        FirstName: 'Grace',
      }),
    ]);
  });
});

describe('SOQL syntax', () => {
  it.each<[string, string, number]>([
    ['SELECT FROM Contact', 'FROM', 8],
    ['SELECT Id, FROM Contact', 'FROM', 12],
    ['SELECT Id Contact', 'Contact', 11],
    ['SELECT Id FROM', '<EOF>', 15],
    ['SELECT Id FROM Contact WHERE', '<EOF>', 29],
    ['SELECT Id FROM Contact.Name', 'Contact.Name', 16],
    ["SELECT Id FROM Contact WHERE FirstName = 'Ada' AND LastName = 'x' OR Score__c > 1", 'OR', 67],
    ["SELECT Id FROM Contact WHERE FirstName = 'Ada' OR LastName = 'x' AND Score__c > 1", 'AND', 66],
    ["SELECT Id FROM Contact WHERE FirstName == 'Ada'", '=', 41],
    ["SELECT Id FROM Contact WHERE FirstName 'Ada'", "'Ada'", 40],
    ['SELECT Id FROM Contact WHERE FirstName = "Ada"', '"', 42],
    ['SELECT Id FROM Contact WHERE FirstName = Ada', 'Ada', 42],
    ["SELECT Id FROM Contact WHERE FirstName = 'Ada", "'Ada", 42],
    ["SELECT Id FROM Contact WHERE (FirstName = 'Ada'", '<EOF>', 48],
    ['SELECT Id FROM Contact WHERE FirstName IN ()', ')', 44],
    ["SELECT Id FROM Contact WHERE FirstName NOT 'Ada'", "'Ada'", 44],
    ['SELECT Id FROM Contact WHERE SystemModstamp > 2026-12-02T10:00:00+0000', '+0000', 66],
    ['SELECT Id FROM Contact WHERE SystemModstamp > 2026-12-02T10:00:00.000+0000', '+0000', 70],
    ['SELECT Id FROM Contact WHERE SystemModstamp > 2026-12-02T10:00:00', '<EOF>', 66],
    ['SELECT Id FROM Contact WHERE SystemModstamp > 2026-13-02T10:00:00Z', '2026-13-02T10:00:00Z', 47],
    ['SELECT Id FROM Contact WHERE Birthdate > 2026-02-30', '2026-02-30', 42],
    ['SELECT Id FROM Contact WHERE SystemModstamp = LAST_N_DAYS', '<EOF>', 58],
    ['SELECT Id FROM Contact WHERE SystemModstamp = LAST_N_DAYS:x', 'x', 59],
    ['SELECT Id FROM Contact ORDER BY', '<EOF>', 32],
    ['SELECT Id FROM Contact ORDER Id', 'Id', 30],
    ['SELECT Id FROM Contact ORDER BY FirstName NULLS', '<EOF>', 48],
    ['SELECT Id FROM Contact ORDER BY FirstName NULLS LOW', 'LOW', 49],
    ['SELECT Id FROM Contact LIMIT', '<EOF>', 29],
    ['SELECT Id FROM Contact LIMIT -1', '-1', 30],
    ['SELECT Id FROM Contact LIMIT 1.5', '1.5', 30],
    ['SELECT Id FROM Contact OFFSET 5 LIMIT 1', 'LIMIT', 33],
    ['SELECT COUNT( FROM Contact', 'FROM', 15],
    ['SELECT Id FROM Contact WHERE Id = #', '#', 35],
  ])('%s → unexpected %s', (soql, token, column) => {
    const error = failure(() => parseSoql(soql));
    expect(error.httpStatus).toBe(400);
    expect(error.errorCode).toBe('MALFORMED_QUERY');
    expect(error.message).toContain(`\n${soql}\n`);
    expect(error.message).toContain(`\nERROR at Row:1:Column:${column}\nunexpected token: '${token}'`);
  });

  it('refuses an escape that SOQL strings do not have', () => {
    const error = failure(() => parseSoql("SELECT Id FROM Contact WHERE FirstName = 'A\\qda'"));
    expect(error.errorCode).toBe('MALFORMED_QUERY');
    expect(error.message).toContain("Illegal character sequence '\\q' in string literal.");
  });

  it('counts rows and columns across lines', () => {
    const error = failure(() => parseSoql('SELECT Id\nFROM Contact\nWHERE FirstName = = 1'));
    expect(error.message).toContain(
      '\nWHERE FirstName = = 1\n                  ^\nERROR at Row:3:Column:19\n',
    );
  });

  it('decodes backslash escapes in strings', () => {
    const query = parseSoql("SELECT Id FROM Contact WHERE LastName = 'O\\'Brien \\\\ \\n'");
    expect(query.where).toMatchObject({ kind: 'compare', value: { kind: 'string', value: "O'Brien \\ \n" } });
  });
});

describe('SOQL ORDER BY, LIMIT, OFFSET', () => {
  it.each<[string, string[]]>([
    ['Score__c', ['Alan', 'Edsger', 'Grace', 'barbara', 'Ada']],
    ['Score__c ASC', ['Alan', 'Edsger', 'Grace', 'barbara', 'Ada']],
    ['Score__c DESC', ['Ada', 'Grace', 'barbara', 'Edsger', 'Alan']],
    ['Score__c ASC NULLS LAST', ['Edsger', 'Grace', 'barbara', 'Ada', 'Alan']],
    ['Score__c DESC NULLS FIRST', ['Alan', 'Ada', 'Grace', 'barbara', 'Edsger']],
    ['Score__c, FirstName', ['Alan', 'Edsger', 'barbara', 'Grace', 'Ada']],
    ['Score__c ASC, FirstName DESC', ['Alan', 'Edsger', 'Grace', 'barbara', 'Ada']],
    ['FirstName DESC', ['Grace', 'Edsger', 'barbara', 'Alan', 'Ada']],
    ['Account.Name NULLS LAST, FirstName', ['Ada', 'Grace', 'barbara', 'Alan', 'Edsger']],
    ['SystemModstamp DESC, Id', ['Ada', 'barbara', 'Alan', 'Grace', 'Edsger']],
    ['SystemModstamp DESC, Id DESC', ['barbara', 'Ada', 'Alan', 'Grace', 'Edsger']],
    ['DoNotCall DESC, Birthdate', ['Ada', 'Grace', 'Alan', 'Edsger', 'barbara']],
  ])('ORDER BY %s', (orderBy, expected) => {
    expect(names(`SELECT FirstName FROM Contact ORDER BY ${orderBy}`)).toEqual(expected);
  });

  it.each<[string, string[]]>([
    ['ORDER BY FirstName LIMIT 2', ['Ada', 'Alan']],
    ['ORDER BY FirstName LIMIT 2 OFFSET 1', ['Alan', 'barbara']],
    ['ORDER BY FirstName OFFSET 4', ['Grace']],
    ['ORDER BY FirstName OFFSET 10', []],
    ['ORDER BY FirstName LIMIT 0', []],
    ['ORDER BY FirstName OFFSET 2000', []],
    ['LIMIT 2', ['Ada', 'Grace']],
    ['LIMIT 2 OFFSET 2', ['Alan', 'Edsger']],
  ])('%s', (clauses, expected) => {
    const result = run(`SELECT FirstName FROM Contact ${clauses}`);
    expect(result.records.map((row) => row.FirstName)).toEqual(expected);
    expect(result.totalSize).toBe(expected.length);
  });

  it('refuses an OFFSET above 2000', () => {
    const error = failure(() => run('SELECT Id FROM Contact LIMIT 5 OFFSET 2001'));
    expect(error.errorCode).toBe('NUMBER_OUTSIDE_VALID_RANGE');
    expect(error.message).toContain('ERROR at Row:1:Column:39\nMaximum SOQL offset allowed is 2000');
  });
});

describe('SOQL COUNT() and deleted records', () => {
  it.each<[string, boolean, number]>([
    ['SELECT COUNT() FROM Contact', false, 5],
    ['SELECT count() FROM Contact', true, 6],
    ["SELECT COUNT() FROM Contact WHERE Account.Name = 'Acme'", false, 2],
    ['SELECT COUNT() FROM Contact WHERE IsDeleted = true', true, 1],
    ['SELECT COUNT() FROM Contact LIMIT 3', false, 3],
    ['SELECT COUNT() FROM Account', false, 2],
  ])('%s (includeDeleted %s) → %d', (soql, includeDeleted, count) => {
    expect(run(soql, { includeDeleted })).toEqual({
      records: [],
      totalSize: count,
      columns: [],
      columnTypes: [],
    });
  });

  it('leaves deleted records out unless queryAll asks for them', () => {
    const soql = 'SELECT FirstName, IsDeleted FROM Contact ORDER BY SystemModstamp DESC LIMIT 2';
    expect(run(soql).records.map((row) => [row.FirstName, row.IsDeleted])).toEqual([
      ['Ada', false],
      ['barbara', false],
    ]);
    expect(run(soql, { includeDeleted: true }).records.map((row) => [row.FirstName, row.IsDeleted])).toEqual([
      ['Ghost', true],
      ['Ada', false],
    ]);
  });
});

describe('Bulk API 2.0 CSV', () => {
  const soql =
    'SELECT Id, FirstName, Description, SystemModstamp, DoNotCall, Score__c, Account.Name FROM Contact ' +
    `WHERE Id IN ('${ADA}', '${ALAN}', '${BARBARA}') ORDER BY FirstName`;
  const header = 'Id,FirstName,Description,SystemModstamp,DoNotCall,Score__c,Account.Name\n';
  const lines = [
    `${ADA},Ada,"Wrote ""notes"", the first program\nline 2",2026-12-02T10:00:00.000Z,true,0.9,Acme\n`,
    `${ALAN},Alan,,2026-12-02T09:00:00.000Z,false,,\n`,
    `${BARBARA},barbara,,2026-12-02T10:00:00.000Z,false,0.5,"Initech, Inc."\n`,
  ];

  it('writes a header, quotes what needs quoting, flattens parents and writes datetimes with Z', () => {
    const result = run(soql);
    expect(toCsv(result, 0, result.records.length, true)).toBe(header + lines.join(''));
  });

  it('pages rows without the header', () => {
    const result = run(soql);
    expect(toCsv(result, 1, 2, false)).toBe(lines[1]);
    expect(toCsv(result, 2, 10, false)).toBe(lines[2]);
    expect(toCsv(result, 3, 10, false)).toBe('');
  });

  it('writes datetimes with Z for a result that carries no column types', () => {
    const result = run(soql);
    expect(toCsv({ ...result, columnTypes: undefined }, 0, 1, false)).toBe(lines[0]);
  });
});

describe('SOQL over 100,000 records', () => {
  it('filters on SystemModstamp and sorts by SystemModstamp, Id', () => {
    const count = 100_000;
    const start = Date.parse('2026-01-01T00:00:00.000Z');
    const records: SfRecord[] = [];
    for (let i = 0; i < count; i++) {
      // Scrambled ids and many equal timestamps, so both sort keys matter.
      const n = (i * 7919) % count;
      records.push(
        record('Contact', id('003', n), {
          FirstName: `Contact ${n}`,
          IsDeleted: i % 50 === 0,
          SystemModstamp: new Date(start + ((i * 104_729) % 20_000) * 60_000),
        }),
      );
    }
    const source = memorySource(SCHEMAS, records);
    const cutoff = start + 10_000 * 60_000;
    const expected = records
      .filter(
        (row) => row.fields.IsDeleted !== true && (row.fields.SystemModstamp as Date).getTime() > cutoff,
      )
      .sort(
        (a, b) =>
          (a.fields.SystemModstamp as Date).getTime() - (b.fields.SystemModstamp as Date).getTime() ||
          (a.Id < b.Id ? -1 : 1),
      )
      .map((row) => row.Id);

    const result = runSoql(
      `SELECT Id, SystemModstamp FROM Contact WHERE SystemModstamp > ${new Date(cutoff).toISOString()} ` +
        'ORDER BY SystemModstamp, Id',
      source,
      OPTIONS,
    );
    expect(expected.length).toBeGreaterThan(40_000);
    expect(result.totalSize).toBe(expected.length);
    expect(result.records.map((row) => row.Id).join()).toBe(expected.join());
    expect(result.records[0]?.SystemModstamp).toBe(formatDateTime(new Date(cutoff + 60_000)));
  });
});
