import { useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, useApi } from '../api.js';
import { usePortalPath } from '../session.js';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatCode, formatCount, formatDate, formatNumber, formatPercent, percentTick } from '../format.js';
import { Button, Card, EmptyState, ErrorNotice, PageHeader, Spinner, Stat, Table, Tag } from '../ui.js';

interface Freshness {
  computedAt: string;
  durationMs: number;
  dataChangedSince: boolean;
  recomputing: { progress: unknown } | null;
}

interface Progress {
  kind?: string;
  done?: number;
  total?: number | null;
}

/** "Reading contacts: 4,000 of 10,000" from a worker's progress, or a plain "Computing…". */
function progressText(progress: unknown): string {
  const p = (progress ?? {}) as Progress;
  if (typeof p.done !== 'number') return 'Computing…';
  const of = typeof p.total === 'number' ? ` of ${formatCount(p.total)}` : '';
  return `Computing: ${formatCount(p.done)}${of} contacts read…`;
}

/** "3 hours ago" for a past moment. */
function age(iso: string): string {
  const minutes = Math.round((Date.now() - new Date(iso).getTime()) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** When the shown report was computed, whether the data changed since, and a way to recompute it. */
function FreshnessBar(props: { freshness: Freshness; onRecompute: () => void; busy: boolean }) {
  const { freshness } = props;
  const recomputing = freshness.recomputing !== null || props.busy;
  return (
    <div className="report-freshness" role="status" data-testid="report-freshness">
      <span>
        Computed {age(freshness.computedAt)} ({formatDate(freshness.computedAt)}, in{' '}
        {formatNumber(freshness.durationMs / 1000, 1)} s).
        {freshness.dataChangedSince
          ? ' The portal’s data has changed since.'
          : ' Up to date with the portal’s data.'}
      </span>
      {recomputing ? (
        <span className="muted">{progressText(freshness.recomputing?.progress)}</span>
      ) : (
        <Button onClick={props.onRecompute} kind={freshness.dataChangedSince ? 'primary' : 'default'}>
          Recompute now
        </Button>
      )}
    </div>
  );
}

/**
 * A report a worker computes after each scoring cycle: shown at once with its age; the first time
 * (and while recomputing on request) with the worker's progress.
 */
export function ReportPage(props: {
  title: string;
  subtitle: string;
  path: string;
  render: (data: unknown) => ReactNode;
}) {
  const path = usePortalPath(props.path);
  const report = useApi<unknown>(path);
  const [asked, setAsked] = useState(false);
  const [askError, setAskError] = useState<ApiError | null>(null);
  const data =
    report.state === 'ready'
      ? (report.data as ({ freshness?: Freshness } & Record<string, unknown>) | null)
      : null;
  const computing = data?.computing === true;
  const recomputing = Boolean(data?.freshness?.recomputing) || asked;
  const { reload } = report;
  useEffect(() => {
    if (!computing && !recomputing) return;
    const timer = setTimeout(reload, 2000);
    return () => clearTimeout(timer);
  }, [computing, recomputing, reload, report]);
  useEffect(() => {
    // The worker picked the request up (or finished it): stop assuming it is pending.
    if (asked && data?.freshness && (data.freshness.recomputing || !data.freshness.dataChangedSince))
      setAsked(false);
  }, [asked, data]);
  const recompute = () => {
    if (!path) return;
    setAsked(true);
    setAskError(null);
    api(`${path}/recompute`, { method: 'POST' }).then(reload, (error: unknown) => {
      setAsked(false);
      setAskError(error instanceof ApiError ? error : new ApiError(0, 'network', String(error)));
    });
  };
  return (
    <>
      <PageHeader title={props.title} subtitle={props.subtitle} />
      {report.state === 'loading' && <Spinner />}
      {report.state === 'error' && <ErrorNotice error={report.error} />}
      {askError && <ErrorNotice error={askError} />}
      {report.state === 'ready' &&
        (computing ? (
          <Card>
            <Spinner
              label={`${progressText((data as { progress?: unknown }).progress)} It appears here when ready.`}
            />
          </Card>
        ) : (
          <>
            {data?.freshness && (
              <FreshnessBar freshness={data.freshness} onRecompute={recompute} busy={asked} />
            )}
            {props.render(report.data)}
          </>
        ))}
    </>
  );
}

interface QualityReport {
  rows: number;
  labels?: Record<string, string>;
  asOf: string;
  columns: {
    name: string;
    type: string | null;
    completeness: number;
    distinct: number;
    typeConsistency: number;
  }[];
  issues: { kind: string; columns: string[]; count: number; message: string }[];
  warehouse: { table: string; rule: string; count: number }[];
}

interface ExploreReport {
  population: string;
  rowUnit?: string;
  labels?: Record<string, string>;
  source?: { kind: string };
  rows: number;
  churned: number;
  churnRate: number;
  ranking: {
    variable: string;
    auc: number;
    strength: number;
    informationValue: number;
    direction: string;
    coverage: number;
  }[];
  segments: { variable: string; bands: { value: string; rows: number; rate: number }[] }[];
  earlyWarning: { feature: string; label: string; gap: number }[] | null;
}

function Quality({ report }: { report: QualityReport }) {
  const worst = [...report.columns].sort((a, b) => a.completeness - b.completeness).slice(0, 15);
  return (
    <div className="stack">
      <div className="grid stats">
        <Stat label="Contacts" value={formatCount(report.rows)} hint="each profiled as of today" />
        <Stat label="Columns" value={formatCount(report.columns.length)} />
        <Stat
          testId="quality-issues"
          label="Issues"
          value={formatCount(report.issues.length)}
          hint="worth fixing at the source"
        />
      </div>
      <Card title="Issues">
        {report.issues.length === 0 ? (
          <EmptyState title="No issues found" />
        ) : (
          <Table
            caption="Data quality issues"
            rows={report.issues}
            rowKey={(i) => `${i.kind}/${i.columns.join(',')}`}
            columns={[
              { key: 'kind', label: 'Kind', render: (i) => <Tag>{i.kind.replace(/_/g, ' ')}</Tag> },
              {
                key: 'columns',
                label: 'Where',
                render: (i) => i.columns.map((c) => report.labels?.[c] ?? c).join(', '),
              },
              { key: 'count', label: 'Rows', numeric: true, render: (i) => formatCount(i.count) },
              { key: 'message', label: 'What it means', render: (i) => i.message },
            ]}
          />
        )}
      </Card>
      <Card title="Least complete columns">
        <Table
          caption="Completeness per column"
          rows={worst}
          rowKey={(c) => c.name}
          columns={[
            { key: 'name', label: 'Column', render: (c) => report.labels?.[c.name] ?? c.name },
            { key: 'type', label: 'Type', render: (c) => c.type ?? 'empty' },
            {
              key: 'complete',
              label: 'Complete',
              numeric: true,
              render: (c) => formatPercent(c.completeness),
            },
            {
              key: 'consistent',
              label: 'Same type',
              numeric: true,
              render: (c) => formatPercent(c.typeConsistency),
            },
            { key: 'distinct', label: 'Distinct', numeric: true, render: (c) => formatCount(c.distinct) },
          ]}
        />
      </Card>
    </div>
  );
}

function Explore({ report }: { report: ExploreReport }) {
  const ranking = report.ranking.slice(0, 12);
  const name = (variable: string) => report.labels?.[variable] ?? variable;
  const unit = report.rowUnit ?? 'row';
  return (
    <div className="stack">
      <p className="muted">{report.population}</p>
      <div className="grid stats">
        <Stat
          label={unit === 'row' ? 'Rows' : `${unit[0]!.toUpperCase()}${unit.slice(1)}s`}
          value={formatCount(report.rows)}
          hint={unit === 'customer-month' ? 'one per customer and monthly cutoff' : undefined}
        />
        <Stat
          label="Churned"
          value={formatCount(report.churned)}
          hint={`${formatPercent(report.churnRate)} of ${unit}s`}
        />
      </div>
      <Card
        title="What separates churners"
        note="how well each variable alone tells churners from the rest: 0.5 is not at all, 1 perfectly"
      >
        <Table
          caption="Variables ranked by how well they separate churners"
          rows={ranking}
          rowKey={(v) => v.variable}
          columns={[
            { key: 'variable', label: 'Variable', render: (v) => name(v.variable) },
            {
              key: 'separation',
              label: 'Separation',
              numeric: true,
              render: (v) => formatNumber(0.5 + v.strength, 2),
            },
            { key: 'direction', label: 'Goes with churn', render: (v) => v.direction },
            {
              key: 'iv',
              label: 'Information value',
              numeric: true,
              narrowHidden: true,
              render: (v) => formatNumber(v.informationValue, 2),
            },
            {
              key: 'coverage',
              label: 'Known for',
              numeric: true,
              render: (v) => formatPercent(v.coverage, 0),
            },
          ]}
        />
      </Card>
      <div className="grid two">
        {report.segments.slice(0, 4).map((segment) => (
          <Card key={segment.variable} title={`Churn by ${name(segment.variable).toLowerCase()}`}>
            <div className="chart" role="img" aria-label={`Churn rate by ${name(segment.variable)}`}>
              <ResponsiveContainer>
                <BarChart data={segment.bands}>
                  <CartesianGrid vertical={false} stroke="#eef1f5" />
                  <XAxis dataKey="value" tickFormatter={(value: string) => formatCode(value)} />
                  <YAxis tickFormatter={percentTick} />
                  <Tooltip formatter={(v) => formatPercent(Number(v))} />
                  <Bar dataKey="rate" name="Churn rate" fill="#c2410c" isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
            </div>
          </Card>
        ))}
      </div>
    </div>
  );
}
export function QualityPage() {
  return (
    <ReportPage
      title="Data quality"
      subtitle="What the warehouse holds, what is missing, and what that means for the scores"
      path="reports/quality"
      render={(data) => <Quality report={data as QualityReport} />}
    />
  );
}

export function ExplorationPage() {
  return (
    <ReportPage
      title="Exploration"
      subtitle="How churn varies with each behaviour, in this portal's own history"
      path="reports/explore"
      render={(data) => <Explore report={data as ExploreReport} />}
    />
  );
}
