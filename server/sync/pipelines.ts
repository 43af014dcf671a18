import type { Insertable, Kysely } from 'kysely';
import { stageKey, type CrmConnector, type CrmPipeline, type PipelineStages } from '../crm/connector.js';
import { json } from '../db/json.js';
import type { Database, PipelineStagesTable } from '../db/schema.js';

export interface PipelinesSyncResult {
  pipelines: number;
  stages: number;
}

/** A pipeline's stages as the warehouse keeps them, one row each. */
export function mapPipelineStages(
  pipeline: CrmPipeline,
  portalId: number,
): Insertable<PipelineStagesTable>[] {
  return pipeline.stages.map((stage) => ({
    portal_id: portalId,
    object_type: pipeline.objectType,
    pipeline_id: pipeline.id,
    pipeline_label: pipeline.label,
    pipeline_order: pipeline.displayOrder,
    stage_id: stage.id,
    stage_label: stage.label,
    stage_order: stage.displayOrder,
    is_closed: stage.isClosed,
    is_won: pipeline.objectType === 'deals' ? stage.isWon : null,
    metadata: json(stage.metadata),
  }));
}

/**
 * Reads the portal's deal and ticket pipelines whole (a portal has a handful) and makes
 * `pipeline_stages` hold exactly their stages, in one transaction. A CRM whose records carry their
 * own closed and won state has no pipelines to read, and the table stays empty for it.
 */
export async function syncPipelines(
  deps: { db: Kysely<Database>; connector: CrmConnector },
  portalId: number,
): Promise<PipelinesSyncResult> {
  if (!deps.connector.pipelines) return { pipelines: 0, stages: 0 };
  const pipelines = await deps.connector.pipelines(portalId);
  const rows = pipelines.flatMap((pipeline) => mapPipelineStages(pipeline, portalId));
  await deps.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('pipeline_stages').where('portal_id', '=', portalId).execute();
    if (rows.length > 0) await trx.insertInto('pipeline_stages').values(rows).execute();
  });
  return { pipelines: pipelines.length, stages: rows.length };
}

/** When the portal's pipelines were last read, or null if never (or the CRM has none). */
export async function pipelinesSyncedAt(db: Kysely<Database>, portalId: number): Promise<Date | null> {
  const row = await db
    .selectFrom('pipeline_stages')
    .select((eb) => eb.fn.min('synced_at').as('at'))
    .where('portal_id', '=', portalId)
    .executeTakeFirst();
  return row?.at ? new Date(row.at) : null;
}

/** What each synced stage of the portal means, for the CRM's mapper; empty before the first sync. */
export async function loadPipelineStages(db: Kysely<Database>, portalId: number): Promise<PipelineStages> {
  const rows = await db
    .selectFrom('pipeline_stages')
    .select(['object_type', 'pipeline_id', 'stage_id', 'is_closed', 'is_won'])
    .where('portal_id', '=', portalId)
    .execute();
  return new Map(
    rows.map((row) => [
      stageKey(row.object_type, row.pipeline_id, row.stage_id),
      { isClosed: row.is_closed, isWon: row.is_won },
    ]),
  );
}
