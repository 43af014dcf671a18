import { CrmRequestError } from '../crm/errors.js';
import { fullSyncObject, type ObjectSyncResult, type SyncDeps } from './full-sync.js';
import { incrementalSyncObject } from './incremental-sync.js';
import { loadPortalSettings } from '../settings/portal-settings.js';
import { loadPipelineStages, pipelinesSyncedAt, syncPipelines } from './pipelines.js';

export type SyncMode = 'full' | 'incremental';

/** Pipelines change seldom: an incremental sync reads them again once they are this old. */
const PIPELINES_MAX_AGE_MS = 6 * 60 * 60_000;

/**
 * Reads the portal's pipelines at a full sync, and at an incremental one when they were never
 * read or are stale. A CRM that refuses to list them (a scope the install lacks) leaves the stored
 * ones in place: records in stages they do not know keep the CRM's own closed and won flags.
 */
async function refreshPipelines(deps: SyncDeps, portalId: number, mode: SyncMode): Promise<void> {
  if (!deps.connector.pipelines) return;
  const syncedAt = mode === 'full' ? null : await pipelinesSyncedAt(deps.db, portalId);
  if (syncedAt && Date.now() - syncedAt.getTime() < PIPELINES_MAX_AGE_MS) return;
  try {
    await syncPipelines(deps, portalId);
  } catch (error) {
    if (!(error instanceof CrmRequestError)) throw error;
  }
}

/**
 * Syncs every object type of a portal. The portal's pipelines come first, so deals and tickets
 * are mapped with what their stages mean; then the types run side by side: each is independent,
 * and the portal's rate limit, shared by all of them, keeps the pace.
 */
export async function syncPortal(
  deps: SyncDeps,
  portalId: number,
  mode: SyncMode,
): Promise<ObjectSyncResult[]> {
  const { churnRule } = await loadPortalSettings(deps.db, portalId);
  await refreshPipelines(deps, portalId, mode);
  const stages = await loadPipelineStages(deps.db, portalId);
  return Promise.all(
    deps.connector
      .recordSpecs(churnRule, stages.size > 0 ? stages : undefined)
      .map((spec) =>
        mode === 'full' ? fullSyncObject(deps, portalId, spec) : incrementalSyncObject(deps, portalId, spec),
      ),
  );
}
