import { fullSyncObject, type ObjectSyncResult, type SyncDeps } from './full-sync.js';
import { incrementalSyncObject } from './incremental-sync.js';
import { OBJECT_SPECS } from './object-specs.js';

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
  return Promise.all(
    OBJECT_SPECS.map((spec) =>
      mode === 'full' ? fullSyncObject(deps, portalId, spec) : incrementalSyncObject(deps, portalId, spec),
    ),
  );
}
