/**
 * What the product needs from a CRM, whichever CRM it is. HubSpot's driver lives in ./hubspot,
 * Salesforce's in ./salesforce; callers see only this interface and the errors in ./errors.
 */

export type PropertyType =
  'bool' | 'date' | 'datetime' | 'enumeration' | 'number' | 'phone_number' | 'string';

export interface PropertyGroupSpec {
  name: string;
  label: string;
  displayOrder?: number;
}

export interface PropertySpec {
  name: string;
  label: string;
  description: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  options?: { label: string; value: string; displayOrder?: number }[];
}

export interface PropertyConflict {
  name: string;
  expected: { type: string; fieldType: string };
  actual: { type: string; fieldType: string };
}

export interface EnsurePropertiesReport {
  groupCreated: boolean;
  created: string[];
  existing: string[];
  /** Properties with our name but another type: reported to the admin, never overwritten. */
  conflicts: PropertyConflict[];
}

export interface CrmConnector {
  /** Creates the group and the properties that are missing; leaves existing ones alone. */
  ensureProperties(
    portalId: number,
    objectType: 'contacts',
    group: PropertyGroupSpec,
    properties: PropertySpec[],
  ): Promise<EnsurePropertiesReport>;
}
