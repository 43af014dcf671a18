import type { ReactNode } from 'react';
import { useApi } from '../api.js';
import { usePortalPath } from '../session.js';
import { Card, EmptyState, ErrorNotice, PageHeader, Spinner } from '../ui.js';

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
        ((report.data as { available?: boolean } | null)?.available === false ? (
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

function Sections({ data }: { data: unknown }) {
  if (!data || typeof data !== 'object') return <EmptyState title="Nothing to show" />;
  return (
    <div className="grid two">
      {Object.entries(data as Record<string, unknown>).map(([key, value]) => (
        <Card key={key} title={key.replace(/([A-Z])/g, ' $1').replace(/_/g, ' ')}>
          <pre style={{ whiteSpace: 'pre-wrap', margin: 0, fontSize: '0.85rem' }}>
            {JSON.stringify(value, null, 2)}
          </pre>
        </Card>
      ))}
    </div>
  );
}

export function QualityPage() {
  return (
    <ReportPage
      title="Data quality"
      subtitle="What the warehouse holds, what is missing, and what that means for the scores"
      path="reports/quality"
      render={(data) => <Sections data={data} />}
    />
  );
}

export function ExplorationPage() {
  return (
    <ReportPage
      title="Exploration"
      subtitle="How churn varies with each behaviour, in this portal's own history"
      path="reports/explore"
      render={(data) => <Sections data={data} />}
    />
  );
}
