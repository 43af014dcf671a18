import { z } from 'zod';
import type { EnsurePropertiesReport, PropertyGroupSpec, PropertySpec } from '../connector.js';
import { CrmRequestError } from '../errors.js';
import { HUBSPOT_API_VERSION } from './api-version.js';
import type { HubSpotRequester } from './requester.js';

const propertyListSchema = z.object({
  results: z.array(
    z
      .object({
        name: z.string(),
        type: z.string(),
        fieldType: z.string(),
        hasUniqueValue: z.boolean().optional(),
        options: z.array(z.object({ value: z.string() }).passthrough()).optional(),
      })
      .passthrough(),
  ),
});

const base = (objectType: string) => `/crm/properties/${HUBSPOT_API_VERSION}/${objectType}`;

/** A property as the app creates it in HubSpot; a unique one can name records (`idProperty`). */
export interface HubSpotPropertySpec extends PropertySpec {
  hasUniqueValue?: boolean;
}

/** How a unique property is shown in a conflict, so the admin sees what differs. */
const uniquely = (fieldType: string) => `${fieldType} (unique values)`;

export async function ensureHubSpotProperties(
  requester: HubSpotRequester,
  portalId: number,
  objectType: string,
  group: PropertyGroupSpec,
  properties: HubSpotPropertySpec[],
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
    if (found && spec.hasUniqueValue && found.hasUniqueValue !== true) {
      // Without unique values it cannot name one record, so no upsert can be made by it.
      report.conflicts.push({
        name: spec.name,
        expected: { type: spec.type, fieldType: uniquely(spec.fieldType) },
        actual: { type: found.type, fieldType: found.fieldType },
      });
      continue;
    }
    if (found) {
      if (found.type === spec.type && found.fieldType === spec.fieldType) {
        report.existing.push(spec.name);
        await addMissingOptions(requester, portalId, objectType, spec, found.options ?? []);
      } else {
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
      hasUniqueValue: spec.hasUniqueValue ?? false,
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

/**
 * An option list that grew in a later release (a new tier value) is completed in place: the
 * admin's own options stay, ours are added after them.
 */
async function addMissingOptions(
  requester: HubSpotRequester,
  portalId: number,
  objectType: string,
  spec: PropertySpec,
  existing: { value: string }[],
): Promise<void> {
  if (!spec.options) return;
  const have = new Set(existing.map((o) => o.value));
  const missing = spec.options.filter((o) => !have.has(o.value));
  if (missing.length === 0) return;
  await requester.request(portalId, {
    method: 'PATCH',
    path: `${base(objectType)}/${encodeURIComponent(spec.name)}`,
    body: {
      options: [
        ...existing,
        ...missing.map((o, i) => ({ ...o, displayOrder: existing.length + i, hidden: false })),
      ],
    },
  });
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
