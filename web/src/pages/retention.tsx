import { ReportPage } from './reports.js';
import { Card, EmptyState } from '../ui.js';

export function RetentionPage() {
  return (
    <ReportPage
      title="Retention effect"
      subtitle="Per campaign and action: churn in treatment against the random holdout"
      path="retention/effect"
      render={(data) => (
        <Card>
          <pre style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{JSON.stringify(data, null, 2)}</pre>
          {!data && <EmptyState title="No campaigns yet" />}
        </Card>
      )}
    />
  );
}
