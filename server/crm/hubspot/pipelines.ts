/**
 * HubSpot's deal and ticket pipelines (`GET /crm/pipelines/2026-03/{objectType}`, readable with the
 * `tickets` and `crm.objects.deals.read` scopes the app holds), and what their stages mean: a
 * ticket stage is closed when its metadata says `ticketState: CLOSED` (or `isClosed: "true"`); a
 * deal stage is closed when `isClosed` is "true", and won when it is closed at probability 1.0.
 */
import { z } from 'zod';
import type { CrmPipeline, CrmPipelineStage, PipelineObjectType } from '../connector.js';
import { CrmRequestError } from '../errors.js';
import { HUBSPOT_API_VERSION } from './api-version.js';
import type { HubSpotRequester } from './requester.js';

const stageSchema = z
  .object({
    id: z.string().min(1),
    label: z.string(),
    displayOrder: z.number(),
    archived: z.boolean().optional(),
    metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  })
  .passthrough();
const pipelineSchema = z
  .object({
    id: z.string().min(1),
    label: z.string(),
    displayOrder: z.number(),
    archived: z.boolean().optional(),
    stages: z.array(stageSchema),
  })
  .passthrough();
const pipelinesSchema = z.object({ results: z.array(pipelineSchema) }).passthrough();

const byDisplayOrder = <T extends { displayOrder: number; label: string }>(a: T, b: T) =>
  a.displayOrder - b.displayOrder || a.label.localeCompare(b.label);

/** A stage's metadata as strings, the way HubSpot sends it ("true", "1.0"). */
function metadataOf(stage: z.infer<typeof stageSchema>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(stage.metadata ?? {})
      .filter(([, value]) => value !== null)
      .map(([name, value]) => [name, String(value)]),
  );
}

/** What a stage means for the records in it, from its metadata. */
export function stageMeaning(
  type: PipelineObjectType,
  metadata: Record<string, string>,
): Pick<CrmPipelineStage, 'isClosed' | 'isWon'> {
  const flagged = metadata.isClosed?.toLowerCase() === 'true';
  if (type === 'tickets') {
    const state = metadata.ticketState?.toUpperCase();
    return { isClosed: state === undefined ? flagged : state === 'CLOSED', isWon: null };
  }
  const probability = Number(metadata.probability);
  return { isClosed: flagged, isWon: flagged && probability === 1 };
}

/** HubSpot's pipeline as the connector gives it: live stages only, in display order. */
export function toCrmPipeline(
  type: PipelineObjectType,
  pipeline: z.infer<typeof pipelineSchema>,
): CrmPipeline {
  return {
    objectType: type,
    id: pipeline.id,
    label: pipeline.label,
    displayOrder: pipeline.displayOrder,
    stages: pipeline.stages
      .filter((stage) => !stage.archived)
      .sort(byDisplayOrder)
      .map((stage) => {
        const metadata = metadataOf(stage);
        return {
          id: stage.id,
          label: stage.label,
          displayOrder: stage.displayOrder,
          ...stageMeaning(type, metadata),
          metadata,
        };
      }),
  };
}

/** The portal's live pipelines of one object type, in display order. */
export async function listHubSpotPipelines(
  requester: HubSpotRequester,
  portalId: number,
  type: PipelineObjectType,
): Promise<CrmPipeline[]> {
  const { body } = await requester.request(portalId, {
    method: 'GET',
    path: `/crm/pipelines/${HUBSPOT_API_VERSION}/${type}`,
  });
  const parsed = pipelinesSchema.safeParse(body);
  if (!parsed.success)
    throw new CrmRequestError(502, `HubSpot's ${type} pipelines could not be read: ${parsed.error.message}`);
  return parsed.data.results
    .filter((pipeline) => !pipeline.archived)
    .sort(byDisplayOrder)
    .map((pipeline) => toCrmPipeline(type, pipeline));
}

/** Deal pipelines, then ticket pipelines. */
export async function listAllHubSpotPipelines(
  requester: HubSpotRequester,
  portalId: number,
): Promise<CrmPipeline[]> {
  const [deals, tickets] = await Promise.all([
    listHubSpotPipelines(requester, portalId, 'deals'),
    listHubSpotPipelines(requester, portalId, 'tickets'),
  ]);
  return [...deals, ...tickets];
}
