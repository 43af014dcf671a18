import { z } from 'zod';
import type { PropertyGroupSpec, TicketSpec } from '../connector.js';
import { CrmRequestError } from '../errors.js';
import { HUBSPOT_API_VERSION } from './api-version.js';
import { listHubSpotPipelines } from './pipelines.js';
import { ensureHubSpotProperties, type HubSpotPropertySpec } from './properties.js';
import type { HubSpotRequester } from './requester.js';

/** How long a portal's support pipeline is taken as read before it is read again. */
const SUPPORT_PIPELINE_TTL_MS = 10 * 60_000;

/** The app's property group, on tickets as on contacts and companies. */
export const TICKET_PROPERTY_GROUP: PropertyGroupSpec = {
  name: 'churn_risk',
  label: 'Churn risk',
  displayOrder: -1,
};

/**
 * The key of the retention action that opened a ticket. Its values are unique, so tickets are
 * upserted by it: sent again (a retry after a lost answer, a job run twice), the create finds the
 * ticket the first one opened. `crmProperties.tickets` in app/manifest.json declares the same.
 */
export const TICKET_KEY_PROPERTY: HubSpotPropertySpec = {
  name: 'churn_radar_action_key',
  label: 'Churn Radar action key',
  description:
    'The Churn Radar retention action that opened this ticket. Unique, so one action never opens two tickets. Written by Churn Radar.',
  type: 'string',
  fieldType: 'text',
  groupName: TICKET_PROPERTY_GROUP.name,
  hasUniqueValue: true,
};

const upserted = z.object({
  results: z.array(z.object({ id: z.string(), new: z.boolean().optional() }).passthrough()),
  errors: z.array(z.object({ message: z.string() }).passthrough()).optional(),
});

/** Portals whose ticket key property this process has seen in place, per requester. */
const keyPropertyReady = new WeakMap<HubSpotRequester, Set<number>>();

/**
 * Creates the ticket key property where it is missing (a portal installed before tickets were
 * keyed), once per process and portal; a property of that name of another type, or without unique
 * values, is refused.
 */
async function ensureTicketKeyProperty(requester: HubSpotRequester, portalId: number): Promise<void> {
  let ready = keyPropertyReady.get(requester);
  if (!ready) keyPropertyReady.set(requester, (ready = new Set()));
  if (ready.has(portalId)) return;
  const report = await ensureHubSpotProperties(requester, portalId, 'tickets', TICKET_PROPERTY_GROUP, [
    TICKET_KEY_PROPERTY,
  ]);
  if (report.conflicts.length > 0) {
    throw new CrmRequestError(
      409,
      `The ticket property ${TICKET_KEY_PROPERTY.name} exists as another type or without unique values, so tickets cannot be opened once per action; delete it and Churn Radar creates it again.`,
    );
  }
  ready.add(portalId);
}

interface SupportStage {
  pipelineId: string;
  stageId: string;
  readAt: number;
}

/** Each portal's support pipeline and its first open stage, per requester, as last read. */
const supportStages = new WeakMap<HubSpotRequester, Map<number, SupportStage>>();

/**
 * Where a new support ticket goes: the portal's first ticket pipeline by display order (HubSpot's
 * support pipeline unless the portal reordered them) and its first open stage. Portals have
 * custom pipelines with their own stage ids, so neither is assumed.
 */
async function supportStage(requester: HubSpotRequester, portalId: number, now = Date.now()) {
  let known = supportStages.get(requester);
  if (!known) supportStages.set(requester, (known = new Map()));
  const cached = known.get(portalId);
  if (cached && now - cached.readAt < SUPPORT_PIPELINE_TTL_MS) return cached;
  const pipelines = await listHubSpotPipelines(requester, portalId, 'tickets');
  for (const pipeline of pipelines) {
    const open = pipeline.stages.find((stage) => !stage.isClosed);
    if (!open) continue;
    const found = { pipelineId: pipeline.id, stageId: open.id, readAt: now };
    known.set(portalId, found);
    return found;
  }
  throw new CrmRequestError(
    409,
    'The portal has no ticket pipeline with an open stage, so Churn Radar cannot open a support ticket; add one in HubSpot.',
  );
}

/**
 * Opens the action's ticket (or finds the one an earlier try opened: an upsert by its key), then
 * associates it with the contact; both calls are safe to repeat.
 */
export async function createTicket(
  requester: HubSpotRequester,
  portalId: number,
  ticket: TicketSpec,
): Promise<string> {
  await ensureTicketKeyProperty(requester, portalId);
  const ticketId = await upsertTicket(requester, portalId, ticket);
  await requester.request(portalId, {
    method: 'PUT',
    path: `/crm/objects/${HUBSPOT_API_VERSION}/tickets/${encodeURIComponent(ticketId)}/associations/default/contacts/${encodeURIComponent(ticket.contactId)}`,
  });
  return ticketId;
}

async function upsertTicket(
  requester: HubSpotRequester,
  portalId: number,
  ticket: TicketSpec,
): Promise<string> {
  const key = TICKET_KEY_PROPERTY.name;
  const stage = await supportStage(requester, portalId);
  let body: unknown;
  try {
    ({ body } = await requester.request(portalId, {
      method: 'POST',
      path: `/crm/objects/${HUBSPOT_API_VERSION}/tickets/batch/upsert`,
      body: {
        inputs: [
          {
            idProperty: key,
            id: ticket.idempotencyKey,
            properties: {
              [key]: ticket.idempotencyKey,
              subject: ticket.subject,
              content: ticket.content,
              hs_pipeline: stage.pipelineId,
              hs_pipeline_stage: stage.stageId,
              hs_ticket_priority: ticket.priority,
              ...(ticket.ownerId ? { hubspot_owner_id: ticket.ownerId } : {}),
            },
          },
        ],
      },
    }));
  } catch (error) {
    // The key property, or the pipeline, may have been deleted since: the next try reads them again.
    if (error instanceof CrmRequestError) {
      keyPropertyReady.get(requester)?.delete(portalId);
      supportStages.get(requester)?.delete(portalId);
    }
    throw error;
  }
  const answer = upserted.parse(body);
  const result = answer.results[0];
  if (!result) {
    const why = answer.errors?.[0]?.message ?? 'no result';
    throw new CrmRequestError(400, `HubSpot did not open the ticket: ${why}`);
  }
  return result.id;
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
