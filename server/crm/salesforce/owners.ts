import type { CrmOwner } from '../connector.js';
import { QUERY_PAGE, query } from './objects.js';
import type { SalesforceRequester } from './requester.js';
import { idLiteral } from './soql.js';

/** A record's owner is a User: the active ones, their Id being both the owner and the user. */
const ACTIVE_USERS = 'SELECT Id, Name, Email FROM User WHERE IsActive = true';

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** Every active user of the org, 2,000 a query, paged by Id. */
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
      `${ACTIVE_USERS}${after ? ` AND Id > ${idLiteral(after)}` : ''} ORDER BY Id LIMIT ${QUERY_PAGE}`,
    );
    for (const row of rows) {
      const id = String(row.Id);
      const email = text(row.Email);
      owners.push({ id, name: text(row.Name) ?? email ?? `User ${id}`, email, userId: id });
    }
    if (rows.length < QUERY_PAGE) return owners;
    after = String(rows.at(-1)!.Id);
  }
}
