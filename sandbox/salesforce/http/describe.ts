/**
 * Describe results as REST serves them: `GET sobjects` (every object type, with its URLs and
 * abilities) and `GET sobjects/{T}/describe` (its fields as the caller's field-level security
 * shows them: hidden fields are left out, read-only ones are neither createable nor updateable).
 */
import type { SalesforceOrg } from '../store.js';
import type { SfField, SfFieldType, SfObjectSchema } from '../types.js';

const SOAP_TYPES: Record<SfFieldType, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  textarea: 'xsd:string',
  email: 'xsd:string',
  phone: 'xsd:string',
  url: 'xsd:string',
  picklist: 'xsd:string',
  boolean: 'xsd:boolean',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  int: 'xsd:int',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
};

function objectUrls(version: string, name: string): Record<string, string> {
  const base = `/services/data/v${version}/sobjects/${name}`;
  return {
    rowTemplate: `${base}/{ID}`,
    defaultValues: `${base}/defaultValues?recordTypeId&fields`,
    describe: `${base}/describe`,
    sobject: base,
  };
}

/** The summary of one object type, as `GET sobjects` lists it. */
export function objectSummary(schema: SfObjectSchema, version: string): Record<string, unknown> {
  const createable = schema.createable ?? true;
  const updateable = schema.updateable ?? true;
  const deletable = schema.deletable ?? true;
  return {
    activateable: false,
    createable,
    custom: schema.custom,
    customSetting: false,
    deletable,
    deprecatedAndHidden: false,
    feedEnabled: false,
    hasSubtypes: false,
    isSubtype: false,
    keyPrefix: schema.keyPrefix,
    label: schema.label,
    labelPlural: schema.labelPlural,
    layoutable: createable,
    mergeable: false,
    mruEnabled: createable,
    name: schema.name,
    queryable: true,
    replicateable: true,
    retrieveable: true,
    searchable: createable,
    triggerable: createable,
    undeletable: deletable,
    updateable,
    urls: objectUrls(version, schema.name),
  };
}

function describeField(field: SfField, edit: boolean): Record<string, unknown> {
  const numeric = ['double', 'currency', 'percent', 'int'].includes(field.type);
  const text = SOAP_TYPES[field.type] === 'xsd:string';
  return {
    aggregatable: field.type !== 'textarea',
    autoNumber: field.autoNumber ?? false,
    byteLength: text || field.type === 'id' || field.type === 'reference' ? field.length * 3 : 0,
    calculated: false,
    cascadeDelete: false,
    caseSensitive: field.caseSensitive ?? false,
    createable: field.createable && edit,
    custom: field.custom,
    defaultValue: field.defaultValue ?? null,
    defaultedOnCreate: field.defaultedOnCreate ?? false,
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: field.type === 'int' ? field.precision || 9 : 0,
    externalId: field.externalId ?? false,
    filterable: field.filterable,
    groupable: field.filterable && !numeric && field.type !== 'datetime',
    htmlFormatted: false,
    idLookup: field.type === 'id' || (field.externalId ?? false),
    label: field.label,
    length: field.length,
    name: field.name,
    nameField: field.name === 'Name',
    nillable: field.nillable,
    permissionable: field.nillable && !field.calculated && field.type !== 'id',
    picklistValues: field.picklistValues,
    precision: field.precision,
    referenceTo: field.referenceTo,
    relationshipName: field.relationshipName,
    restrictedPicklist: field.restrictedPicklist ?? false,
    scale: field.scale,
    soapType: SOAP_TYPES[field.type],
    sortable: field.sortable,
    type: field.type,
    unique: field.unique ?? false,
    updateable: field.updateable && edit,
  };
}

/** `GET sobjects/{T}/describe` for one user: `schema` is already their visible fields. */
export function describeObject(
  org: SalesforceOrg,
  schema: SfObjectSchema,
  userId: string,
  version: string,
): Record<string, unknown> {
  return {
    ...objectSummary(schema, version),
    childRelationships: [],
    compactLayoutable: true,
    fields: schema.fields.map((field) =>
      describeField(field, org.fieldAccess(schema.name, field.name, userId).edit),
    ),
    listviewable: null,
    lookupLayoutable: null,
    namedLayoutInfos: [],
    networkScopeFieldName: null,
    recordTypeInfos: [],
    searchLayoutable: true,
    sobjectDescribeOption: 'FULL',
    supportedScopes: [{ label: 'All', name: 'everything' }],
  };
}
