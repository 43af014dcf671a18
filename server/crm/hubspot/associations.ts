import { z } from 'zod';
import { AssociatedIds, type CrmObjectType } from '../connector.js';
import { kindOfTypeIds } from './association-types.js';
import { HUBSPOT_API_VERSION } from './api-version.js';
import { chunks } from './objects.js';
import type { HubSpotRequester } from './requester.js';

/** HubSpot reads associations of up to 1,000 records per call. */
const BATCH_LIMIT = 1000;

const batchSchema = z.object({
  results: z.array(
    z.object({
      from: z.object({ id: z.string() }),
      to: z.array(
        z
          .object({
            toObjectId: z.union([z.string(), z.number()]),
            associationTypes: z.array(z.object({ typeId: z.number().int() }).passthrough()).optional(),
          })
          .passthrough(),
      ),
      paging: z
        .object({ next: z.object({ after: z.string() }).passthrough().optional() })
        .passthrough()
        .optional(),
    }),
  ),
});

/**
 * Associated ids per `from` record, following each record's own paging until it ends, with each
 * association's types (a contact's primary company is linked by typeId 1 and 279).
 */
export async function readAssociations(
  requester: HubSpotRequester,
  portalId: number,
  from: CrmObjectType,
  to: CrmObjectType,
  fromIds: string[],
): Promise<AssociatedIds> {
  const linked = new AssociatedIds(fromIds.map((id) => [id, []]));
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
        const kinds = linked.kinds.get(result.from.id) ?? {};
        for (const to of result.to) {
          const id = String(to.toObjectId);
          if (!(id in kinds)) list.push(id);
          const typeIds = [
            ...(kinds[id]?.typeIds ?? []),
            ...(to.associationTypes ?? []).map((t) => t.typeId),
          ];
          kinds[id] = kindOfTypeIds(typeIds);
        }
        linked.set(result.from.id, list);
        linked.kinds.set(result.from.id, kinds);
        const after = result.paging?.next?.after;
        if (after) next.push({ id: result.from.id, after });
      }
    }
    pending = next;
  }
  return linked;
}
