import type { PropertyGroupSpec, PropertySpec } from '../crm/connector.js';
import type { AppManifest } from './index.js';
import type { ManifestProperty } from './schema.js';

/** One object's group and the fields the app writes in it. */
export interface ObjectFields {
  group: PropertyGroupSpec;
  properties: PropertySpec[];
}

/** The fields the app writes, and their groups, as the manifest declares them. */
export interface WrittenFields {
  group: PropertyGroupSpec;
  contact: PropertySpec[];
  /** The account score on companies; null when the manifest declares none. */
  company: ObjectFields | null;
}

const toSpec = (p: ManifestProperty): PropertySpec => ({
  name: p.name,
  label: p.label,
  description: p.description ?? '',
  type: p.type,
  fieldType: p.fieldType,
  groupName: p.groupName,
  ...(p.options ? { options: p.options } : {}),
});

export function writtenFields(manifest: AppManifest): WrittenFields {
  const contactProperties = manifest.crmProperties.contacts;
  const group = contactProperties?.groups[0];
  if (!group) throw new Error('the manifest declares no contact property group');
  const companies = manifest.crmProperties.companies;
  const companyGroup = companies?.groups[0];
  return {
    group,
    contact: (contactProperties?.properties ?? []).map(toSpec),
    company:
      companyGroup && companies.properties.length > 0
        ? { group: companyGroup, properties: companies.properties.map(toSpec) }
        : null,
  };
}
