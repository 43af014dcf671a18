import type { Kysely } from 'kysely';
import type { Database } from '../../server/db/schema.js';
import { newOfferCode } from '../../server/workflows/secrets.js';

/** An unredeemed offer of the portal, valid 30 days, as a workflow action would have issued it. */
export async function issueOffer(
  db: Kysely<Database>,
  portalId: number,
  campaign: string,
  contactId = '1',
): Promise<string> {
  const action = await db
    .insertInto('retention_actions')
    .values({
      portal_id: portalId,
      contact_id: contactId,
      action: 'send-retention-offer',
      campaign_id: campaign,
      callback_id: null,
      group: 'treatment',
      outcome: null,
      completed_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const code = newOfferCode();
  await db
    .insertInto('retention_offers')
    .values({
      portal_id: portalId,
      retention_action_id: action.id,
      contact_id: contactId,
      campaign_id: campaign,
      code,
      offer_type: 'discount',
      discount_percent: 10,
      validity_days: 30,
      expires_at: new Date(Date.now() + 30 * 86_400_000),
    })
    .execute();
  return code;
}
