import { fullSyncObject, type ObjectSyncResult, type SyncDeps } from './full-sync.js';
import { incrementalSyncObject } from './incremental-sync.js';
import { loadPortalSettings } from '../settings/portal-settings.js';
import { objectSpecsFor } from './object-specs.js';

export type SyncMode = 'full' | 'incremental';

/**
 * Syncs every object type of a portal. The types run side by side: each is independent, and the
 * portal's rate limit, shared by all of them, keeps the pace.
 */
export async function syncPortal(
  deps: SyncDeps,
  portalId: number,
  mode: SyncMode,
): Promise<ObjectSyncResult[]> {
  const { churnRule } = await loadPortalSettings(deps.db, portalId);
  return Promise.all(
    objectSpecsFor(deps.connector, churnRule).map((spec) =>
      mode === 'full' ? fullSyncObject(deps, portalId, spec) : incrementalSyncObject(deps, portalId, spec),
    ),
  );
}
