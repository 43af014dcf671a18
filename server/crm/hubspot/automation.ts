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
 * The key of the retention action that opened a ticket. Its values are unique, so a create sent
 * again (a retry after a lost answer, a job run twice, a replayed callback) is refused and the
 * ticket the first one opened is read by it. `crmProperties.tickets` in app/manifest.json declares the same.
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

const createdTicket = z.object({ id: z.string() }).passthrough();
const readByKey = z.object({ results: z.array(z.object({ id: z.string() }).passthrough()) }).passthrough();

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
 * Opens the action's ticket (or finds the one an earlier try opened, by its key), then associates
 * it with the contact; both calls are safe to repeat.
 */
export async function createTicket(
  requester: HubSpotRequester,
  portalId: number,
  ticket: TicketSpec,
): Promise<string> {
  await ensureTicketKeyProperty(requester, portalId);
  const ticketId = await openTicketOnce(requester, portalId, ticket);
  await requester.request(portalId, {
    method: 'PUT',
    path: `/crm/objects/${HUBSPOT_API_VERSION}/tickets/${encodeURIComponent(ticketId)}/associations/default/contacts/${encodeURIComponent(ticket.contactId)}`,
  });
  return ticketId;
}

/**
 * Creates the ticket; when the create is refused because its key is already held (an earlier try
 * whose answer was lost, a job run again, a workflow callback replayed, another worker racing this
 * one), the ticket holding the key is read and left as it is. An upsert would send the pipeline and
 * stage again and so reopen a ticket an agent has closed since.
 */
async function openTicketOnce(
  requester: HubSpotRequester,
  portalId: number,
  ticket: TicketSpec,
): Promise<string> {
  const stage = await supportStage(requester, portalId);
  try {
    return await createKeyedTicket(requester, portalId, ticket, stage);
  } catch (error) {
    if (!(error instanceof CrmRequestError)) throw error;
    const existing = await ticketIdByKey(requester, portalId, ticket.idempotencyKey).catch(
      (readError: unknown) => {
        if (readError instanceof CrmRequestError) return undefined;
        throw readError;
      },
    );
    if (existing) return existing;
    // The key property, or the pipeline, may have been deleted since: the next try reads them again.
    keyPropertyReady.get(requester)?.delete(portalId);
    supportStages.get(requester)?.delete(portalId);
    throw error;
  }
}

async function createKeyedTicket(
  requester: HubSpotRequester,
  portalId: number,
  ticket: TicketSpec,
  stage: SupportStage,
): Promise<string> {
  const { body } = await requester.request(portalId, {
    method: 'POST',
    path: `/crm/objects/${HUBSPOT_API_VERSION}/tickets`,
    body: {
      properties: {
        [TICKET_KEY_PROPERTY.name]: ticket.idempotencyKey,
        subject: ticket.subject,
        content: ticket.content,
        hs_pipeline: stage.pipelineId,
        hs_pipeline_stage: stage.stageId,
        hs_ticket_priority: ticket.priority,
        ...(ticket.ownerId ? { hubspot_owner_id: ticket.ownerId } : {}),
      },
      associations: [],
    },
  });
  return createdTicket.parse(body).id;
}

/** The id of the live ticket whose key property holds `key`, if any (a batch read by `idProperty`). */
async function ticketIdByKey(
  requester: HubSpotRequester,
  portalId: number,
  key: string,
): Promise<string | undefined> {
  const { body } = await requester.request(portalId, {
    method: 'POST',
    path: `/crm/objects/${HUBSPOT_API_VERSION}/tickets/batch/read`,
    body: {
      idProperty: TICKET_KEY_PROPERTY.name,
      inputs: [{ id: key }],
      properties: [TICKET_KEY_PROPERTY.name],
      propertiesWithHistory: [],
    },
  });
  return readByKey.parse(body).results[0]?.id;
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
