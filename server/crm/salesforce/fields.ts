/**
 * The fields the app writes on Salesforce contacts and accounts: created through the Tooling API
 * when missing, then made visible and writable to the connected user through one permission set (a
 * new custom field is visible to nobody until a permission grants it), and checked with describe.
 */
import type { Connection } from 'jsforce';
import { z } from 'zod';
import type { EnsurePropertiesReport, PropertySpec } from '../connector.js';
import { CrmRequestError } from '../errors.js';
import type { SalesforceRequester } from './requester.js';
import { idLiteral, stringLiteral } from './soql.js';

/** The objects the app writes fields on: a contact's score, and an account's. */
export const FIELDS_OBJECTS = { contacts: 'Contact', companies: 'Account' } as const;
export type FieldsObject = (typeof FIELDS_OBJECTS)[keyof typeof FIELDS_OBJECTS];

/** The permission set that grants the app's fields. */
export const PERMISSION_SET = 'Churn_Radar';

/** A HubSpot-style property name as a Salesforce custom field: `churn_risk_score` → `Churn_Risk_Score__c`. */
export function customFieldName(name: string): string {
  return `${name
    .split('_')
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('_')}__c`;
}

export interface FieldShape {
  /** The Tooling API's Metadata type. */
  metadata: Record<string, unknown> & { type: string };
  /** The describe types that count as this field. */
  describeTypes: string[];
}

/**
 * How each property type is kept. A tier is text rather than a picklist so a tier a later release
 * adds is written at once; Flow and list views filter on it the same way.
 */
export function salesforceFieldShape(spec: PropertySpec): FieldShape {
  const base = { label: spec.label, description: spec.description.slice(0, 1000) };
  switch (spec.type) {
    case 'number':
      return {
        metadata: { ...base, type: 'Number', precision: 18, scale: 0 },
        describeTypes: ['double', 'int'],
      };
    case 'date':
    case 'datetime':
      return { metadata: { ...base, type: 'DateTime' }, describeTypes: ['datetime'] };
    case 'bool':
      return { metadata: { ...base, type: 'Checkbox', defaultValue: 'false' }, describeTypes: ['boolean'] };
    default:
      return spec.fieldType === 'textarea'
        ? {
            metadata: { ...base, type: 'LongTextArea', length: 32768, visibleLines: 4 },
            describeTypes: ['textarea'],
          }
        : { metadata: { ...base, type: 'Text', length: 255 }, describeTypes: ['string', 'picklist'] };
  }
}

const describeSchema = z.object({
  fields: z.array(z.object({ name: z.string(), type: z.string(), updateable: z.boolean().optional() })),
});
const rowsSchema = z.object({ records: z.array(z.record(z.string(), z.unknown())) });
const createdSchema = z.object({ id: z.string(), success: z.boolean() });
const rootSchema = z.object({ identity: z.url() });

export async function ensureSalesforceFields(
  requester: SalesforceRequester,
  portalId: number,
  sobject: FieldsObject,
  properties: { spec: PropertySpec; field: string }[],
): Promise<EnsurePropertiesReport> {
  const call = <T>(fn: (conn: Connection) => Promise<T>) => requester.call(portalId, fn);
  const version = `/services/data/v${requester.apiVersion}`;
  const report: EnsurePropertiesReport = { groupCreated: false, created: [], existing: [], conflicts: [] };

  const developerNames = properties.map((p) => p.field.replace(/__c$/, ''));
  const existing = rowsSchema
    .parse(
      await call((conn) =>
        conn.request({
          method: 'GET',
          url: `${version}/tooling/query?q=${encodeURIComponent(
            `SELECT Id, DeveloperName FROM CustomField WHERE TableEnumOrId = ${stringLiteral(sobject)} AND DeveloperName IN (${developerNames.map(stringLiteral).join(',')})`,
          )}`,
        }),
      ),
    )
    .records.map((r) => String(r.DeveloperName));

  for (const { spec, field } of properties) {
    if (existing.includes(field.replace(/__c$/, ''))) {
      report.existing.push(spec.name);
      continue;
    }
    const answer = createdSchema.parse(
      await call((conn) =>
        conn.request({
          method: 'POST',
          url: `${version}/tooling/sobjects/CustomField`,
          body: JSON.stringify({
            FullName: `${sobject}.${field}`,
            Metadata: salesforceFieldShape(spec).metadata,
          }),
          headers: { 'content-type': 'application/json' },
        }),
      ),
    );
    if (!answer.success) throw new CrmRequestError(400, `Salesforce did not create ${sobject}.${field}.`);
    report.created.push(spec.name);
  }

  await grantFields(
    requester,
    portalId,
    sobject,
    properties.map((p) => p.field),
  );

  const described = describeSchema.parse(
    await call((conn) => conn.request(`${version}/sobjects/${sobject}/describe`)),
  );
  for (const { spec, field } of properties) {
    const found = described.fields.find((f) => f.name === field);
    if (!found)
      throw new CrmRequestError(
        403,
        `${sobject}.${field} is still not visible to the connected user after the grant.`,
      );
    const shape = salesforceFieldShape(spec);
    if (!shape.describeTypes.includes(found.type)) {
      report.conflicts.push({
        name: spec.name,
        expected: { type: spec.type, fieldType: shape.metadata.type },
        actual: { type: found.type, fieldType: found.type },
      });
    }
  }
  return report;
}

/** Read and edit on each field through the app's permission set, assigned to the connected user. */
export async function grantFields(
  requester: SalesforceRequester,
  portalId: number,
  sobject: string,
  fields: string[],
): Promise<void> {
  const call = <T>(fn: (conn: Connection) => Promise<T>) => requester.call(portalId, fn);
  const version = `/services/data/v${requester.apiVersion}`;
  const query = async (soql: string) =>
    rowsSchema.parse(await call((conn) => conn.request(`${version}/query?q=${encodeURIComponent(soql)}`)))
      .records;
  const create = async (type: string, values: Record<string, unknown>) =>
    createdSchema.parse(
      await call((conn) =>
        conn.request({
          method: 'POST',
          url: `${version}/sobjects/${type}`,
          body: JSON.stringify(values),
          headers: { 'content-type': 'application/json' },
        }),
      ),
    ).id;

  const found = await query(`SELECT Id FROM PermissionSet WHERE Name = ${stringLiteral(PERMISSION_SET)}`);
  const permissionSetId =
    found[0] !== undefined
      ? String(found[0].Id)
      : await create('PermissionSet', { Name: PERMISSION_SET, Label: 'Churn Radar' });

  const granted = new Set(
    (
      await query(
        `SELECT Field FROM FieldPermissions WHERE ParentId = ${idLiteral(permissionSetId)} AND SobjectType = ${stringLiteral(sobject)}`,
      )
    ).map((r) => String(r.Field)),
  );
  for (const field of fields) {
    const full = `${sobject}.${field}`;
    if (granted.has(full)) continue;
    await create('FieldPermissions', {
      ParentId: permissionSetId,
      SobjectType: sobject,
      Field: full,
      PermissionsRead: true,
      PermissionsEdit: true,
    });
  }

  const root = rootSchema.parse(await call((conn) => conn.request(`${version}/`)));
  const userId = root.identity.split('/').at(-1)!;
  const assigned = await query(
    `SELECT Id FROM PermissionSetAssignment WHERE PermissionSetId = ${idLiteral(permissionSetId)} AND AssigneeId = ${idLiteral(userId)}`,
  );
  if (assigned.length === 0) {
    await create('PermissionSetAssignment', { PermissionSetId: permissionSetId, AssigneeId: userId });
  }
}
