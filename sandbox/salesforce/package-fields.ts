/**
 * A package's custom fields and field permissions, as installing it puts them in an org: each field
 * the org lacks is created (one it has, made earlier through the Tooling API, is adopted as an
 * unlocked package without a namespace adopts it), and each permission set's field permissions
 * become `FieldPermissions` records, so the users it is assigned to see and write the fields it
 * grants. Nothing is changed when a permission names a field neither the package nor the org has.
 */
import type { CustomFieldDef, FieldPermissionDef } from './package-metadata.js';
import type { SalesforceOrg } from './store.js';
import { SalesforceApiError } from './types.js';

/** An installed permission set's record and the field permissions the package gives it. */
export interface PermissionSetFields {
  id: string;
  name: string;
  fieldPermissions: FieldPermissionDef[];
}

function splitFullName(fullName: string): [string, string] {
  const [object = '', field = ''] = fullName.split('.');
  return [object, field];
}

function orgHasField(org: SalesforceOrg, fullName: string): boolean {
  const [object, field] = splitFullName(fullName);
  return (
    org
      .fullSchema(object)
      ?.fields.some((candidate) => candidate.name.toLowerCase() === field.toLowerCase()) ?? false
  );
}

/** Refuses, before anything is installed, permissions on fields that will not exist. */
export function checkPackageFields(
  org: SalesforceOrg,
  fields: CustomFieldDef[],
  sets: { name: string; fieldPermissions: FieldPermissionDef[] }[],
): void {
  const packaged = new Set(fields.map((field) => field.fullName.toLowerCase()));
  for (const set of sets) {
    for (const permission of set.fieldPermissions) {
      if (packaged.has(permission.field.toLowerCase()) || orgHasField(org, permission.field)) continue;
      throw new SalesforceApiError(
        400,
        'INVALID_PACKAGE',
        `Permission set ${set.name}: no field ${permission.field} in the package or the org`,
      );
    }
  }
}

/** Creates the fields the org lacks, then grants each set's field permissions. */
export function installPackageFields(
  org: SalesforceOrg,
  fields: CustomFieldDef[],
  sets: PermissionSetFields[],
): void {
  for (const field of fields) {
    if (!orgHasField(org, field.fullName)) org.addCustomField(field.fullName, field.metadata);
  }
  for (const set of sets) {
    for (const permission of set.fieldPermissions) grantField(org, set.id, permission);
  }
}

function grantField(org: SalesforceOrg, setId: string, permission: FieldPermissionDef): void {
  const [object] = splitFullName(permission.field);
  const values = {
    PermissionsRead: permission.readable || permission.editable,
    PermissionsEdit: permission.editable,
  };
  const existing = [...org.records('FieldPermissions')].find(
    (record) =>
      record.fields.IsDeleted !== true &&
      record.fields.ParentId === setId &&
      String(record.fields.Field).toLowerCase() === permission.field.toLowerCase(),
  );
  if (existing) org.update('FieldPermissions', existing.Id, values);
  else
    org.create('FieldPermissions', {
      ParentId: setId,
      SobjectType: object,
      Field: permission.field,
      ...values,
    });
}
