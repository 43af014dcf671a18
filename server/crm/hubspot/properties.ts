import { z } from 'zod';
import type { EnsurePropertiesReport, PropertyGroupSpec, PropertySpec } from '../connector.js';
import { CrmRequestError } from '../errors.js';
import { HUBSPOT_API_VERSION } from './api-version.js';
import type { HubSpotRequester } from './requester.js';

const propertyListSchema = z.object({
  results: z.array(z.object({ name: z.string(), type: z.string(), fieldType: z.string() }).passthrough()),
});

const base = (objectType: string) => `/crm/properties/${HUBSPOT_API_VERSION}/${objectType}`;

export async function ensureHubSpotProperties(
  requester: HubSpotRequester,
  portalId: number,
  objectType: string,
  group: PropertyGroupSpec,
  properties: PropertySpec[],
): Promise<EnsurePropertiesReport> {
  const report: EnsurePropertiesReport = { groupCreated: false, created: [], existing: [], conflicts: [] };

  const groupPath = `${base(objectType)}/groups/${encodeURIComponent(group.name)}`;
  try {
    await requester.request(portalId, { method: 'GET', path: groupPath });
  } catch (error) {
    if (!(error instanceof CrmRequestError && error.httpStatus === 404)) throw error;
    await createIgnoringConflict(requester, portalId, `${base(objectType)}/groups`, {
      name: group.name,
      label: group.label,
      displayOrder: group.displayOrder ?? -1,
    });
    report.groupCreated = true;
  }

  const { body } = await requester.request(portalId, { method: 'GET', path: base(objectType) });
  const existing = new Map(propertyListSchema.parse(body).results.map((p) => [p.name, p]));
  for (const spec of properties) {
    const found = existing.get(spec.name);
    if (found) {
      if (found.type === spec.type && found.fieldType === spec.fieldType) report.existing.push(spec.name);
      else {
        report.conflicts.push({
          name: spec.name,
          expected: { type: spec.type, fieldType: spec.fieldType },
          actual: { type: found.type, fieldType: found.fieldType },
        });
      }
      continue;
    }
    await createIgnoringConflict(requester, portalId, base(objectType), {
      name: spec.name,
      label: spec.label,
      description: spec.description,
      type: spec.type,
      fieldType: spec.fieldType,
      groupName: spec.groupName,
      displayOrder: -1,
      formField: false,
      hasUniqueValue: false,
      ...(spec.options
        ? {
            options: spec.options.map((o, i) => ({ ...o, displayOrder: o.displayOrder ?? i, hidden: false })),
          }
        : {}),
    });
    report.created.push(spec.name);
  }
  return report;
}

/** A 409 means another process created it a moment ago: that is the outcome we wanted. */
async function createIgnoringConflict(
  requester: HubSpotRequester,
  portalId: number,
  path: string,
  body: Record<string, unknown>,
): Promise<void> {
  try {
    await requester.request(portalId, { method: 'POST', path, body });
  } catch (error) {
    if (!(error instanceof CrmRequestError && error.httpStatus === 409)) throw error;
  }
}
