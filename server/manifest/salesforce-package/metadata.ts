/**
 * The package's declarative metadata, from the manifest: the written fields on Contact and
 * Account, the key field of the cases the app opens (an External ID with unique values, by which
 * the server upserts them), the two permission sets (reading the card; running plays and Flow
 * actions), the custom
 * permission the card checks, and the External and Named Credential the org's Apex calls this
 * server through.
 */
import type { PropertySpec } from '../../crm/connector.js';
import { CASE_KEY_FIELD, CASE_KEY_METADATA } from '../../crm/salesforce/case-key.js';
import { customFieldName, salesforceFieldShape, type FieldsObject } from '../../crm/salesforce/fields.js';
import {
  EXTERNAL_CREDENTIAL,
  NAMED_CREDENTIAL,
  ORG_PRINCIPAL,
  PLAYS_PERMISSION_SET,
  RUN_PLAYS_PERMISSION,
  SECRET_HEADER,
  SECRET_PARAMETER,
} from '../../crm/salesforce/org-package.js';
import { metadataXml, type XmlElement } from './xml.js';

export const ADVISOR_PERMISSION_SET = 'Churn_Radar_Advisor';
export { PLAYS_PERMISSION_SET };
export const CARD_CONTROLLER_CLASS = 'ChurnRadarCardController';
export const API_CLASS = 'ChurnRadarApi';

/** A field the app writes, on the object it is written on. */
export interface ObjectField {
  sobject: FieldsObject;
  spec: PropertySpec;
}

/** The XML of one field the app writes, as `objects/<sobject>/fields/<name>.field-meta.xml`. */
export function customFieldXml(spec: PropertySpec): { name: string; xml: string } {
  const name = customFieldName(spec.name);
  const { type, ...shape } = salesforceFieldShape(spec).metadata;
  const element: XmlElement = { fullName: name };
  const properties: XmlElement = {
    ...(shape as XmlElement),
    externalId: false,
    required: type === 'Checkbox' ? undefined : false,
    type,
  };
  for (const key of Object.keys(properties).sort()) element[key] = properties[key];
  return { name, xml: metadataXml('CustomField', element) };
}

/** The key field of the cases the app opens, as `objects/Case/fields/<name>.field-meta.xml`. */
export function caseKeyFieldXml(): { name: string; xml: string } {
  const { label, description, type, length, externalId, unique, caseSensitive } = CASE_KEY_METADATA;
  return {
    name: CASE_KEY_FIELD,
    xml: metadataXml('CustomField', {
      fullName: CASE_KEY_FIELD,
      caseSensitive,
      description,
      externalId,
      label,
      length,
      required: false,
      type,
      unique,
    }),
  };
}

const principalAccess = {
  enabled: true,
  externalCredentialPrincipal: `${EXTERNAL_CREDENTIAL}-${ORG_PRINCIPAL}`,
};

/** The fields a permission set lets its users read, as `Object.Field__c`. */
function readFields(fields: string[]): XmlElement[] {
  return [...fields].sort().map((field) => ({ editable: false, field, readable: true }));
}

/**
 * Advisors: the record page's card (the fields, its controller, the callout principal), and the
 * key of the cases the app opens. `fields` are full names (`Contact.Churn_Risk_Score__c`).
 */
export function advisorPermissionSetXml(fields: string[]): string {
  return metadataXml('PermissionSet', {
    classAccesses: [{ apexClass: CARD_CONTROLLER_CLASS, enabled: true }],
    description:
      'Shows the Churn Radar risk card on contacts: reads the churn risk fields of contacts and accounts and lets the card ask Churn Radar for the live details.',
    externalCredentialPrincipalAccesses: [principalAccess],
    fieldPermissions: readFields(fields),
    hasActivationRequired: false,
    label: 'Churn Radar advisor',
  });
}

/** People who start plays from the card, and the users Churn Radar's Flow actions run as. */
export function playsPermissionSetXml(fields: string[], actionClasses: string[]): string {
  return metadataXml('PermissionSet', {
    classAccesses: [CARD_CONTROLLER_CLASS, ...actionClasses]
      .sort()
      .map((apexClass) => ({ apexClass, enabled: true })),
    customPermissions: [{ enabled: true, name: RUN_PLAYS_PERMISSION }],
    description:
      'Starts Churn Radar retention plays from the risk card and runs its Flow actions (offer, survey, proactive support, loyalty). Assign it to the users whose changes start those flows.',
    externalCredentialPrincipalAccesses: [principalAccess],
    fieldPermissions: readFields(fields),
    hasActivationRequired: false,
    label: 'Churn Radar plays',
  });
}

export function runPlaysPermissionXml(): string {
  return metadataXml('CustomPermission', {
    description:
      'Lets a user start retention plays (offer, survey, check-in) and flag a score from the Churn Radar risk card.',
    isLicensed: false,
    label: 'Run Churn Radar plays',
  });
}

/** Custom authentication: one named principal for the org, its secret sent as a header. */
export function externalCredentialXml(): string {
  return metadataXml('ExternalCredential', {
    authenticationProtocol: 'Custom',
    externalCredentialParameters: [
      {
        parameterGroup: ORG_PRINCIPAL,
        parameterName: ORG_PRINCIPAL,
        parameterType: 'NamedPrincipal',
        sequenceNumber: 1,
      },
      {
        parameterGroup: 'DefaultGroup',
        parameterName: SECRET_HEADER,
        parameterType: 'AuthHeader',
        parameterValue: `{!$Credential.${EXTERNAL_CREDENTIAL}.${SECRET_PARAMETER}}`,
        sequenceNumber: 1,
      },
    ],
    label: 'Churn Radar',
  });
}

/** The server's address; the External Credential authenticates each callout. */
export function namedCredentialXml(publicUrl: string): string {
  return metadataXml('NamedCredential', {
    allowMergeFieldsInBody: false,
    allowMergeFieldsInHeader: false,
    calloutStatus: 'Enabled',
    generateAuthorizationHeader: false,
    label: 'Churn Radar',
    namedCredentialParameters: [
      { parameterName: 'Url', parameterType: 'Url', parameterValue: publicUrl },
      {
        externalCredential: EXTERNAL_CREDENTIAL,
        parameterName: 'ExternalCredential',
        parameterType: 'Authentication',
      },
    ],
    namedCredentialType: 'SecuredEndpoint',
  });
}

export const NAMED_CREDENTIAL_FILE = `namedCredentials/${NAMED_CREDENTIAL}.namedCredential-meta.xml`;
export const EXTERNAL_CREDENTIAL_FILE = `externalCredentials/${EXTERNAL_CREDENTIAL}.externalCredential-meta.xml`;

/** An Apex class's companion file. */
export function apexClassMetaXml(apiVersion: string): string {
  return metadataXml('ApexClass', { apiVersion, status: 'Active' });
}
