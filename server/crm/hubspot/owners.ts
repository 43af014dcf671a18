import type { CrmOwner } from '../connector.js';
import type { HubSpotRequester } from './requester.js';

/** Owners a page holds (the API's default; a portal rarely has more users than that). */
const PAGE_LIMIT = 100;

/** What the SDK's owners API gives for an owner (`PublicOwner`), as far as we read it. */
interface PublicOwnerFields {
  id: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  userId?: number;
}

/** An owner as the product keeps it: a queue (no user) or a nameless user still has a label. */
export function toCrmOwner(owner: PublicOwnerFields): CrmOwner {
  const name = [owner.firstName, owner.lastName]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join(' ');
  return {
    id: owner.id,
    name: name || owner.email || `Owner ${owner.id}`,
    email: owner.email || null,
    userId: owner.userId === undefined || owner.userId === null ? null : String(owner.userId),
  };
}

/** Every active owner of the portal, page after page, through the SDK's owners API. */
export async function listOwners(requester: HubSpotRequester, portalId: number): Promise<CrmOwner[]> {
  const owners: CrmOwner[] = [];
  let after: string | undefined;
  do {
    const cursor = after;
    const page = await requester.sdkCall(portalId, 'GET /crm/v3/owners', (client) =>
      client.crm.owners.ownersApi.getPage(undefined, cursor, PAGE_LIMIT, false),
    );
    owners.push(...page.results.map(toCrmOwner));
    after = page.paging?.next?.after;
  } while (after);
  return owners;
}
