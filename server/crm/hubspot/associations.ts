import { z } from 'zod';
import type { CrmObjectType } from '../connector.js';
import { HUBSPOT_API_VERSION } from './api-version.js';
import { chunks } from './objects.js';
import type { HubSpotRequester } from './requester.js';

/** HubSpot reads associations of up to 1,000 records per call. */
const BATCH_LIMIT = 1000;

const batchSchema = z.object({
  results: z.array(
    z.object({
      from: z.object({ id: z.string() }),
      to: z.array(z.object({ toObjectId: z.union([z.string(), z.number()]) }).passthrough()),
      paging: z
        .object({ next: z.object({ after: z.string() }).passthrough().optional() })
        .passthrough()
        .optional(),
    }),
  ),
});

/** Associated ids per `from` record, following each record's own paging until it ends. */
export async function readAssociations(
  requester: HubSpotRequester,
  portalId: number,
  from: CrmObjectType,
  to: CrmObjectType,
  fromIds: string[],
): Promise<Map<string, string[]>> {
  const linked = new Map<string, string[]>(fromIds.map((id) => [id, []]));
  let pending: { id: string; after?: string }[] = fromIds.map((id) => ({ id }));
  while (pending.length > 0) {
    const next: { id: string; after: string }[] = [];
    for (const chunk of chunks(pending, BATCH_LIMIT)) {
      const { body } = await requester.request(portalId, {
        method: 'POST',
        path: `/crm/associations/${HUBSPOT_API_VERSION}/${from}/${to}/batch/read`,
        body: { inputs: chunk.map((i) => (i.after ? { id: i.id, after: i.after } : { id: i.id })) },
      });
      for (const result of batchSchema.parse(body).results) {
        const list = linked.get(result.from.id) ?? [];
        list.push(...result.to.map((t) => String(t.toObjectId)));
        linked.set(result.from.id, list);
        const after = result.paging?.next?.after;
        if (after) next.push({ id: result.from.id, after });
      }
    }
    pending = next;
  }
  return linked;
}
