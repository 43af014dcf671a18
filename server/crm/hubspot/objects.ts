import { z } from 'zod';
import type {
  AssociationKind,
  BatchUpdateResult,
  CrmObjectType,
  CrmRecord,
  ListOptions,
  Page,
} from '../connector.js';
import { kindOfTypeNames } from './association-types.js';
import { CrmRequestError } from '../errors.js';
import { HUBSPOT_API_VERSION } from './api-version.js';
import type { HubSpotRequester } from './requester.js';

const LIST_LIMIT = 100;
export const BATCH_LIMIT = 100;
/** HubSpot reads fewer records per call when their properties' history is asked for. */
const HISTORY_BATCH_LIMIT = 50;

const publicObjectSchema = z.object({
  id: z.string(),
  properties: z.record(z.string(), z.string().nullable()),
  createdAt: z.string(),
  updatedAt: z.string(),
  archived: z.boolean().optional(),
  propertiesWithHistory: z
    .record(
      z.string(),
      z.array(z.object({ value: z.string().nullable(), timestamp: z.string() }).passthrough()),
    )
    .optional(),
  associations: z
    .record(
      z.string(),
      z
        .object({
          results: z.array(z.object({ id: z.string(), type: z.string().optional() }).passthrough()),
        })
        .passthrough(),
    )
    .optional(),
});
const pagingSchema = z
  .object({ next: z.object({ after: z.string() }).passthrough().optional() })
  .passthrough();
export const listSchema = z.object({ results: z.array(publicObjectSchema), paging: pagingSchema.optional() });
const batchSchema = z.object({
  results: z.array(publicObjectSchema),
  errors: z
    .array(
      z
        .object({ message: z.string(), context: z.record(z.string(), z.array(z.string())).optional() })
        .passthrough(),
    )
    .optional(),
});

type PublicObject = z.infer<typeof publicObjectSchema>;

const objectsPath = (type: CrmObjectType) => `/crm/objects/${HUBSPOT_API_VERSION}/${type}`;

export async function listPage(
  requester: HubSpotRequester,
  portalId: number,
  type: CrmObjectType,
  options: ListOptions,
): Promise<Page<CrmRecord>> {
  const history = options.archived ? [] : (options.propertiesWithHistory ?? []);
  const { body } = await requester.request(portalId, {
    method: 'GET',
    path: objectsPath(type),
    query: {
      limit: history.length > 0 ? HISTORY_BATCH_LIMIT : LIST_LIMIT,
      properties: options.properties,
      ...(history.length > 0 ? { propertiesWithHistory: history } : {}),
      ...(options.associations?.length ? { associations: options.associations } : {}),
      ...(options.after ? { after: options.after } : {}),
      ...(options.archived ? { archived: true } : {}),
    },
  });
  const page = listSchema.parse(body);
  return {
    results: page.results.map(toRecord),
    ...(page.paging?.next ? { next: page.paging.next.after } : {}),
  };
}

export async function batchRead(
  requester: HubSpotRequester,
  portalId: number,
  type: CrmObjectType,
  ids: string[],
  properties: string[],
  options: { propertiesWithHistory?: string[] } = {},
): Promise<CrmRecord[]> {
  const records: CrmRecord[] = [];
  const history = options.propertiesWithHistory ?? [];
  for (const chunk of chunks(ids, history.length > 0 ? HISTORY_BATCH_LIMIT : BATCH_LIMIT)) {
    const { body } = await requester.request(portalId, {
      method: 'POST',
      path: `${objectsPath(type)}/batch/read`,
      body: { inputs: chunk.map((id) => ({ id })), properties, propertiesWithHistory: history },
    });
    records.push(...batchSchema.parse(body).results.map(toRecord));
  }
  return records;
}

export async function batchUpdate(
  requester: HubSpotRequester,
  portalId: number,
  type: CrmObjectType,
  inputs: { id: string; properties: Record<string, string> }[],
): Promise<BatchUpdateResult> {
  const result: BatchUpdateResult = { updated: [], failed: [] };
  for (const chunk of chunks(inputs, BATCH_LIMIT))
    await updateBatch(requester, portalId, type, chunk, result);
  return result;
}

/**
 * One batch update. HubSpot refuses a whole batch (400, VALIDATION_ERROR) when any input holds a
 * value it will not take, and writes none of it: the batch is then sent again in halves until
 * each refused record stands alone, so every other record is written and each refused one is
 * reported with HubSpot's message (one bad record in 100 costs about 14 calls).
 */
async function updateBatch(
  requester: HubSpotRequester,
  portalId: number,
  type: CrmObjectType,
  batch: { id: string; properties: Record<string, string> }[],
  result: BatchUpdateResult,
): Promise<void> {
  let body: unknown;
  try {
    ({ body } = await requester.request(portalId, {
      method: 'POST',
      path: `${objectsPath(type)}/batch/update`,
      body: { inputs: batch },
    }));
  } catch (error) {
    if (!isRefusedValues(error)) throw error;
    if (batch.length === 1) {
      result.failed.push({ id: batch[0]!.id, message: error.message });
      return;
    }
    const half = Math.ceil(batch.length / 2);
    await updateBatch(requester, portalId, type, batch.slice(0, half), result);
    await updateBatch(requester, portalId, type, batch.slice(half), result);
    return;
  }
  const parsed = batchSchema.parse(body);
  const updated = new Set(parsed.results.map((r) => r.id));
  result.updated.push(...updated);
  // A 207 names the ids HubSpot could not find (deleted meanwhile); the rest were written.
  for (const error of parsed.errors ?? []) {
    const named = Object.values(error.context ?? {}).flat();
    const ids = named.length > 0 ? named : batch.map((i) => i.id).filter((id) => !updated.has(id));
    for (const id of ids) if (!updated.has(id)) result.failed.push({ id, message: error.message });
  }
}

/** HubSpot's refusal of the values a batch carries (unknown option, bad number, read-only property…). */
function isRefusedValues(error: unknown): error is CrmRequestError {
  return (
    error instanceof CrmRequestError && error.httpStatus === 400 && error.category === 'VALIDATION_ERROR'
  );
}

export function toRecord(object: PublicObject): CrmRecord {
  const record: CrmRecord = {
    id: object.id,
    properties: object.properties,
    createdAt: object.createdAt,
    updatedAt: object.updatedAt,
    archived: object.archived ?? false,
  };
  if (object.propertiesWithHistory) {
    record.propertiesWithHistory = Object.fromEntries(
      Object.entries(object.propertiesWithHistory).map(([name, values]) => [
        name,
        values.map((v) => ({ value: v.value, timestamp: v.timestamp })),
      ]),
    );
  }
  if (object.associations) {
    const ids: Record<string, string[]> = {};
    const kinds: Record<string, Record<string, AssociationKind>> = {};
    for (const [key, value] of Object.entries(object.associations)) {
      // One entry per type of each association: a primary company comes twice, by two names.
      const names = new Map<string, string[]>();
      for (const result of value.results) {
        names.set(result.id, [...(names.get(result.id) ?? []), ...(result.type ? [result.type] : [])]);
      }
      ids[key] = [...names.keys()];
      kinds[key] = Object.fromEntries([...names].map(([id, types]) => [id, kindOfTypeNames(types)]));
    }
    record.associations = ids as CrmRecord['associations'];
    record.associationKinds = kinds as CrmRecord['associationKinds'];
  }
  return record;
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
