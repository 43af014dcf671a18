import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Scatter,
  ComposedChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useState } from 'react';
import { api, ApiError, useApi } from '../api.js';
import { formatDate, formatNumber } from '../format.js';
import { usePortalPath } from '../session.js';
import { Button, Card, EmptyState, ErrorNotice, PageHeader, Spinner, Stat, Table, Tag } from '../ui.js';

interface StoredModel {
  id: number;
  version: number;
  family: string;
  status: string;
  isStarter: boolean;
  trainedAt: string;
  activatedAt: string | null;
  metrics: {
    roc_auc?: number;
    pr_auc?: number;
    brier?: number;
    ece?: number;
    lift_top_decile?: number;
    capture_top_decile?: number;
    calibration?: { from: number; to: number; count: number; meanPredicted: number; observedRate: number }[];
  };
}

interface ModelReport {
  active: (StoredModel & { gains: { contacts: number; churners: number }[] }) | null;
  history: StoredModel[];
  drivers: { feature: string; label: string; contacts: number; meanContribution: number }[];
  drift: {
    measuredAt: string;
    scorePsi: number | null;
    threshold: number;
    flagged: boolean;
    features: { name: string; psi: number }[];
  } | null;
}

const metric = (v: number | undefined) => (v === undefined || v === null ? '—' : formatNumber(v, 3));

function RetrainButton() {
  const path = usePortalPath('model/retrain');
  const [state, setState] = useState<'idle' | 'queuing' | 'queued'>('idle');
  const [error, setError] = useState<ApiError | null>(null);
  const retrain = async () => {
    setState('queuing');
    setError(null);
    try {
      await api(path, { method: 'POST' });
      setState('queued');
    } catch (e) {
      setError(e as ApiError);
      setState('idle');
    }
  };
  return (
    <div className="row">
      {state === 'queued' && (
        <span role="status" className="muted">
          Training queued; the new model takes over when it is better.
        </span>
      )}
      {error && <ErrorNotice error={error} />}
      <Button onClick={retrain} disabled={state !== 'idle'}>
        Retrain now
      </Button>
    </div>
  );
}

export function ModelPage() {
  const report = useApi<ModelReport>(usePortalPath('model'));
  const header = (
    <PageHeader
      title="Model"
      subtitle="How well the active model ranks and how honest its probabilities are"
      actions={<RetrainButton />}
    />
  );
  if (report.state === 'loading')
    return (
      <>
        {header}
        <Spinner />
      </>
    );
  if (report.state === 'error')
    return (
      <>
        {header}
        <ErrorNotice error={report.error} />
      </>
    );
  const { active, history, drivers, drift } = report.data;
  if (!active) {
    return (
      <>
        {header}
        <Card>
          <EmptyState title="No active model yet">
            <p>The portal is scored by a model once its first training or the starter model is in place.</p>
          </EmptyState>
        </Card>
      </>
    );
  }
  const m = active.metrics;
  const calibration = (m.calibration ?? [])
    .filter((b) => b.count > 0)
    .map((b) => ({ predicted: b.meanPredicted, observed: b.observedRate, count: b.count }));
  const gains = active.gains.map((g) => ({ ...g, random: g.contacts }));
  return (
    <>
      {header}
      <div className="stack">
        <div className="grid stats">
          <Stat
            label="Active model"
            value={`v${active.version}`}
            hint={`${active.isStarter ? 'starter' : active.family} · trained ${formatDate(active.trainedAt)}`}
          />
          <Stat
            testId="metric-roc-auc"
            label="ROC-AUC"
            value={metric(m.roc_auc)}
            hint="ranking: 0.5 is chance, 1 perfect"
          />
          <Stat label="PR-AUC" value={metric(m.pr_auc)} hint="precision over recall" />
          <Stat label="Brier score" value={metric(m.brier)} hint="lower is better" />
          <Stat
            label="Lift, top 10 %"
            value={m.lift_top_decile === undefined ? '—' : `${formatNumber(m.lift_top_decile, 1)}×`}
            hint="churn rate vs average"
          />
        </div>
        {active.isStarter && (
          <div className="notice">
            The starter model scores this portal until it has enough churn history to train its own.
          </div>
        )}
        <div className="grid two">
          <Card title="Calibration" note="predicted vs observed churn">
            {calibration.length === 0 ? (
              <EmptyState title="No calibration table for this model" />
            ) : (
              <div className="chart" role="img" aria-label="Calibration plot">
                <ResponsiveContainer>
                  <ComposedChart data={calibration}>
                    <CartesianGrid stroke="#eef1f5" />
                    <XAxis type="number" dataKey="predicted" domain={[0, 1]} name="Predicted" />
                    <YAxis type="number" domain={[0, 1]} />
                    <Tooltip formatter={(v) => formatNumber(Number(v), 2)} />
                    <Legend />
                    <Line
                      dataKey="predicted"
                      name="Perfect"
                      stroke="#adb5bd"
                      dot={false}
                      strokeDasharray="4 3"
                      isAnimationActive={false}
                    />
                    <Scatter dataKey="observed" name="Observed" fill="#e8590c" isAnimationActive={false} />
                  </ComposedChart>
                </ResponsiveContainer>
              </div>
            )}
          </Card>
          <Card title="Cumulative gains" note="share of churners found, riskiest first">
            {gains.length === 0 ? (
              <EmptyState title="No gains curve for this model" />
            ) : (
              <div className="chart" role="img" aria-label="Cumulative gains chart">
                <ResponsiveContainer>
                  <LineChart data={gains}>
                    <CartesianGrid stroke="#eef1f5" />
                    <XAxis
                      type="number"
                      dataKey="contacts"
                      domain={[0, 1]}
                      tickFormatter={(v: number) => `${Math.round(v * 100)} %`}
                    />
                    <YAxis domain={[0, 1]} tickFormatter={(v: number) => `${Math.round(v * 100)} %`} />
                    <Tooltip formatter={(v) => `${Math.round(Number(v) * 100)} %`} />
                    <Legend />
                    <Line
                      dataKey="churners"
                      name="Model"
                      stroke="#e8590c"
                      strokeWidth={2}
                      isAnimationActive={false}
                    />
                    <Line
                      dataKey="random"
                      name="Random"
                      stroke="#adb5bd"
                      dot={false}
                      strokeDasharray="4 3"
                      isAnimationActive={false}
                    />
                  </LineChart>
                </ResponsiveContainer>
              </div>
            )}
          </Card>
          <Card title="Top drivers" note="reasons raising the current scores">
            {drivers.length === 0 ? (
              <EmptyState title="No reasons recorded yet" />
            ) : (
              <div
                className="chart"
                style={{ height: Math.max(220, drivers.length * 32) }}
                role="img"
                aria-label="Top drivers of churn risk"
              >
                <ResponsiveContainer>
                  <BarChart data={drivers} layout="vertical" margin={{ left: 10, right: 20 }}>
                    <CartesianGrid horizontal={false} stroke="#eef1f5" />
                    <XAxis type="number" />
                    <YAxis type="category" dataKey="label" width={180} tick={{ fontSize: 12 }} />
                    <Tooltip />
                    <Bar dataKey="contacts" name="Contacts" fill="#c92a2a" isAnimationActive={false} />
                  </BarChart>
                </ResponsiveContainer>
              </div>
            )}
          </Card>
          <Card
            title="Drift"
            note={
              drift
                ? `measured ${formatDate(drift.measuredAt)}, alert above PSI ${formatNumber(drift.threshold, 2)}`
                : undefined
            }
          >
            {!drift ? (
              <EmptyState title="Not measured yet">
                <p>Each weekly run compares its scores and features with the training data.</p>
              </EmptyState>
            ) : (
              <>
                <p data-testid="drift-status">
                  {drift.flagged ? <Tag tone="high">drift</Tag> : <Tag tone="low">stable</Tag>} Score PSI{' '}
                  <strong>{drift.scorePsi === null ? '—' : formatNumber(drift.scorePsi, 3)}</strong>
                </p>
                {drift.features.length > 0 && (
                  <Table
                    caption="Features that moved most"
                    rows={drift.features.slice(0, 6)}
                    rowKey={(f) => f.name}
                    columns={[
                      { key: 'name', label: 'Feature', render: (f) => f.name },
                      { key: 'psi', label: 'PSI', numeric: true, render: (f) => formatNumber(f.psi, 3) },
                    ]}
                  />
                )}
              </>
            )}
          </Card>
        </div>
        <Card title="History">
          <Table
            caption="Models of this portal"
            rowKey={(r) => String(r.id)}
            rows={history}
            columns={[
              { key: 'version', label: 'Version', render: (r) => `v${r.version}` },
              { key: 'family', label: 'Family', render: (r) => (r.isStarter ? 'starter' : r.family) },
              {
                key: 'status',
                label: 'Status',
                render: (r) => <Tag tone={r.status === 'active' ? 'low' : 'neutral'}>{r.status}</Tag>,
              },
              { key: 'trained', label: 'Trained', render: (r) => formatDate(r.trainedAt) },
              { key: 'auc', label: 'ROC-AUC', numeric: true, render: (r) => metric(r.metrics.roc_auc) },
              { key: 'brier', label: 'Brier', numeric: true, render: (r) => metric(r.metrics.brier) },
            ]}
          />
        </Card>
      </div>
    </>
  );
}
