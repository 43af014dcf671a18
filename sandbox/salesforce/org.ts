/**
 * One Salesforce org: its users, its records (one Map per object type), its describe metadata and
 * the field-level security its permission sets grant. Writes go through the checks Salesforce
 * makes (unknown fields, read-only fields, field-level security, values, required fields) and
 * answer with Salesforce's error codes and words; the org keeps the audit fields, field history
 * and deleted records (for queryAll and getDeleted) itself.
 *
 * Loaders that know their data is well-formed (the customer generator) write through `loadRecord`
 * and `loadFieldHistory` instead, which skip the checks: a generated org of 100,000 contacts
 * takes seconds.
 */
import type { HiddenTruth } from '../store.js';
import { UsageEventLog, type UsageEvent } from '../usage-events.js';
import { parseFieldValue } from './field-values.js';
import { FIRST_POD, keyPrefixOf, normalizeId, salesforceId } from './ids.js';
import {
  autoNumber,
  CUSTOM_OBJECT_IDS,
  customFieldObject,
  deriveFields,
  HISTORY_OBJECTS,
  PERMISSION_OBJECTS,
  standardObjects,
  TRACKED_FIELDS,
} from './standard-objects.js';
import {
  SalesforceApiError,
  type SfField,
  type SfObjectSchema,
  type SfRecord,
  type SfValue,
  type SoqlSource,
} from './types.js';

/** A user of the org, as sign-in and the `User` object show them. */
export interface SfUser {
  Id: string;
  Username: string;
  Email: string;
  Name: string;
  IsActive: boolean;
}

export interface WriteOptions {
  /** The user making the change (an id); the org's admin by default. */
  by?: string;
  /** When the change happens; the store's clock by default. */
  at?: Date;
}

/** A custom field as the Tooling API's `CustomField.Metadata` describes it. */
export interface CustomFieldMetadata {
  label: string;
  type: 'Number' | 'Text' | 'LongTextArea' | 'DateTime' | 'Date' | 'Picklist' | 'Checkbox' | 'Lookup';
  length?: number;
  precision?: number;
  scale?: number;
  visibleLines?: number;
  description?: string;
  /** Checkboxes: `'true'` or `'false'` (the default). */
  defaultValue?: string;
  /** Text fields: an External ID, unique values, compared with case or without. */
  externalId?: boolean;
  unique?: boolean;
  caseSensitive?: boolean;
  /** Lookups: the parent object and the name a query uses to reach it (`Contact__r` without `__r`). */
  referenceTo?: string;
  relationshipName?: string;
  valueSet?: {
    restricted?: boolean;
    valueSetDefinition: { value: { fullName: string; label: string; default?: boolean }[] };
  };
}

/** A custom field's Tooling API identity. */
export interface CustomFieldInfo {
  id: string;
  /** `Contact.Churn_Risk_Score__c`. */
  fullName: string;
  /** `Churn_Risk_Score` (no suffix). */
  developerName: string;
  /** The standard object's name, or the custom object's `01I` id. */
  tableEnumOrId: string;
  metadata: CustomFieldMetadata;
}

export interface OrgOptions {
  orgId: string;
  name: string;
  instanceName: string;
  dailyApiLimit: number;
  /** The store's clock. */
  now: () => Date;
  /** The two characters every record id of this org carries after its key prefix. */
  pod?: string;
  isSandbox?: boolean;
  /** The domain of the admin's username and email. */
  domain?: string;
}

/** A field's read and edit rights for one user. */
export interface FieldAccess {
  read: boolean;
  edit: boolean;
}

interface ObjectTable {
  /** Replaced, never changed, when a field is added: readers may cache by the object. */
  schema: SfObjectSchema;
  /** Fields by lower-case name. */
  fields: Map<string, SfField>;
  records: Map<string, SfRecord>;
  /** When each deleted record was deleted. */
  deletions: Map<string, Date>;
  /** Every field of the type set to its empty value, in describe order: new records copy it. */
  blank: Record<string, SfValue>;
  /** Whether the type has LastModifiedDate, LastModifiedById and SystemModstamp (history rows do not). */
  audited: boolean;
  /** Fields Salesforce numbers on create. */
  autoNumbered: string[];
  issued: number;
  numbered: number;
}

const FIELD_NAME_RULE =
  'The Field Name field can only contain underscores and alphanumeric characters. It must be unique, ' +
  'begin with a letter, not include spaces, not end with an underscore, and not contain two consecutive ' +
  'underscores.';
const PERMISSION_SET_NAME_RULE = FIELD_NAME_RULE.replace('The Field Name field', 'The Name field');
const DEVELOPER_NAME = /^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)$/;
const PERMISSION_OBJECT_NAMES = new Set<string>(PERMISSION_OBJECTS);
/** Objects whose fields the Tooling API may add to. */
const CUSTOMISABLE = new Set(['Account', 'Contact', 'Opportunity', 'Case', 'Task', 'Survey_Response__c']);

function notFound(): SalesforceApiError {
  return new SalesforceApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
}

function entityIsDeleted(): SalesforceApiError {
  return new SalesforceApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
}

function requiredMissing(names: string[]): SalesforceApiError {
  return new SalesforceApiError(
    400,
    'REQUIRED_FIELD_MISSING',
    `Required fields are missing: [${names.join(', ')}]`,
    names,
  );
}

/** A unique field's value that another record already holds. */
function duplicateFieldValue(field: SfField, holderId: string): SalesforceApiError {
  return new SalesforceApiError(
    400,
    'DUPLICATE_VALUE',
    `duplicate value found: ${field.name} duplicates value on record with id: ${holderId}`,
    [field.name],
  );
}

/** Whether two values of a unique field are the same value. */
function sameUniqueValue(field: SfField, a: SfValue | undefined, b: SfValue | undefined): boolean {
  if (a === null || a === undefined || a === '' || b === null || b === undefined) return false;
  if (typeof a === 'string' && typeof b === 'string' && !field.caseSensitive) {
    return a.toLowerCase() === b.toLowerCase();
  }
  return a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;
}

function duplicateValue(): SalesforceApiError {
  return new SalesforceApiError(
    400,
    'DUPLICATE_VALUE',
    'duplicate value found: <unknown> duplicates value on record with id: <unknown>',
  );
}

function integrity(message: string, fields: string[] = []): SalesforceApiError {
  return new SalesforceApiError(400, 'FIELD_INTEGRITY_EXCEPTION', message, fields);
}

function emptyValue(field: SfField): SfValue {
  return field.type === 'boolean' ? false : null;
}

/**
 * Every field at its empty value, in describe order. Built by JSON.parse so that V8 gives it (and
 * its copies) compact in-object fields: an object filled one computed key at a time past a dozen
 * fields becomes a hash table, seven times the size, and an org holds millions of records.
 */
function blankRecord(fields: readonly SfField[]): Record<string, SfValue> {
  const empty: Record<string, SfValue> = {};
  for (const field of fields) empty[field.name] = emptyValue(field);
  return JSON.parse(JSON.stringify(empty)) as Record<string, SfValue>;
}

/** A history row's text for a value: picklists and text as they are, dates as the API writes them. */
function historyText(value: SfValue | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : String(value);
}

function isPermissionable(field: SfField): boolean {
  return field.custom || (field.nillable && !field.calculated && field.type !== 'id');
}

export class SalesforceOrg implements SoqlSource {
  readonly orgId: string;
  readonly name: string;
  readonly instanceName: string;
  readonly isSandbox: boolean;
  /** API requests a day before REQUEST_LIMIT_EXCEEDED; tests lower it. */
  dailyApiLimit: number;
  readonly adminUser: SfUser;
  /** By 18-character id; also served as `User` records. */
  readonly users = new Map<string, SfUser>();
  /** What the generator decided about each customer, by Contact id; never served on the API. */
  readonly truth = new Map<string, HiddenTruth>();
  /** Product-usage events; `contactId` is a Contact id. Not CRM records: the product sends these. */
  readonly usage = new UsageEventLog();
  /** The Tooling API's view: `CustomField` records. */
  readonly tooling: SoqlSource;

  private readonly clock: () => Date;
  private readonly pod: string;
  private readonly tables = new Map<string, ObjectTable>();
  private readonly tablesByPrefix = new Map<string, ObjectTable>();
  private readonly customFieldTable: ObjectTable;
  private readonly customFieldInfo = new Map<string, CustomFieldInfo>();
  /** `object.field` (lower case) of fields only a permission set can grant. */
  private readonly grantedByPermissionSet = new Set<string>();
  private readonly grantCache = new Map<string, Map<string, FieldAccess>>();
  private readonly schemaCache = new Map<string, SfObjectSchema>();

  constructor(options: OrgOptions) {
    this.orgId = options.orgId;
    this.name = options.name;
    this.instanceName = options.instanceName;
    this.dailyApiLimit = options.dailyApiLimit;
    this.isSandbox = options.isSandbox ?? false;
    this.clock = options.now;
    this.pod = options.pod ?? FIRST_POD;
    for (const schema of standardObjects()) {
      const table = this.tableOf(schema);
      this.tables.set(schema.name.toLowerCase(), table);
      this.tablesByPrefix.set(schema.keyPrefix, table);
    }
    this.customFieldTable = this.tableOf(customFieldObject());
    const customFieldTable = this.customFieldTable;
    this.tooling = {
      schema: (sobject) => (sobject.toLowerCase() === 'customfield' ? customFieldTable.schema : undefined),
      records: (sobject) =>
        sobject.toLowerCase() === 'customfield' ? customFieldTable.records.values() : [],
      byId: (id) => {
        const record = customFieldTable.records.get(normalizeId(id) ?? '');
        return record && !record.fields.IsDeleted ? record : undefined;
      },
    };

    const created = this.clock();
    const domain =
      options.domain ?? `${this.name.toLowerCase().replace(/[^a-z0-9]+/g, '-') || 'org'}.example.com`;
    const adminId = salesforceId('005', 1, this.pod);
    this.table('User').issued = 1;
    const admin = this.insert(
      this.table('User'),
      {
        Username: `admin@${domain}`,
        Email: `admin@${domain}`,
        FirstName: 'Org',
        LastName: 'Admin',
        IsActive: true,
      },
      created,
      created,
      adminId,
      adminId,
    );
    this.afterWrite(this.table('User'), admin);
    this.adminUser = this.users.get(adminId)!;
    this.insert(
      this.table('Organization'),
      {
        Name: this.name,
        InstanceName: this.instanceName,
        IsSandbox: this.isSandbox,
        OrganizationType: 'Enterprise Edition',
      },
      created,
      created,
      adminId,
      this.orgId,
    );
    for (const table of this.tables.values()) {
      for (const field of table.schema.fields) {
        if (field.custom) this.registerCustomField(table.schema, field, metadataOf(field), created);
      }
    }
  }

  /**
   * Every usage event, as a new array of new objects: a copy, which changes nothing in the org and
   * costs as much as the events; `usage` reads them without one.
   */
  get usageEvents(): readonly UsageEvent[] {
    return this.usage.slice();
  }

  /** The store's clock: what time it is for this org. */
  now(): Date {
    return this.clock();
  }

  // ---- reading ----------------------------------------------------------------------------

  /** The object type as the admin sees it (field-level security applied). */
  schema(sobject: string): SfObjectSchema | undefined {
    return this.schemaFor(sobject, this.adminUser.Id);
  }

  /** The object type as `userId` sees it: fields no permission lets them read are left out. */
  schemaFor(sobject: string, userId: string): SfObjectSchema | undefined {
    const table = this.tables.get(sobject.toLowerCase());
    if (!table) return undefined;
    const user = normalizeId(userId) ?? userId;
    const key = `${user}|${table.schema.name}`;
    const cached = this.schemaCache.get(key);
    if (cached) return cached;
    const fields = table.schema.fields.filter((field) => this.access(table, field, user).read);
    const schema = fields.length === table.schema.fields.length ? table.schema : { ...table.schema, fields };
    this.schemaCache.set(key, schema);
    return schema;
  }

  /** Every field of the type, whoever may see it. */
  fullSchema(sobject: string): SfObjectSchema | undefined {
    return this.tables.get(sobject.toLowerCase())?.schema;
  }

  /** The API names of every object type, as `GET sobjects/` lists them. */
  objectNames(): string[] {
    return [...this.tables.values()].map((table) => table.schema.name);
  }

  /** Every record of the type, deleted ones included; none for an unknown type. */
  records(sobject: string): Iterable<SfRecord> {
    return this.tables.get(sobject.toLowerCase())?.records.values() ?? [];
  }

  /** A live record by id (15 or 18 characters); deleted records are not found. */
  byId(id: string): SfRecord | undefined {
    const record = this.recordIncludingDeleted(id);
    return record && !record.fields.IsDeleted ? record : undefined;
  }

  /** A record by id, deleted or not. */
  recordIncludingDeleted(id: string): SfRecord | undefined {
    const canonical = normalizeId(id);
    if (!canonical) return undefined;
    return this.tablesByPrefix.get(keyPrefixOf(canonical))?.records.get(canonical);
  }

  /** A record of the type by id, or the error `GET sobjects/{type}/{id}` answers. */
  retrieve(sobject: string, id: string): SfRecord {
    return this.live(this.table(sobject), id);
  }

  /** Ids of live records whose SystemModstamp lies in [start, end], as `getUpdated` lists them. */
  updatedIds(sobject: string, start: Date, end: Date): string[] {
    const table = this.table(sobject);
    const from = start.getTime();
    const to = end.getTime();
    const ids: string[] = [];
    for (const record of table.records.values()) {
      if (record.fields.IsDeleted) continue;
      const stamp = (record.fields.SystemModstamp ?? record.fields.CreatedDate) as Date;
      const at = stamp.getTime();
      if (at >= from && at <= to) ids.push(record.Id);
    }
    return ids;
  }

  /** Records deleted in [start, end], as `getDeleted` lists them. */
  deletedRecords(sobject: string, start: Date, end: Date): { id: string; deletedDate: Date }[] {
    const table = this.table(sobject);
    const deleted: { id: string; deletedDate: Date }[] = [];
    for (const [id, deletedDate] of table.deletions) {
      if (deletedDate >= start && deletedDate <= end) deleted.push({ id, deletedDate });
    }
    return deleted;
  }

  // ---- writing through the API ------------------------------------------------------------

  /** Creates a record from a request's values, checked as Salesforce checks them. */
  create(sobject: string, values: Record<string, unknown>, options: WriteOptions = {}): SfRecord {
    const table = this.table(sobject);
    if (table.schema.createable === false) {
      throw new SalesforceApiError(
        400,
        'INVALID_TYPE_FOR_OPERATION',
        `entity type cannot be inserted: ${table.schema.label}`,
      );
    }
    const by = this.writer(options.by);
    const at = options.at ?? this.clock();
    const changes = this.parseWrite(table, values, by, 'create');
    for (const field of table.schema.fields) {
      if (Object.hasOwn(changes, field.name) || !field.createable) continue;
      if (field.name === 'OwnerId') changes.OwnerId = by;
      else if (field.defaultValue !== undefined) changes[field.name] = field.defaultValue;
      else {
        const preset = field.picklistValues.find((option) => option.defaultValue);
        if (preset) changes[field.name] = preset.value;
      }
    }
    const missing = table.schema.fields
      .filter((field) => field.createable && !field.nillable && field.type !== 'boolean')
      .filter((field) => changes[field.name] === undefined || changes[field.name] === null)
      .map((field) => field.name);
    if (missing.length) throw requiredMissing(missing);
    this.checkRules(table, changes, null);
    const record = this.insert(table, changes, at, at, by);
    const history = HISTORY_OBJECTS[table.schema.name];
    if (history)
      this.writeHistory(history.history, history.parentField, record.Id, 'created', null, null, at, by);
    this.afterWrite(table, record);
    return record;
  }

  /** Changes a record's fields from a request's values; only what the request names changes. */
  update(sobject: string, id: string, values: Record<string, unknown>, options: WriteOptions = {}): SfRecord {
    const table = this.table(sobject);
    if (table.schema.updateable === false) {
      throw new SalesforceApiError(
        400,
        'INVALID_TYPE_FOR_OPERATION',
        `entity type cannot be updated: ${table.schema.label}`,
      );
    }
    const record = this.live(table, id);
    const by = this.writer(options.by);
    const at = options.at ?? this.clock();
    const { Id: ownId, ...rest } = values;
    // A body may repeat the record's own id (sObject Collections send it that way).
    const body =
      ownId !== undefined && typeof ownId === 'string' && normalizeId(ownId) === record.Id ? rest : values;
    const changes = this.parseWrite(table, body, by, 'update');
    const emptied = Object.keys(changes).filter((name) => {
      const field = table.fields.get(name.toLowerCase())!;
      return !field.nillable && field.type !== 'boolean' && changes[name] === null;
    });
    if (emptied.length) throw requiredMissing(emptied);
    this.checkRules(table, { ...record.fields, ...changes }, record.Id);
    const tracked = TRACKED_FIELDS[table.schema.name] ?? [];
    const before = tracked.map((name) => record.fields[name]);
    Object.assign(record.fields, changes);
    deriveFields(table.schema.name, record.fields, at);
    this.stampModified(record, at, by);
    const history = HISTORY_OBJECTS[table.schema.name];
    if (history) {
      tracked.forEach((name, index) => {
        const old = historyText(before[index]);
        const now = historyText(record.fields[name]);
        if (old !== now)
          this.writeHistory(history.history, history.parentField, record.Id, name, old, now, at, by);
      });
    }
    this.afterWrite(table, record);
    return record;
  }

  /** Deletes a record: it stays, with IsDeleted true, for queryAll and getDeleted. */
  delete(sobject: string, id: string, options: WriteOptions = {}): void {
    const table = this.table(sobject);
    if (table.schema.deletable === false) {
      throw new SalesforceApiError(
        400,
        'INVALID_TYPE_FOR_OPERATION',
        `entity type cannot be deleted: ${table.schema.label}`,
      );
    }
    const record = this.live(table, id);
    const by = this.writer(options.by);
    const at = options.at ?? this.clock();
    record.fields.IsDeleted = true;
    this.stampModified(record, at, by);
    table.deletions.set(record.Id, at);
    this.afterWrite(table, record);
  }

  /** A system update (a roll-up recalculated, say): moves SystemModstamp only, not LastModifiedDate. */
  touchSystem(id: string, at: Date = this.clock()): void {
    const record = this.byId(id);
    const table = record && this.tablesByPrefix.get(keyPrefixOf(record.Id));
    if (!record || !table?.audited) throw notFound();
    record.fields.SystemModstamp = at;
  }

  /** Adds an active user (created by the admin) and returns them. */
  addUser(
    user: { firstName: string; lastName: string; email: string; username?: string },
    at?: Date,
  ): SfUser {
    const record = this.create(
      'User',
      {
        FirstName: user.firstName,
        LastName: user.lastName,
        Email: user.email,
        Username: user.username ?? user.email,
      },
      at ? { at } : {},
    );
    return this.users.get(record.Id)!;
  }

  // ---- field-level security ---------------------------------------------------------------

  /** Whether `userId` may read / edit the field: the profile's grants and their permission sets'. */
  fieldAccess(sobject: string, field: string, userId: string): FieldAccess {
    const table = this.tables.get(sobject.toLowerCase());
    const described = table?.fields.get(field.toLowerCase());
    if (!table || !described) return { read: false, edit: false };
    return this.access(table, described, normalizeId(userId) ?? userId);
  }

  private access(table: ObjectTable, field: SfField, userId: string): FieldAccess {
    const writable = field.createable || field.updateable;
    const key = `${table.schema.name}.${field.name}`.toLowerCase();
    if (!this.grantedByPermissionSet.has(key)) return { read: true, edit: writable };
    const grant = this.grantsOf(userId).get(key);
    return { read: grant?.read ?? false, edit: (grant?.edit ?? false) && writable };
  }

  /** What the permission sets assigned to a user grant, by `object.field` in lower case. */
  private grantsOf(userId: string): Map<string, FieldAccess> {
    const cached = this.grantCache.get(userId);
    if (cached) return cached;
    const sets = new Set<string>();
    for (const assignment of this.table('PermissionSetAssignment').records.values()) {
      const { AssigneeId, PermissionSetId, IsDeleted } = assignment.fields;
      if (IsDeleted || AssigneeId !== userId || typeof PermissionSetId !== 'string') continue;
      if (this.byId(PermissionSetId)) sets.add(PermissionSetId);
    }
    const grants = new Map<string, FieldAccess>();
    for (const permission of this.table('FieldPermissions').records.values()) {
      const { ParentId, Field, PermissionsRead, PermissionsEdit, IsDeleted } = permission.fields;
      if (IsDeleted || typeof ParentId !== 'string' || !sets.has(ParentId) || typeof Field !== 'string')
        continue;
      const key = Field.toLowerCase();
      const before = grants.get(key) ?? { read: false, edit: false };
      grants.set(key, {
        read: before.read || PermissionsRead === true || PermissionsEdit === true,
        edit: before.edit || PermissionsEdit === true,
      });
    }
    this.grantCache.set(userId, grants);
    return grants;
  }

  private permissionsChanged(): void {
    this.grantCache.clear();
    this.schemaCache.clear();
  }

  // ---- Tooling API ------------------------------------------------------------------------

  /**
   * Creates a custom field, as the Tooling API's `CustomField` does: it exists at once (records
   * of the type have it, empty) but nobody sees it until a permission set grants it.
   */
  addCustomField(fullName: string, metadata: CustomFieldMetadata, at: Date = this.clock()): SfRecord {
    const [objectName = '', fieldName = ''] = fullName.split('.');
    const table = this.tables.get(objectName.toLowerCase());
    if (!table || !CUSTOMISABLE.has(table.schema.name) || fullName.split('.').length !== 2) {
      throw integrity(`Entity Enumeration Or ID: bad value for restricted picklist field: ${objectName}`);
    }
    const developerName = fieldName.endsWith('__c') ? fieldName.slice(0, -3) : '';
    if (!DEVELOPER_NAME.test(developerName) || developerName.length > 40) throw integrity(FIELD_NAME_RULE);
    if (table.fields.has(fieldName.toLowerCase())) {
      throw new SalesforceApiError(
        400,
        'DUPLICATE_DEVELOPER_NAME',
        `There is already a field named ${developerName} on ${table.schema.label}.`,
      );
    }
    if (metadata.type === 'Lookup') {
      const parent = this.tables.get((metadata.referenceTo ?? '').toLowerCase());
      if (!parent)
        throw integrity(
          `Reference To: bad value for restricted picklist field: ${metadata.referenceTo ?? ''}`,
        );
      metadata = { ...metadata, referenceTo: parent.schema.name };
    }
    const field = fieldOf(fieldName, metadata);
    table.schema = { ...table.schema, fields: [...table.schema.fields, field] };
    table.fields.set(field.name.toLowerCase(), field);
    const empty = emptyValue(field);
    table.blank = blankRecord(table.schema.fields);
    for (const record of table.records.values()) record.fields[field.name] = empty;
    this.grantedByPermissionSet.add(`${table.schema.name}.${field.name}`.toLowerCase());
    this.permissionsChanged();
    return this.registerCustomField(table.schema, field, metadata, at);
  }

  /**
   * Changes a custom field's definition, as the Tooling API's `PATCH CustomField/{id}` with a
   * whole `Metadata` does: label, description, a number's precision and scale, a text's length. The
   * records keep the values they hold (a whole number stored before decimals were allowed stays
   * whole; writes from now on are rounded to the new scale). A change of type is refused: the
   * sandbox does not convert stored values from one type to another.
   */
  updateCustomField(id: string, metadata: CustomFieldMetadata, at: Date = this.clock()): SfRecord {
    const record = this.customFieldTable.records.get(normalizeId(id) ?? '');
    const info = record && !record.fields.IsDeleted ? this.customFieldInfo.get(record.Id) : undefined;
    if (!record || !info) throw notFound();
    const [objectName = '', fieldName = ''] = info.fullName.split('.');
    const table = this.table(objectName);
    const current = table.fields.get(fieldName.toLowerCase());
    if (!current) throw notFound();
    if (metadata.type !== info.metadata.type) {
      throw integrity(
        `Cannot change the type of ${info.fullName} from ${info.metadata.type} to ${metadata.type}`,
      );
    }
    if (metadata.type === 'Lookup') metadata = { ...metadata, referenceTo: info.metadata.referenceTo };
    const field: SfField = {
      ...fieldOf(current.name, metadata),
      // What the definition does not say stays as the org had it.
      nillable: current.nillable,
      createable: current.createable,
      updateable: current.updateable,
    };
    // A new schema object, not an edited one: readers may cache by the object.
    table.schema = {
      ...table.schema,
      fields: table.schema.fields.map((candidate) => (candidate === current ? field : candidate)),
    };
    table.fields.set(field.name.toLowerCase(), field);
    this.customFieldInfo.set(record.Id, { ...info, metadata });
    record.fields.Description = metadata.description ?? null;
    if (this.customFieldTable.audited) this.stampModified(record, at, this.adminUser.Id);
    this.permissionsChanged();
    return record;
  }

  /** Every custom field of the org, as a Tooling query of `CustomField` lists them. */
  customFields(): CustomFieldInfo[] {
    return [...this.customFieldInfo.values()];
  }

  /** One custom field by its Tooling API id (`00N…`, 15 or 18 characters). */
  customField(id: string): CustomFieldInfo | undefined {
    return this.customFieldInfo.get(normalizeId(id) ?? '');
  }

  private registerCustomField(
    schema: SfObjectSchema,
    field: SfField,
    metadata: CustomFieldMetadata,
    at: Date,
  ): SfRecord {
    const developerName = field.name.slice(0, -3);
    const tableEnumOrId = CUSTOM_OBJECT_IDS[schema.name] ?? schema.name;
    const fullName = `${schema.name}.${field.name}`;
    const record = this.insert(
      this.customFieldTable,
      {
        DeveloperName: developerName,
        TableEnumOrId: tableEnumOrId,
        FullName: fullName,
        Description: metadata.description ?? null,
      },
      at,
      at,
      this.adminUser.Id,
    );
    this.customFieldInfo.set(record.Id, { id: record.Id, fullName, developerName, tableEnumOrId, metadata });
    return record;
  }

  // ---- loading without the API's checks ---------------------------------------------------

  /**
   * Writes a record as it stands, for loaders whose values are already typed and valid (names as
   * the describe spells them): no field-level security, value or required-field checks, no
   * history. Missing fields are empty, OwnerId is `by`, auto-numbers are issued.
   */
  loadRecord(
    sobject: string,
    values: Record<string, SfValue>,
    meta: { createdAt: Date; modifiedAt?: Date; by?: string },
  ): SfRecord {
    const table = this.table(sobject);
    for (const name in values) {
      if (!Object.hasOwn(table.blank, name)) throw new Error(`${table.schema.name} has no field ${name}`);
    }
    const by = meta.by ?? this.adminUser.Id;
    const record = this.insert(table, values, meta.createdAt, meta.modifiedAt ?? meta.createdAt, by);
    if (table.schema.name === 'User') this.afterWrite(table, record);
    return record;
  }

  /** Writes a field-history row (`created`, or a tracked field's change) as it happened. */
  loadFieldHistory(
    parentId: string,
    field: string,
    oldValue: string | null,
    newValue: string | null,
    at: Date,
    by: string = this.adminUser.Id,
  ): SfRecord {
    const parent = this.recordIncludingDeleted(parentId);
    const history = parent && HISTORY_OBJECTS[parent.type];
    if (!history) throw new Error(`no field history for ${parentId}`);
    return this.writeHistory(
      history.history,
      history.parentField,
      parent.Id,
      field,
      oldValue,
      newValue,
      at,
      by,
    );
  }

  /** Marks a loaded record deleted at `at`, without the API's checks. */
  loadDeletion(id: string, at: Date): void {
    const record = this.byId(id);
    if (!record) throw new Error(`no record ${id}`);
    const table = this.tablesByPrefix.get(keyPrefixOf(record.Id))!;
    record.fields.IsDeleted = true;
    this.stampModified(record, at, record.fields.LastModifiedById as string);
    table.deletions.set(record.Id, at);
  }

  // ---- internals --------------------------------------------------------------------------

  private tableOf(schema: SfObjectSchema): ObjectTable {
    const blank = blankRecord(schema.fields);
    return {
      schema,
      fields: new Map(schema.fields.map((field) => [field.name.toLowerCase(), field])),
      records: new Map(),
      deletions: new Map(),
      blank,
      audited: Object.hasOwn(blank, 'SystemModstamp'),
      autoNumbered: schema.fields.filter((field) => field.autoNumber).map((field) => field.name),
      issued: 0,
      numbered: 0,
    };
  }

  private table(sobject: string): ObjectTable {
    const table = this.tables.get(sobject.toLowerCase());
    if (!table) throw notFound();
    return table;
  }

  /** The record of this type with this id, or NOT_FOUND / ENTITY_IS_DELETED. */
  private live(table: ObjectTable, id: string): SfRecord {
    const canonical = normalizeId(id);
    const record = canonical ? table.records.get(canonical) : undefined;
    if (!record) throw notFound();
    if (record.fields.IsDeleted) throw entityIsDeleted();
    return record;
  }

  private writer(by: string | undefined): string {
    const id = by === undefined ? this.adminUser.Id : normalizeId(by);
    const user = id ? this.users.get(id) : undefined;
    if (!user || !user.IsActive) {
      throw new SalesforceApiError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
    }
    return user.Id;
  }

  /**
   * The request's values, typed, by the describe's spelling. Checks in Salesforce's order: names
   * it does not know, fields the user may not write, then each value.
   */
  private parseWrite(
    table: ObjectTable,
    values: Record<string, unknown>,
    by: string,
    mode: 'create' | 'update',
  ): Record<string, SfValue> {
    const named: [SfField, unknown][] = [];
    for (const [name, raw] of Object.entries(values)) {
      if (name === 'attributes') continue;
      const field = table.fields.get(name.toLowerCase());
      if (!field) {
        throw new SalesforceApiError(
          400,
          'INVALID_FIELD',
          `No such column '${name}' on sobject of type ${table.schema.name}`,
        );
      }
      named.push([field, raw]);
    }
    const refused = named
      .filter(
        ([field]) =>
          !(mode === 'create' ? field.createable : field.updateable) || !this.access(table, field, by).edit,
      )
      .map(([field]) => field.name);
    if (refused.length) {
      throw new SalesforceApiError(
        400,
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${refused.join(', ')}. Please check the security settings of this field ` +
          'and verify that it is read/write for your profile or permission set.',
        refused,
      );
    }
    const changes: Record<string, SfValue> = {};
    for (const [field, raw] of named) {
      const value = parseFieldValue(field, raw);
      if (field.type === 'reference' && typeof value === 'string') this.checkReference(field, value, raw);
      changes[field.name] = value;
    }
    return changes;
  }

  private checkReference(field: SfField, id: string, raw: unknown): void {
    const target = this.tablesByPrefix.get(keyPrefixOf(id));
    if (!target || !field.referenceTo.includes(target.schema.name)) {
      throw integrity(`${field.label}: id value of incorrect type: ${String(raw)}`, [field.name]);
    }
    const record = target.records.get(id);
    if (!record) {
      throw new SalesforceApiError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [
        field.name,
      ]);
    }
    if (record.fields.IsDeleted)
      throw new SalesforceApiError(400, 'ENTITY_IS_DELETED', 'entity is deleted', [field.name]);
  }

  /**
   * Rules a write must keep: unique fields' values held once, and rules of particular objects
   * (unique usernames and names, well-formed permissions).
   */
  private checkRules(table: ObjectTable, fields: Record<string, SfValue>, selfId: string | null): void {
    const others = () => [...table.records.values()].filter((r) => r.Id !== selfId && !r.fields.IsDeleted);
    for (const field of table.schema.fields) {
      if (!field.unique || fields[field.name] === null || fields[field.name] === undefined) continue;
      const holder = others().find((record) =>
        sameUniqueValue(field, record.fields[field.name], fields[field.name]),
      );
      if (holder) throw duplicateFieldValue(field, holder.Id);
    }
    switch (table.schema.name) {
      case 'User': {
        const username = String(fields.Username ?? '').toLowerCase();
        if (username && others().some((user) => String(user.fields.Username).toLowerCase() === username)) {
          throw new SalesforceApiError(
            400,
            'DUPLICATE_USERNAME',
            'Duplicate Username.The username already exists in this or another Salesforce organization. ' +
              'Usernames must be unique across all Salesforce organizations.',
            ['Username'],
          );
        }
        return;
      }
      case 'PermissionSet': {
        const name = String(fields.Name ?? '');
        if (!DEVELOPER_NAME.test(name)) throw integrity(PERMISSION_SET_NAME_RULE, ['Name']);
        if (others().some((set) => String(set.fields.Name).toLowerCase() === name.toLowerCase())) {
          throw new SalesforceApiError(
            400,
            'DUPLICATE_DEVELOPER_NAME',
            'The API Name you selected is already in use. Choose a unique API Name.',
            ['Name'],
          );
        }
        return;
      }
      case 'PermissionSetAssignment':
        if (
          others().some(
            (a) =>
              a.fields.AssigneeId === fields.AssigneeId &&
              a.fields.PermissionSetId === fields.PermissionSetId,
          )
        ) {
          throw duplicateValue();
        }
        return;
      case 'FieldPermissions': {
        const object = this.tables.get(String(fields.SobjectType).toLowerCase());
        const [prefix = '', name = ''] = String(fields.Field).split('.');
        const field =
          object && prefix.toLowerCase() === object.schema.name.toLowerCase()
            ? object.fields.get(name.toLowerCase())
            : undefined;
        if (!object || !field || !isPermissionable(field)) {
          throw integrity(`Field Name: bad value for restricted picklist field: ${String(fields.Field)}`, [
            'Field',
          ]);
        }
        fields.SobjectType = object.schema.name;
        fields.Field = `${object.schema.name}.${field.name}`;
        if (fields.PermissionsEdit === true && fields.PermissionsRead !== true) {
          throw integrity('Permission Edit depends on permission(s): Read', ['PermissionsRead']);
        }
        if (others().some((p) => p.fields.ParentId === fields.ParentId && p.fields.Field === fields.Field)) {
          throw duplicateValue();
        }
        return;
      }
    }
  }

  /** Stores a new record: the blank record of its type, its values, derived and system fields. */
  private insert(
    table: ObjectTable,
    values: Record<string, SfValue>,
    createdAt: Date,
    modifiedAt: Date,
    by: string,
    id?: string,
  ): SfRecord {
    const { schema } = table;
    const Id = id ?? salesforceId(schema.keyPrefix, ++table.issued, this.pod);
    // A copy of the blank record: every field in describe order, in one compact shape per type.
    const fields: Record<string, SfValue> = { ...table.blank };
    for (const name in values) fields[name] = values[name]!;
    for (const name of table.autoNumbered) {
      if (fields[name] === null) fields[name] = autoNumber(schema.name, name, ++table.numbered);
    }
    if (Object.hasOwn(fields, 'OwnerId') && fields.OwnerId === null) fields.OwnerId = by;
    fields.Id = Id;
    fields.IsDeleted = false;
    fields.CreatedDate = createdAt;
    fields.CreatedById = by;
    if (table.audited) {
      fields.LastModifiedDate = modifiedAt;
      fields.LastModifiedById = by;
      fields.SystemModstamp = modifiedAt;
    }
    deriveFields(schema.name, fields, modifiedAt);
    const record: SfRecord = { type: schema.name, Id, fields };
    table.records.set(Id, record);
    return record;
  }

  private stampModified(record: SfRecord, at: Date, by: string): void {
    record.fields.LastModifiedDate = at;
    record.fields.LastModifiedById = by;
    record.fields.SystemModstamp = at;
  }

  private writeHistory(
    historyObject: string,
    parentField: string,
    parentId: string,
    field: string,
    oldValue: string | null,
    newValue: string | null,
    at: Date,
    by: string,
  ): SfRecord {
    return this.insert(
      this.table(historyObject),
      { [parentField]: parentId, Field: field, OldValue: oldValue, NewValue: newValue },
      at,
      at,
      by,
    );
  }

  /** Keeps what depends on records in step: the users list and the permission caches. */
  private afterWrite(table: ObjectTable, record: SfRecord): void {
    const name = table.schema.name;
    if (name === 'User') {
      const { Username, Email, Name, IsActive } = record.fields;
      const user: SfUser = {
        Id: record.Id,
        Username: String(Username),
        Email: String(Email),
        Name: String(Name ?? ''),
        IsActive: IsActive === true,
      };
      const known = this.users.get(record.Id);
      if (known) Object.assign(known, user);
      else this.users.set(record.Id, user);
      this.permissionsChanged();
    }
    if (PERMISSION_OBJECT_NAMES.has(name)) this.permissionsChanged();
  }
}

/** The describe of a field the Tooling API creates. */
function fieldOf(name: string, metadata: CustomFieldMetadata): SfField {
  const need = (what: string) =>
    integrity(`Must specify '${what}' for a CustomField of type ${metadata.type}`);
  if (!metadata.label) throw requiredMissing(['Label']);
  const base: SfField = {
    name,
    label: metadata.label,
    type: 'string',
    custom: true,
    nillable: true,
    createable: true,
    updateable: true,
    filterable: true,
    sortable: true,
    referenceTo: [],
    relationshipName: null,
    length: 0,
    precision: 0,
    scale: 0,
    picklistValues: [],
  };
  switch (metadata.type) {
    case 'Number': {
      const { precision, scale = 0 } = metadata;
      if (precision === undefined) throw need('precision');
      if (
        !Number.isInteger(precision) ||
        precision < 1 ||
        precision > 18 ||
        !Number.isInteger(scale) ||
        scale < 0 ||
        scale > precision
      ) {
        throw integrity(
          'The sum of the length and decimal places must be an integer less than or equal to 18',
        );
      }
      return { ...base, type: 'double', precision, scale };
    }
    case 'Text': {
      if (metadata.length === undefined) throw need('length');
      if (!Number.isInteger(metadata.length) || metadata.length < 1 || metadata.length > 255) {
        throw integrity('Length: value outside of valid range on numeric field: ' + metadata.length);
      }
      return {
        ...base,
        type: 'string',
        length: metadata.length,
        ...(metadata.externalId ? { externalId: true } : {}),
        ...(metadata.unique ? { unique: true, caseSensitive: metadata.caseSensitive ?? false } : {}),
      };
    }
    case 'LongTextArea': {
      if (metadata.length === undefined) throw need('length');
      if (metadata.visibleLines === undefined) throw need('visibleLines');
      if (!Number.isInteger(metadata.length) || metadata.length < 256 || metadata.length > 131072) {
        throw integrity('Length: value outside of valid range on numeric field: ' + metadata.length);
      }
      return { ...base, type: 'textarea', length: metadata.length, filterable: false, sortable: false };
    }
    case 'DateTime':
      return { ...base, type: 'datetime' };
    case 'Date':
      return { ...base, type: 'date' };
    case 'Lookup': {
      if (!metadata.referenceTo) throw need('referenceTo');
      if (!metadata.relationshipName) throw need('relationshipName');
      return {
        ...base,
        type: 'reference',
        length: 18,
        referenceTo: [metadata.referenceTo],
        relationshipName: `${metadata.relationshipName}__r`,
      };
    }
    case 'Checkbox':
      return {
        ...base,
        type: 'boolean',
        nillable: false,
        defaultedOnCreate: true,
        defaultValue: metadata.defaultValue === 'true',
      };
    case 'Picklist': {
      const values = metadata.valueSet?.valueSetDefinition.value ?? [];
      if (!values.length) throw need('valueSet');
      return {
        ...base,
        type: 'picklist',
        length: 255,
        restrictedPicklist: metadata.valueSet?.restricted ?? false,
        picklistValues: values.map((value) => ({
          value: value.fullName,
          label: value.label,
          active: true,
          defaultValue: value.default ?? false,
        })),
        ...(values.some((value) => value.default) ? { defaultedOnCreate: true } : {}),
      };
    }
  }
}

/** The Tooling metadata a pre-existing custom field would show. */
function metadataOf(field: SfField): CustomFieldMetadata {
  const label = field.label;
  switch (field.type) {
    case 'double':
    case 'currency':
    case 'int':
    case 'percent':
      return { label, type: 'Number', precision: field.precision, scale: field.scale };
    case 'textarea':
      return { label, type: 'LongTextArea', length: field.length, visibleLines: 3 };
    case 'datetime':
      return { label, type: 'DateTime' };
    case 'date':
      return { label, type: 'Date' };
    case 'reference':
      return {
        label,
        type: 'Lookup',
        referenceTo: field.referenceTo[0]!,
        relationshipName: (field.relationshipName ?? '').replace(/__r$/, ''),
      };
    case 'boolean':
      return { label, type: 'Checkbox', defaultValue: String(field.defaultValue === true) };
    case 'picklist':
      return {
        label,
        type: 'Picklist',
        valueSet: {
          restricted: field.restrictedPicklist ?? false,
          valueSetDefinition: {
            value: field.picklistValues.map((option) => ({
              fullName: option.value,
              label: option.label,
              default: option.defaultValue,
            })),
          },
        },
      };
    default:
      return {
        label,
        type: 'Text',
        length: field.length,
        ...(field.externalId ? { externalId: true } : {}),
        ...(field.unique ? { unique: true, caseSensitive: field.caseSensitive ?? false } : {}),
      };
  }
}
