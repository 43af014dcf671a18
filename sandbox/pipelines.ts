/**
 * Deal and ticket pipelines as HubSpot keeps them: each portal starts with HubSpot's default
 * pipelines (deals `default`, tickets `0`) and may have custom ones with their own stage ids.
 * Whether a record is closed (tickets) or won (deals) is a matter of its stage's metadata:
 * tickets carry `ticketState` OPEN/CLOSED and `isClosed`; deals `isClosed` and `probability`
 * ("1.0" for won, "0.0" for lost).
 */

export const PIPELINE_OBJECT_TYPES = ['deals', 'tickets'] as const;
export type PipelineObjectType = (typeof PIPELINE_OBJECT_TYPES)[number];

export interface SandboxPipelineStage {
  id: string;
  label: string;
  displayOrder: number;
  metadata: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
  archived: boolean;
}

export interface SandboxPipeline {
  id: string;
  label: string;
  displayOrder: number;
  stages: SandboxPipelineStage[];
  createdAt: Date;
  updatedAt: Date;
  archived: boolean;
}

/** The property naming a record's pipeline and the one naming its stage. */
export const PIPELINE_PROPERTIES: Record<PipelineObjectType, { pipeline: string; stage: string }> = {
  deals: { pipeline: 'pipeline', stage: 'dealstage' },
  tickets: { pipeline: 'hs_pipeline', stage: 'hs_pipeline_stage' },
};

/** The pipeline a record lands in when it names none. */
export const DEFAULT_PIPELINE_IDS: Record<PipelineObjectType, string> = { deals: 'default', tickets: '0' };

/** HubSpot dates its default pipelines and their stages at the epoch. */
const SHIPPED_AT = new Date(0);

/** A ticket stage's metadata: its state, and `isClosed` to match. */
export function ticketStageMetadata(state: 'OPEN' | 'CLOSED'): Record<string, string> {
  return { ticketState: state, isClosed: String(state === 'CLOSED') };
}

/** A deal stage's metadata: closed or not, and the chance of winning as HubSpot spells it ("0.2"). */
export function dealStageMetadata(isClosed: boolean, probability: number): Record<string, string> {
  return { isClosed: String(isClosed), probability: probability.toFixed(1) };
}

function stage(
  id: string,
  label: string,
  displayOrder: number,
  metadata: Record<string, string>,
  at = SHIPPED_AT,
): SandboxPipelineStage {
  return { id, label, displayOrder, metadata, createdAt: at, updatedAt: at, archived: false };
}

/** A pipeline with the given stages, in the order given. */
export function pipeline(
  id: string,
  label: string,
  displayOrder: number,
  stages: [id: string, label: string, metadata: Record<string, string>][],
  at = SHIPPED_AT,
): SandboxPipeline {
  return {
    id,
    label,
    displayOrder,
    stages: stages.map(([stageId, stageLabel, metadata], order) =>
      stage(stageId, stageLabel, order, metadata, at),
    ),
    createdAt: at,
    updatedAt: at,
    archived: false,
  };
}

/** The pipelines every portal starts with, as HubSpot ships them. */
export function defaultPipelines(): Map<PipelineObjectType, Map<string, SandboxPipeline>> {
  const deals = pipeline('default', 'Sales Pipeline', 0, [
    ['appointmentscheduled', 'Appointment Scheduled', dealStageMetadata(false, 0.2)],
    ['qualifiedtobuy', 'Qualified To Buy', dealStageMetadata(false, 0.4)],
    ['presentationscheduled', 'Presentation Scheduled', dealStageMetadata(false, 0.6)],
    ['decisionmakerboughtin', 'Decision Maker Bought-In', dealStageMetadata(false, 0.8)],
    ['contractsent', 'Contract Sent', dealStageMetadata(false, 0.9)],
    ['closedwon', 'Closed Won', dealStageMetadata(true, 1)],
    ['closedlost', 'Closed Lost', dealStageMetadata(true, 0)],
  ]);
  const tickets = pipeline('0', 'Support Pipeline', 0, [
    ['1', 'New', ticketStageMetadata('OPEN')],
    ['2', 'Waiting on contact', ticketStageMetadata('OPEN')],
    ['3', 'Waiting on us', ticketStageMetadata('OPEN')],
    ['4', 'Closed', ticketStageMetadata('CLOSED')],
  ]);
  return new Map([
    ['deals', new Map([[deals.id, deals]])],
    ['tickets', new Map([[tickets.id, tickets]])],
  ]);
}

/** A portal's pipelines of one object type, in display order (ties by label, as HubSpot sorts). */
export function pipelinesInOrder(pipelines: Map<string, SandboxPipeline>): SandboxPipeline[] {
  return [...pipelines.values()].sort(
    (a, b) => a.displayOrder - b.displayOrder || a.label.localeCompare(b.label),
  );
}

/**
 * Why a new record's pipeline and stage cannot be: a pipeline the portal does not have, or a stage
 * that is not one of that pipeline's. Null when they fit (or the record names no stage).
 */
export function pipelineProblem(
  pipelines: Map<string, SandboxPipeline>,
  pipelineId: string,
  stageId: string | undefined,
): { name: string; message: string } | null {
  const found = pipelines.get(pipelineId);
  if (!found || found.archived) return { name: 'pipeline', message: `${pipelineId} is not a valid pipeline` };
  if (stageId === undefined || stageId === '') return null;
  if (!found.stages.some((s) => s.id === stageId && !s.archived))
    return { name: 'stage', message: `${stageId} is not a valid stage of pipeline ${pipelineId}` };
  return null;
}
