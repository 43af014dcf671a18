/**
 * Each generated portal's custom pipelines, beside HubSpot's defaults: a ticket pipeline and a
 * deal pipeline whose stage ids are the numeric ids HubSpot gives custom stages, drawn from the
 * seed. A share of tickets and of renewals won are filed in them, picked by a hash of the record's
 * key, so the choice draws nothing from the customers' random streams.
 *
 * The pipeline and stage properties' options list every pipeline and stage, as HubSpot's do.
 */
import { seedDefaultProperties } from '../default-properties.js';
import {
  dealStageMetadata,
  pipeline,
  PIPELINE_OBJECT_TYPES,
  PIPELINE_PROPERTIES,
  ticketStageMetadata,
  type SandboxPipeline,
} from '../pipelines.js';
import type { PortalData } from '../store.js';
import { TICKET_PIPELINE, TICKET_STAGES } from './properties.js';
import type { Random } from './random.js';

/** Shares of tickets and of won renewals filed in the custom pipelines. */
const CUSTOM_TICKET_SHARE = 0.08;
const CUSTOM_DEAL_SHARE = 0.15;

const TICKET_PIPELINE_LABELS = ['Billing & accounts', 'Technical escalations', 'Onboarding help'];
const DEAL_PIPELINE_LABELS = ['Renewals', 'Account management', 'Customer success renewals'];

type TicketStage = keyof typeof TICKET_STAGES;

interface CustomPipelines {
  tickets: SandboxPipeline;
  /** The custom ticket stage standing for each default one. */
  ticketStages: Record<TicketStage, string>;
  deals: SandboxPipeline;
  wonStage: string;
}

const customOf = new WeakMap<PortalData, CustomPipelines>();

/** A numeric id as HubSpot gives custom pipelines and stages, from 100,000,000 up. */
const numericId = (rng: Random) => String(rng.int(100_000_000, 999_999_999));

/** Adds the portal's custom ticket and deal pipelines, and lists them in the properties' options. */
export function addCustomPipelines(portal: PortalData, rng: Random, at: Date): void {
  const ids = Array.from({ length: 9 }, () => numericId(rng));
  const [ticketPipelineId, newId, waitingId, workingId, closedId] = ids as [
    string,
    string,
    string,
    string,
    string,
  ];
  const [dealPipelineId, proposalId, wonId, lostId] = ids.slice(5) as [string, string, string, string];
  const tickets = pipeline(
    ticketPipelineId,
    rng.pick(TICKET_PIPELINE_LABELS),
    1,
    [
      [newId, 'Received', ticketStageMetadata('OPEN')],
      [waitingId, 'Waiting on customer', ticketStageMetadata('OPEN')],
      [workingId, 'In progress', ticketStageMetadata('OPEN')],
      [closedId, 'Resolved', ticketStageMetadata('CLOSED')],
    ],
    at,
  );
  const deals = pipeline(
    dealPipelineId,
    rng.pick(DEAL_PIPELINE_LABELS),
    1,
    [
      [proposalId, 'Renewal proposed', dealStageMetadata(false, 0.7)],
      [wonId, 'Renewed', dealStageMetadata(true, 1)],
      [lostId, 'Not renewed', dealStageMetadata(true, 0)],
    ],
    at,
  );
  portal.pipelines.get('tickets')!.set(tickets.id, tickets);
  portal.pipelines.get('deals')!.set(deals.id, deals);
  customOf.set(portal, {
    tickets,
    ticketStages: { new: newId, waitingOnContact: waitingId, waitingOnUs: workingId, closed: closedId },
    deals,
    wonStage: wonId,
  });
  listPipelinesInOptions(portal);
}

/** Makes the pipeline and stage properties' options those of the portal's pipelines. */
function listPipelinesInOptions(portal: PortalData): void {
  seedDefaultProperties(portal);
  for (const type of PIPELINE_OBJECT_TYPES) {
    const definitions = portal.properties.get(type)!;
    const names = PIPELINE_PROPERTIES[type];
    const pipelines = [...portal.pipelines.get(type)!.values()];
    const pipelineProperty = definitions.get(names.pipeline);
    if (pipelineProperty) {
      pipelineProperty.options = pipelines.map((p, displayOrder) => ({
        label: p.label,
        value: p.id,
        displayOrder,
        hidden: false,
      }));
    }
    const stageProperty = definitions.get(names.stage);
    if (stageProperty) {
      stageProperty.options = pipelines
        .flatMap((p) => p.stages)
        .map((s, displayOrder) => ({ label: s.label, value: s.id, displayOrder, hidden: false }));
    }
  }
}

/** A share of keys, the same for the same key and portal, about `share` of them. */
function inShare(key: string, salt: string, share: number): boolean {
  let hash = 0x811c9dc5;
  for (const char of `${salt}:${key}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return hash / 0x1_0000_0000 < share;
}

/** The pipeline and stage a ticket is filed in: the support pipeline, or for some the custom one. */
export function ticketPlacement(
  portal: PortalData,
  key: string,
  stage: TicketStage,
): { hs_pipeline: string; hs_pipeline_stage: string } {
  const custom = customOf.get(portal);
  if (custom && inShare(key, custom.tickets.id, CUSTOM_TICKET_SHARE))
    return { hs_pipeline: custom.tickets.id, hs_pipeline_stage: custom.ticketStages[stage] };
  return { hs_pipeline: TICKET_PIPELINE, hs_pipeline_stage: TICKET_STAGES[stage] };
}

/** Where a renewal that was won is filed: the sales pipeline, or for some the custom one. */
export function wonRenewalPlacement(
  portal: PortalData,
  key: string,
): { pipeline: string; dealstage: string } {
  const custom = customOf.get(portal);
  if (custom && inShare(key, custom.deals.id, CUSTOM_DEAL_SHARE))
    return { pipeline: custom.deals.id, dealstage: custom.wonStage };
  return { pipeline: 'default', dealstage: 'closedwon' };
}
