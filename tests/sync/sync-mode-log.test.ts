import { describe, expect, it } from '@jest/globals';
import { modeRan } from '../../server/jobs/sync-jobs.js';
import type { ObjectSyncResult } from '../../server/sync/full-sync.js';

const result = (type: string, mode: ObjectSyncResult['mode']): ObjectSyncResult => ({
  type,
  mode,
  fetched: 1,
  written: 1,
  archived: 0,
});

describe('the mode a finished sync logs', () => {
  it('is the one each type was read in, not the one asked for', () => {
    // The first sync after an install is asked for incrementally and reads everything.
    expect(modeRan('incremental', [result('contacts', 'full'), result('emails', 'full')])).toBe('full');
    expect(modeRan('incremental', [result('contacts', 'incremental'), result('emails', 'full')])).toBe(
      'incremental (in full: emails)',
    );
    expect(modeRan('incremental', [result('contacts', 'incremental')])).toBe('incremental');
    expect(modeRan('full', [result('contacts', 'full')])).toBe('full');
  });
});
