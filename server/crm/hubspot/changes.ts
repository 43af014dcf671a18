/**
 * Records changed since a time, oldest change first, through HubSpot's CRM search.
 *
 * Search pages by offset and stops at 10,000 results (the page that reaches the 10,000th has no
 * `paging.next` though `total` counts every match, and an `after` of 10,000 or more is a 400), and
 * an offset shifts when a record changes while the pages are read: the record moves to the end
 * and the one after it slides onto a page already read. So no page here uses an offset: each is
 * a new query from the last change time returned (`GTE`, ascending by the modified date, 200
 * records), and any number of changes, and any change made meanwhile, is read without a gap.
 *
 * - A full page hands back only the records before its last instant: the records at that instant
 *   (usually one) come again at the head of the next page, so none is lost when a page ends
 *   inside a tie.
 * - A full page all at one instant (an import) is read again at that instant in id order
 *   (`EQ` the instant, `hs_object_id GT` the last id), however many records share it.
 *
 * The cursor (`next`) names where the next page starts: `<ms>` for changes at or after that
 * instant, `<ms>:<id>` for the records at that instant after that id.
 */
import { z } from 'zod';
import type { ChangedPage, CrmObjectType, CrmRecord, ModifiedSinceOptions } from '../connector.js';
import { CrmRequestError } from '../errors.js';
import { HUBSPOT_API_VERSION } from './api-version.js';
import { listSchema, toRecord } from './objects.js';
import type { HubSpotRequester } from './requester.js';

const SEARCH_LIMIT = 200;
const searchSchema = listSchema.extend({ total: z.number() });

const cursorSchema = z
  .string()
  .regex(/^\d+(:\d+)?$/)
  .transform((value) => {
    const [at, afterId] = value.split(':');
    return { at: Number(at), ...(afterId !== undefined ? { afterId } : {}) };
  });
type ChangesCursor = z.infer<typeof cursorSchema>;

/** The property HubSpot stamps on every change: contacts keep the older name. */
export function lastModifiedProperty(type: CrmObjectType): string {
  return type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate';
}

export async function modifiedSincePage(
  requester: HubSpotRequester,
  portalId: number,
  type: CrmObjectType,
  options: ModifiedSinceOptions,
): Promise<ChangedPage> {
  const cursor = options.after ? parseCursor(options.after) : { at: options.since.getTime() };
  const modified = lastModifiedProperty(type);
  const tie = cursor.afterId !== undefined;
  const filters = tie
    ? [
        { propertyName: modified, operator: 'EQ', value: String(cursor.at) },
        { propertyName: 'hs_object_id', operator: 'GT', value: cursor.afterId },
      ]
    : [{ propertyName: modified, operator: 'GTE', value: String(cursor.at) }];
  const { body } = await requester.request(portalId, {
    method: 'POST',
    path: `/crm/objects/${HUBSPOT_API_VERSION}/${type}/search`,
    kind: 'search',
    body: {
      filterGroups: [{ filters }],
      sorts: [{ propertyName: tie ? 'hs_object_id' : modified, direction: 'ASCENDING' }],
      properties: [...new Set([...options.properties, modified])],
      limit: SEARCH_LIMIT,
    },
  });
  const records = searchSchema.parse(body).results.map(toRecord);
  if (tie) {
    const last = records.at(-1);
    if (records.length === SEARCH_LIMIT && last) return { results: records, next: `${cursor.at}:${last.id}` };
    return { results: records, next: String(cursor.at + 1) };
  }
  if (records.length < SEARCH_LIMIT) return { results: records };
  const instant = (record: CrmRecord) => changedAt(record, modified);
  const lastAt = instant(records.at(-1)!);
  const before = records.filter((record) => instant(record) < lastAt);
  // A page all at one instant: read that instant again, in id order.
  if (before.length === 0) return { results: [], next: `${lastAt}:0` };
  return { results: before, next: String(lastAt) };
}

function parseCursor(after: string): ChangesCursor {
  const parsed = cursorSchema.safeParse(after);
  if (!parsed.success) throw new CrmRequestError(400, `Not a changes cursor: ${after}`);
  return parsed.data;
}

/** When the record last changed, by the property the search sorted on (epoch ms). */
function changedAt(record: CrmRecord, modified: string): number {
  const raw = record.properties[modified] ?? record.updatedAt;
  const at = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(at))
    throw new CrmRequestError(502, `HubSpot sent ${modified} "${raw}" on ${record.id}`);
  return at;
}
