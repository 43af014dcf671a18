/**
 * The Salesforce sandbox's shared vocabulary: an org's records and their describe metadata, as
 * the SOQL engine (./soql), the org store (./org.ts) and the HTTP surface (./http) all see them.
 * Nothing here imports `server/`: the sandbox stands for Salesforce, not for the product.
 */

/**
 * A stored field value. Datetimes are Dates, dates are `YYYY-MM-DD` strings, numbers are numbers,
 * checkboxes are booleans; the wire form (`2026-12-02T10:00:00.000+0000`) is made when serving.
 */
export type SfValue = string | number | boolean | Date | null;

export type SfFieldType =
  | 'id'
  | 'reference'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'boolean'
  | 'double'
  | 'currency'
  | 'int'
  | 'percent'
  | 'date'
  | 'datetime';

export interface SfPicklistValue {
  value: string;
  label: string;
  active: boolean;
  defaultValue: boolean;
}

/** One field as `sobjects/{T}/describe` lists it (the subset the sandbox keeps). */
export interface SfField {
  name: string;
  label: string;
  type: SfFieldType;
  custom: boolean;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  filterable: boolean;
  sortable: boolean;
  /** For `reference` fields: the object types it may point at. */
  referenceTo: string[];
  /** For `reference` fields: the name a query uses to reach the parent (`Account` for AccountId). */
  relationshipName: string | null;
  length: number;
  precision: number;
  scale: number;
  picklistValues: SfPicklistValue[];
  /** Set by Salesforce (Id, CreatedDate, SystemModstamp…): readable, never written by an API call. */
  calculated?: boolean;
  /** For picklists: only the listed values may be written. */
  restrictedPicklist?: boolean;
  /** Salesforce fills the field on create when the request leaves it out (OwnerId, checkboxes…). */
  defaultedOnCreate?: boolean;
  /** Numbered by Salesforce on create (CaseNumber, a custom object's auto-number Name). */
  autoNumber?: boolean;
  /** The value a create gets when it leaves the field out (a checkbox's default, for one). */
  defaultValue?: string | boolean | null;
  /** An External ID: records can be found and upserted by it (`sobjects/{T}/{field}/{value}`). */
  externalId?: boolean;
  /** No two records may hold the same value (compared without case unless `caseSensitive`). */
  unique?: boolean;
  caseSensitive?: boolean;
}

/** An object type's metadata; `fields` holds every field, visible to the API user or not. */
export interface SfObjectSchema {
  name: string;
  label: string;
  labelPlural: string;
  /** The three characters every id of this type starts with (003 Contact, 001 Account…). */
  keyPrefix: string;
  custom: boolean;
  fields: SfField[];
  /** Whether the API may create, update or delete records of the type; absent means it may. */
  createable?: boolean;
  updateable?: boolean;
  deletable?: boolean;
}

/**
 * A record. `fields` holds every field by its API name, system fields included (Id, IsDeleted,
 * CreatedDate, CreatedById, LastModifiedDate, LastModifiedById, SystemModstamp).
 */
export interface SfRecord {
  /** The object type's API name (`Contact`). */
  type: string;
  /** 18 characters, case-safe. */
  Id: string;
  fields: Record<string, SfValue>;
}

/**
 * What the SOQL engine reads an org through. Field visibility is the org's business: `schema`
 * answers with the fields the API user may see (field-level security applied), so a field a
 * permission does not grant is `INVALID_FIELD` in a query, as in Salesforce.
 */
export interface SoqlSource {
  /** The object type by API name (case-insensitive), visible fields only; undefined if unknown. */
  schema(sobject: string): SfObjectSchema | undefined;
  /** Every record of the type, deleted ones included (IsDeleted true); the engine filters. */
  records(sobject: string): Iterable<SfRecord>;
  /** Any record by id, for parent fields (`Account.Name`); deleted records are not parents. */
  byId(id: string): SfRecord | undefined;
}

/** An error Salesforce answers with: HTTP status, `errorCode` and message, as REST sends them. */
export class SalesforceApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly errorCode: string,
    message: string,
    readonly fields: string[] = [],
  ) {
    super(message);
    this.name = 'SalesforceApiError';
  }

  /** The REST body: `[{ "message": …, "errorCode": … }]` (with `fields` when any). */
  toBody(): { message: string; errorCode: string; fields?: string[] }[] {
    return [
      {
        message: this.message,
        errorCode: this.errorCode,
        ...(this.fields.length ? { fields: this.fields } : {}),
      },
    ];
  }
}
