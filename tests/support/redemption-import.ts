import { waitUntil } from './processes.js';

/** What `GET …/offers/redemptions/:importId` answers. */
export interface ImportReport {
  id: number;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  rows: number;
  rowsDone: number;
  counts: Record<string, number>;
  refused: { line: number; code: string; status: string; message?: string }[];
  refusedTotal: number;
  error: string | null;
}

/**
 * Follows an accepted import (its `Location`) until it is applied, and answers the report. With
 * `apply`, the test applies it in-process (a test with no worker running); otherwise a worker must.
 */
export async function importOutcome(
  productUrl: string,
  accepted: Response,
  headers: Record<string, string>,
  options: { apply?: (importId: number) => Promise<unknown>; timeoutMs?: number } = {},
): Promise<ImportReport> {
  const location = accepted.headers.get('location');
  if (accepted.status !== 202 || !location) {
    throw new Error(`the import answered ${accepted.status}: ${await accepted.text()}`);
  }
  await options.apply?.(Number(location.split('/').pop()));
  let report: ImportReport | undefined;
  await waitUntil(async () => {
    const answer = await fetch(`${productUrl}${location}`, { headers });
    report = (await answer.json()) as ImportReport;
    return report.status === 'succeeded' || report.status === 'failed';
  }, options.timeoutMs ?? 60_000);
  return report!;
}
