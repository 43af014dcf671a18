import { useEffect, type ReactNode } from 'react';
import { useApi } from '../api.js';
import { usePortalPath } from '../session.js';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatCount, formatNumber, formatPercent, percentTick } from '../format.js';
import { Card, EmptyState, ErrorNotice, PageHeader, Spinner, Stat, Table, Tag } from '../ui.js';

/**
 * A report whose API may not be deployed yet: a 404 reads as "not available yet", anything it
 * returns is shown section by section.
 */
export function ReportPage(props: {
  title: string;
  subtitle: string;
  path: string;
  render: (data: unknown) => ReactNode;
}) {
  const report = useApi<unknown>(usePortalPath(props.path));
  const computing =
    report.state === 'ready' && (report.data as { computing?: boolean } | null)?.computing === true;
  const { reload } = report;
  useEffect(() => {
    if (!computing) return;
    const timer = setTimeout(reload, 4000);
    return () => clearTimeout(timer);
  }, [computing, reload, report]);
  return (
    <>
      <PageHeader title={props.title} subtitle={props.subtitle} />
      {report.state === 'loading' && <Spinner />}
      {report.state === 'error' &&
        (report.error.status === 404 ? (
          <Card>
            <EmptyState title="This report is not available yet">
              <p>It appears here once this server provides it.</p>
            </EmptyState>
          </Card>
        ) : (
          <ErrorNotice error={report.error} />
        ))}
      {report.state === 'ready' &&
        ((report.data as { computing?: boolean } | null)?.computing ? (
          <Card>
            <Spinner label="Computing this report; it appears here when it is ready…" />
          </Card>
        ) : (report.data as { available?: boolean } | null)?.available === false ? (
          <Card>
            <EmptyState title="This report is not available yet">
              <p>It appears here once this server provides it.</p>
            </EmptyState>
          </Card>
        ) : (
          props.render(report.data)
        ))}
    </>
  );
}

interface QualityReport {
  rows: number;
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
  rows: number;
  churned: number;
  churnRate: number;
  ranking: { variable: string; auc: number; informationValue: number; direction: string; coverage: number }[];
  segments: { variable: string; bands: { value: string; rows: number; rate: number }[] }[];
  earlyWarning: { feature: string; label: string; gap: number }[] | null;
}

function Quality({ report }: { report: QualityReport }) {
  const worst = [...report.columns].sort((a, b) => a.completeness - b.completeness).slice(0, 15);
  return (
    <div className="stack">
      <div className="grid stats">
        <Stat label="Rows" value={formatCount(report.rows)} hint="contacts as feature vectors" />
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
              { key: 'columns', label: 'Where', render: (i) => i.columns.join(', ') },
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
            { key: 'name', label: 'Column', render: (c) => c.name },
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
  return (
    <div className="stack">
      <p className="muted">{report.population}</p>
      <div className="grid stats">
        <Stat label="Customers" value={formatCount(report.rows)} />
        <Stat
          label="Churned"
          value={formatCount(report.churned)}
          hint={`${formatPercent(report.churnRate)} churn rate`}
        />
      </div>
      <Card title="What separates churners" note="univariate ROC-AUC and information value">
        <Table
          caption="Variables ranked by how well they separate churners"
          rows={ranking}
          rowKey={(v) => v.variable}
          columns={[
            { key: 'variable', label: 'Variable', render: (v) => v.variable },
            { key: 'auc', label: 'ROC-AUC', numeric: true, render: (v) => formatNumber(v.auc, 3) },
            {
              key: 'iv',
              label: 'Information value',
              numeric: true,
              render: (v) => formatNumber(v.informationValue, 3),
            },
            { key: 'direction', label: 'Direction', render: (v) => v.direction },
            { key: 'coverage', label: 'Coverage', numeric: true, render: (v) => formatPercent(v.coverage) },
          ]}
        />
      </Card>
      <div className="grid two">
        {report.segments.slice(0, 4).map((segment) => (
          <Card key={segment.variable} title={`Churn by ${segment.variable}`}>
            <div className="chart" role="img" aria-label={`Churn rate by ${segment.variable}`}>
              <ResponsiveContainer>
                <BarChart data={segment.bands}>
                  <CartesianGrid vertical={false} stroke="#eef1f5" />
                  <XAxis dataKey="value" />
                  <YAxis tickFormatter={percentTick} />
                  <Tooltip formatter={(v) => formatPercent(Number(v))} />
                  <Bar dataKey="rate" name="Churn rate" fill="#e8590c" isAnimationActive={false} />
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
