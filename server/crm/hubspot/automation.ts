import { z } from 'zod';
import type { TicketSpec } from '../connector.js';
import { HUBSPOT_API_VERSION } from './api-version.js';
import type { HubSpotRequester } from './requester.js';

/** HubSpot's association type of a ticket to its contact. */
const TICKET_TO_CONTACT = 16;
/** The default support pipeline and its first stage ("New"). */
const SUPPORT_PIPELINE = '0';
const NEW_TICKET_STAGE = '1';

const created = z.object({ id: z.string() }).passthrough();

export async function createTicket(
  requester: HubSpotRequester,
  portalId: number,
  ticket: TicketSpec,
): Promise<string> {
  const { body } = await requester.request(portalId, {
    method: 'POST',
    path: `/crm/objects/${HUBSPOT_API_VERSION}/tickets`,
    body: {
      properties: {
        subject: ticket.subject,
        content: ticket.content,
        hs_pipeline: SUPPORT_PIPELINE,
        hs_pipeline_stage: NEW_TICKET_STAGE,
        hs_ticket_priority: ticket.priority,
        ...(ticket.ownerId ? { hubspot_owner_id: ticket.ownerId } : {}),
      },
      associations: [
        {
          to: { id: ticket.contactId },
          types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: TICKET_TO_CONTACT }],
        },
      ],
    },
  });
  return created.parse(body).id;
}

export async function completeActionCallback(
  requester: HubSpotRequester,
  portalId: number,
  callbackId: string,
  outputFields: Record<string, string>,
): Promise<void> {
  await requester.request(portalId, {
    method: 'POST',
    path: `/automation/actions/callbacks/${HUBSPOT_API_VERSION}/${encodeURIComponent(callbackId)}/complete`,
    // The action's outputs, marked as a success the way HubSpot's callback expects.
    body: { outputFields: { ...outputFields, hs_execution_state: 'SUCCESS' } },
  });
}
