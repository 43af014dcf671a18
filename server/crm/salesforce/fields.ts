/**
 * The fields the app writes on Salesforce contacts and accounts: created through the Tooling API
 * when missing, then made visible and writable to the connected user through one permission set (a
 * new custom field is visible to nobody until a permission grants it), and checked with describe.
 * A number field an earlier release made with fewer decimals (or digits) than this one defines is
 * widened through the Tooling API; a field is never narrowed, and never given another type.
 */
import type { Connection } from 'jsforce';
import { z } from 'zod';
import type { EnsurePropertiesReport, PropertySpec } from '../connector.js';
import { CrmRequestError } from '../errors.js';
import { SCORE_DECIMALS } from '../../scoring/score-points.js';
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
 * Number fields that carry decimals, by property name: precision (digits in all) and scale
 * (decimals). The churn score is 0–100 to a tenth of a point, so that lists sorted or filtered by
 * it keep the model's order among the many customers with a low score; other numbers are whole.
 */
const DECIMAL_NUMBERS: ReadonlyMap<string, { precision: number; scale: number }> = new Map([
  ['churn_risk_score', { precision: 3 + SCORE_DECIMALS, scale: SCORE_DECIMALS }],
]);

/**
 * How each property type is kept. A tier is text rather than a picklist so a tier a later release
 * adds is written at once; Flow and list views filter on it the same way.
 */
export function salesforceFieldShape(spec: PropertySpec): FieldShape {
  const base = { label: spec.label, description: spec.description.slice(0, 1000) };
  switch (spec.type) {
    case 'number':
      return {
        metadata: {
          ...base,
          type: 'Number',
          ...(DECIMAL_NUMBERS.get(spec.name) ?? { precision: 18, scale: 0 }),
        },
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

/** A number field's size: digits in all (precision) and after the point (scale). */
export interface NumberSize {
  precision: number;
  scale: number;
}

/** Salesforce's most digits in a number field, before and after the point together. */
const MAX_NUMBER_DIGITS = 18;

/**
 * The size a number field needs to hold what both `current` and `wanted` hold: as many decimals as
 * either, and as many digits before the point as either, within Salesforce's 18 digits in all (a
 * field of 18 whole digits gives one to the decimal; the app's numbers need far fewer). Never
 * less precision or scale than `current`. Null when `current` already holds all `wanted` does.
 */
export function widenedNumber(current: NumberSize, wanted: NumberSize): NumberSize | null {
  const scale = Math.max(current.scale, wanted.scale);
  const whole = Math.max(current.precision - current.scale, wanted.precision - wanted.scale);
  const precision = Math.max(current.precision, Math.min(MAX_NUMBER_DIGITS, whole + scale));
  return precision === current.precision && scale === current.scale ? null : { precision, scale };
}

const describeSchema = z.object({
  fields: z.array(
    z.object({
      name: z.string(),
      type: z.string(),
      updateable: z.boolean().optional(),
      precision: z.number().optional(),
      scale: z.number().optional(),
    }),
  ),
});
const rowsSchema = z.object({ records: z.array(z.record(z.string(), z.unknown())) });
/** A field's definition as the Tooling API reads it: every key is sent back when it is updated. */
const fieldMetadataSchema = z
  .object({ type: z.string(), precision: z.number().nullish(), scale: z.number().nullish() })
  .passthrough();
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
  const report = {
    groupCreated: false,
    created: [] as string[],
    existing: [] as string[],
    conflicts: [] as EnsurePropertiesReport['conflicts'],
    updated: [] as string[],
  } satisfies EnsurePropertiesReport;

  const developerNames = properties.map((p) => p.field.replace(/__c$/, ''));
  const rows = rowsSchema.parse(
    await call((conn) =>
      conn.request({
        method: 'GET',
        url: `${version}/tooling/query?q=${encodeURIComponent(
          `SELECT Id, DeveloperName, NamespacePrefix FROM CustomField WHERE TableEnumOrId = ${stringLiteral(sobject)} AND DeveloperName IN (${developerNames.map(stringLiteral).join(',')})`,
        )}`,
      }),
    ),
  ).records;
  const existing = rows.map((r) => String(r.DeveloperName));
  // The app's fields have no namespace: a managed package's field of the same name is its own.
  const ownIds = new Map(
    rows
      .filter((r) => r.NamespacePrefix === null || r.NamespacePrefix === undefined)
      .map((r) => [String(r.DeveloperName), String(r.Id)]),
  );

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
      continue;
    }
    const wanted = numberSizeOf(shape.metadata);
    const id = ownIds.get(field.replace(/__c$/, ''));
    if (!wanted || !id || report.created.includes(spec.name)) continue;
    // Describe shows the size; the definition is read (and rewritten) only when it falls short.
    if (
      found.precision !== undefined &&
      found.scale !== undefined &&
      !widenedNumber({ precision: found.precision, scale: found.scale }, wanted)
    ) {
      continue;
    }
    if (await widenNumberField(requester, portalId, id, wanted)) report.updated.push(spec.name);
  }
  return report;
}

function numberSizeOf(metadata: FieldShape['metadata']): NumberSize | null {
  const { type, precision, scale } = metadata;
  return type === 'Number' && typeof precision === 'number' && typeof scale === 'number'
    ? { precision, scale }
    : null;
}

/**
 * Brings one existing number field (by its Tooling API id) up to `wanted`: its whole definition is
 * read (a Tooling query selecting `Metadata` may match one record only, so by Id) and written back
 * with the wider precision and scale, everything else as the org has it (its label, description,
 * help text). Whether it was changed; a field that is no longer a Number is left alone.
 */
async function widenNumberField(
  requester: SalesforceRequester,
  portalId: number,
  id: string,
  wanted: NumberSize,
): Promise<boolean> {
  const call = <T>(fn: (conn: Connection) => Promise<T>) => requester.call(portalId, fn);
  const version = `/services/data/v${requester.apiVersion}`;
  const [row] = rowsSchema.parse(
    await call((conn) =>
      conn.request({
        method: 'GET',
        url: `${version}/tooling/query?q=${encodeURIComponent(
          `SELECT Id, Metadata FROM CustomField WHERE Id = ${idLiteral(id)}`,
        )}`,
      }),
    ),
  ).records;
  if (!row) return false;
  const metadata = fieldMetadataSchema.parse(row.Metadata);
  if (metadata.type !== 'Number' || typeof metadata.precision !== 'number') return false;
  const size = widenedNumber({ precision: metadata.precision, scale: metadata.scale ?? 0 }, wanted);
  if (!size) return false;
  await call((conn) =>
    conn.request({
      method: 'PATCH',
      url: `${version}/tooling/sobjects/CustomField/${id}`,
      body: JSON.stringify({ Metadata: { ...metadata, ...size } }),
      headers: { 'content-type': 'application/json' },
    }),
  );
  return true;
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
