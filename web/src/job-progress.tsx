import { useEffect } from 'react';
import { useApi } from './api.js';
import { usePortalPath } from './session.js';

interface Jobs {
  jobs: {
    queue: string;
    name: string;
    state: 'active' | 'waiting';
    progress: unknown;
    startedAt: string | null;
  }[];
  /** The scoring run in progress. */
  run: {
    phase: string;
    contactsTotal: number;
    contactsScored: number;
    chunks: number;
    chunksScored: number;
    chunksWritten: number;
  } | null;
  /** The latest run, when it ended failed. */
  failedRun: { trigger: string; finishedAt: string | null; error: string } | null;
}

const PHASES: Record<string, string> = {
  sync: 'Syncing from the CRM',
  model: 'Choosing the model',
  score: 'Scoring contacts',
  tiers: 'Setting the tiers',
  writeback: 'Writing scores to the CRM',
};

const LABELS: Record<string, string> = {
  sync: 'Syncing from the CRM',
  score: 'Scoring contacts',
  train: 'Training a model',
  writeback: 'Writing scores to the CRM',
  system: 'Preparing the portal',
};

/** A percentage from whatever a worker reports: a number, or `{ done, total }`-like objects. */
function percentOf(progress: unknown): number | null {
  if (typeof progress === 'number') return Math.max(0, Math.min(100, progress));
  if (progress && typeof progress === 'object') {
    const p = progress as Record<string, unknown>;
    const done = Number(p.done ?? p.processed ?? p.scored ?? NaN);
    const total = Number(p.total ?? NaN);
    if (Number.isFinite(done) && Number.isFinite(total) && total > 0)
      return Math.min(100, (100 * done) / total);
  }
  return null;
}

/** Shown while a cycle runs for the portal; polls every few seconds, silent otherwise. */
export function JobProgressBanner() {
  const jobs = useApi<Jobs>(usePortalPath('jobs'));
  const { reload } = jobs;
  useEffect(() => {
    const timer = setInterval(reload, 5000);
    return () => clearInterval(timer);
  }, [reload]);
  if (jobs.state !== 'ready') return null;
  const { run, failedRun } = jobs.data;
  if (jobs.data.jobs.length === 0 && !run)
    return failedRun ? <FailedRunNotice failedRun={failedRun} /> : null;
  const runPercent = !run
    ? null
    : run.phase === 'writeback' && run.chunks > 0
      ? (100 * run.chunksWritten) / run.chunks
      : // Chunks, not scores: every contact is looked at, only active customers get a score.
        run.chunks > 0
        ? (100 * run.chunksScored) / run.chunks
        : null;
  return (
    <div className="notice stack" role="status" aria-live="polite" style={{ marginBottom: 16 }}>
      {run && (
        <div data-testid="run-progress">
          <div className="row">
            <strong>Weekly cycle: {PHASES[run.phase] ?? run.phase}</strong>
            {runPercent !== null && <span className="muted">{Math.round(runPercent)} %</span>}
          </div>
          {runPercent !== null && (
            <div className="progress" aria-hidden="true">
              <div style={{ width: `${runPercent}%` }} />
            </div>
          )}
        </div>
      )}
      {jobs.data.jobs.slice(0, run ? 2 : 3).map((job, i) => {
        const percent = percentOf(job.progress);
        return (
          <div key={i}>
            <div className="row">
              <strong>{LABELS[job.queue] ?? job.name}</strong>
              <span className="muted">
                {job.state === 'waiting'
                  ? 'waiting'
                  : percent === null
                    ? 'running'
                    : `${Math.round(percent)} %`}
              </span>
            </div>
            {percent !== null && job.state === 'active' && (
              <div className="progress" aria-hidden="true">
                <div style={{ width: `${percent}%` }} />
              </div>
            )}
          </div>
        );
      })}
    </div>
  );
}

/** The latest cycle ended failed: when, why, and that what it finished is kept. */
function FailedRunNotice({ failedRun }: { failedRun: NonNullable<Jobs['failedRun']> }) {
  const when = failedRun.finishedAt ? new Date(failedRun.finishedAt).toLocaleString() : null;
  return (
    <div className="notice error" role="alert" data-testid="failed-run" style={{ marginBottom: 16 }}>
      <strong>The last scoring cycle failed{when ? ` (${when})` : ''}.</strong>{' '}
      {failedRun.error.replace(/\.$/, '')}. The scores and CRM fields its finished jobs wrote are kept; the
      next cycle scores every customer again.
    </div>
  );
}
