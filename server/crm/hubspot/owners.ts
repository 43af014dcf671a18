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
  archived?: boolean;
}

/**
 * An owner as the product keeps it: a queue (no user) or a nameless user still has a label. An
 * archived owner is a deactivated user (someone who left): no user signs in as them any more.
 */
export function toCrmOwner(owner: PublicOwnerFields): CrmOwner {
  const name = [owner.firstName, owner.lastName]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join(' ');
  const active = owner.archived !== true;
  return {
    id: owner.id,
    name: name || owner.email || `Owner ${owner.id}`,
    email: owner.email || null,
    userId: !active || owner.userId === undefined || owner.userId === null ? null : String(owner.userId),
    active,
  };
}

/**
 * Every owner of the portal, page after page, through the SDK's owners API: the active ones, then
 * the archived ones (HubSpot lists those only when asked), whom records keep naming until someone
 * reassigns them.
 */
export async function listOwners(requester: HubSpotRequester, portalId: number): Promise<CrmOwner[]> {
  return [
    ...(await listOwnerPages(requester, portalId, false)),
    ...(await listOwnerPages(requester, portalId, true)),
  ];
}

async function listOwnerPages(
  requester: HubSpotRequester,
  portalId: number,
  archived: boolean,
): Promise<CrmOwner[]> {
  const owners: CrmOwner[] = [];
  let after: string | undefined;
  do {
    const cursor = after;
    const page = await requester.sdkCall(portalId, 'GET /crm/v3/owners', (client) =>
      client.crm.owners.ownersApi.getPage(undefined, cursor, PAGE_LIMIT, archived),
    );
    owners.push(...page.results.map(toCrmOwner));
    after = page.paging?.next?.after;
  } while (after);
  return owners;
}
