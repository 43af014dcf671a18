import { fullSyncObject, type ObjectSyncResult, type SyncDeps } from './full-sync.js';
import { incrementalSyncObject } from './incremental-sync.js';
import { OBJECT_SPECS } from './object-specs.js';

export type SyncMode = 'full' | 'incremental';

/** Syncs every object type of a portal, contacts first. */
export async function syncPortal(
  deps: SyncDeps,
  portalId: number,
  mode: SyncMode,
): Promise<ObjectSyncResult[]> {
  const results: ObjectSyncResult[] = [];
  for (const spec of OBJECT_SPECS) {
    results.push(
      mode === 'full'
        ? await fullSyncObject(deps, portalId, spec)
        : await incrementalSyncObject(deps, portalId, spec),
    );
  }
  return results;
}
