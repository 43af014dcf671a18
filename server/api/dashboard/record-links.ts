import type { Kysely } from 'kysely';
import type { CrmKind, Database } from '../../db/schema.js';

/**
 * Links to a contact's page in the portal's own CRM, from each CRM's URL template: `{portalId}`
 * (the CRM account's id), `{instanceUrl}` (the install's API origin, where the CRM gives one, as
 * Salesforce does) and `{contactId}` are filled in.
 */
export type RecordLinks = (portalId: number) => Promise<(contactId: string) => string>;

export function recordLinks(db: Kysely<Database>, templates: Readonly<Record<CrmKind, string>>): RecordLinks {
  return async (portalId) => {
    const portal = await db
      .selectFrom('portals')
      .leftJoin('oauth_tokens', 'oauth_tokens.portal_id', 'portals.id')
      .select(['portals.crm', 'portals.external_id', 'oauth_tokens.api_base'])
      .where('portals.id', '=', portalId)
      .executeTakeFirstOrThrow();
    const template = templates[portal.crm]
      .replace('{portalId}', encodeURIComponent(portal.external_id))
      .replace('{instanceUrl}', portal.api_base ?? '');
    return (contactId) => template.replace('{contactId}', encodeURIComponent(contactId));
  };
}
