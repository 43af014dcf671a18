import type { CrmOwner } from '../connector.js';
import { QUERY_PAGE, query } from './objects.js';
import type { SalesforceRequester } from './requester.js';
import { idLiteral } from './soql.js';

/**
 * A record's owner is a User, their Id being both the owner and the user. Inactive users are read
 * too: records keep a user who left as their owner until someone reassigns them.
 */
const USERS = 'SELECT Id, Name, Email, IsActive FROM User';

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** Every user of the org, active or not, 2,000 a query, paged by Id. */
export async function listSalesforceOwners(
  requester: SalesforceRequester,
  portalId: number,
): Promise<CrmOwner[]> {
  const owners: CrmOwner[] = [];
  let after: string | undefined;
  for (;;) {
    const rows = await query(
      requester,
      portalId,
      `${USERS}${after ? ` WHERE Id > ${idLiteral(after)}` : ''} ORDER BY Id LIMIT ${QUERY_PAGE}`,
    );
    for (const row of rows) {
      const id = String(row.Id);
      const email = text(row.Email);
      const active = row.IsActive === true;
      owners.push({
        id,
        name: text(row.Name) ?? email ?? `User ${id}`,
        email,
        // Nobody signs in as an inactive user.
        userId: active ? id : null,
        active,
      });
    }
    if (rows.length < QUERY_PAGE) return owners;
    after = String(rows.at(-1)!.Id);
  }
}
