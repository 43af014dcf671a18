import type { PropertyGroupSpec, PropertySpec } from '../crm/connector.js';
import type { AppManifest } from './index.js';

/** The contact fields the app writes, and their group, as the manifest declares them. */
export interface WrittenFields {
  group: PropertyGroupSpec;
  contact: PropertySpec[];
}

export function writtenFields(manifest: AppManifest): WrittenFields {
  const contactProperties = manifest.crmProperties.contacts;
  const group = contactProperties?.groups[0];
  if (!group) throw new Error('the manifest declares no contact property group');
  return {
    group,
    contact: (contactProperties?.properties ?? []).map((p): PropertySpec => ({
      name: p.name,
      label: p.label,
      description: p.description ?? '',
      type: p.type,
      fieldType: p.fieldType,
      groupName: p.groupName,
      ...(p.options ? { options: p.options } : {}),
    })),
  };
}
