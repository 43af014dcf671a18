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
  LabelList,
  Text,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useState } from 'react';
import type { ModelDriver, ModelMetrics, ModelReport } from '../../../server/api/contracts/model-report.js';
import type { Interval, OutOfTimeCheck } from '../../../server/model/out-of-time.js';
import { api, ApiError, useApi } from '../api.js';
import { formatCount, formatDate, formatNumber, formatPercent, percentTick } from '../format.js';
import { usePortalPath } from '../session.js';
import {
  axisTitle,
  Button,
  Card,
  CHART_MARGIN,
  ChartNote,
  ChartTooltip,
  EmptyState,
  ErrorNotice,
  legendOrder,
  PageHeader,
  Spinner,
  Stat,
  Table,
  Tag,
  tooltipRow,
} from '../ui.js';

const metric = (v: number | null | undefined) => (v === undefined || v === null ? '—' : formatNumber(v, 3));

/** A figure's 95 % interval as a hint; JSON holds a bound no resample could measure as null. */
const bound = (v: number | null, digits: number) => (v === null ? '—' : formatNumber(v, digits));
const interval = (figure: Interval, digits = 3) =>
  `95 %: ${bound(figure.low, digits)}–${bound(figure.high, digits)}`;

type Measured = Extract<OutOfTimeCheck, { status: 'measured' }>;

/**
 * The headline figures: the model fitted on older cutoffs and judged on the latest one, whose
 * outcome is known, as the model is used; each with its 95 % interval.
 */
function OutOfTimeStats({ check }: { check: Measured }) {
  return (
    <>
      <Stat
        testId="metric-oot-roc-auc"
        label="ROC-AUC, latest cutoff"
        value={metric(check.roc_auc.value)}
        hint={`${interval(check.roc_auc)} · 0.5 is chance`}
      />
      <Stat
        testId="metric-oot-pr-auc"
        label="PR-AUC, latest cutoff"
        value={metric(check.pr_auc.value)}
        hint={`${interval(check.pr_auc)} · chance ${formatNumber(check.churners / check.rows, 3)}`}
      />
      <Stat
        testId="metric-oot-calibration"
        label="Calibration slope"
        value={formatNumber(check.calibration_slope.value, 2)}
        hint={`${interval(check.calibration_slope, 2)} · 1 is calibrated`}
      />
      <Stat
        testId="metric-oot-brier"
        label="Brier score"
        value={metric(check.brier.value)}
        hint={`${interval(check.brier)} · lower is better`}
      />
    </>
  );
}

/** What the headline figures rest on, in words. */
function OutOfTimeBasis({ check, m }: { check: Measured; m: ModelMetrics }) {
  const other = m.out_of_time_alternative;
  const fitted = check.fit_period
    ? ` on the customers of ${formatDate(check.fit_period.from)} to ${formatDate(check.fit_period.to)}`
    : '';
  const judged = check.validate_at ? ` of ${formatDate(check.validate_at)}` : '';
  return (
    <p className="muted" data-testid="oot-basis" style={{ margin: 0 }}>
      Measured out of time: a model trained{fitted} was judged on the {formatCount(check.rows)} customers
      {judged}, whose outcome is now known. <strong>Rests on {formatCount(check.churners)} churners</strong>;
      95 % intervals from {check.resamples} resamples of their accounts: they cover which customers a quarter
      happens to have, not a change in why customers leave from one quarter to the next.
      {check.repeated_contacts !== undefined &&
        ` ${formatCount(check.repeated_contacts)} of these customers were also in the training rows, as in use.`}
      {other &&
        ` Kept over the ${other.family} model, which scored ${metric(other.roc_auc)} on the same customers${
          m.chosen_by === 'out_of_time' ? ' and had done better in cross-validation' : ''
        }.`}
    </p>
  );
}

/** The cross-validated figures (inside the training data), secondary when the check measured. */
function CrossValidatedStats({ m, secondary }: { m: ModelMetrics; secondary: boolean }) {
  const how = m.cv_split === 'groups' ? 'cross-validated by account' : 'cross-validated';
  return (
    <>
      <Stat
        testId="metric-roc-auc"
        label={secondary ? `ROC-AUC, ${how}` : 'ROC-AUC'}
        value={metric(m.roc_auc)}
        hint={secondary ? 'inside the training data' : 'ranking: 0.5 is chance, 1 perfect'}
      />
      <Stat
        label={secondary ? `PR-AUC, ${how}` : 'PR-AUC'}
        value={metric(m.pr_auc)}
        hint="precision over recall"
      />
      <Stat
        label={secondary ? `Brier score, ${how}` : 'Brier score'}
        value={metric(m.brier)}
        hint="lower is better"
      />
      <Stat
        label="Lift, top 10 %"
        value={m.lift_top_decile === undefined ? '—' : `${formatNumber(m.lift_top_decile, 1)}×`}
        hint={secondary ? 'churn rate vs average, cross-validated' : 'churn rate vs average'}
      />
    </>
  );
}

/** A push on the log-odds as a person reads it: how many times it multiplies the odds of leaving. */
const oddsTimes = (logOdds: number) => `odds ×${formatNumber(Math.exp(logOdds), 1)}`;

/** A feature's label beside its bar, wrapped over two lines rather than cut. */
function driverTick(props: unknown) {
  const { x, y, payload } = props as { x: number; y: number; payload: { value: string } };
  return (
    <Text x={x} y={y} width={220} textAnchor="end" verticalAnchor="middle" fontSize={12} fill="#1b2430">
      {payload.value}
    </Text>
  );
}

/** How far a feature's distribution moved, in words, against the portal's alert threshold. */
function driftWords(psi: number, threshold: number) {
  if (psi > threshold) return <Tag tone="high">shifted</Tag>;
  if (psi > threshold / 2) return <Tag tone="medium">moving</Tag>;
  return <Tag tone="low">stable</Tag>;
}

function DriversChart({ drivers, active }: { drivers: ModelDriver[]; active: number }) {
  return (
    <>
      <div
        className="chart"
        style={{ height: Math.max(240, drivers.length * 40 + 60) }}
        role="img"
        aria-label="Top drivers of churn risk"
        aria-describedby="drivers-note"
      >
        <ResponsiveContainer>
          <BarChart data={drivers} layout="vertical" margin={{ ...CHART_MARGIN, left: 0, right: 72 }}>
            <CartesianGrid horizontal={false} stroke="#eef1f5" />
            <XAxis
              type="number"
              allowDecimals={false}
              height={44}
              label={axisTitle('Customers it raises the risk of', 'bottom')}
            />
            <YAxis
              type="category"
              dataKey="label"
              width={232}
              interval={0}
              tick={driverTick}
              label={axisTitle('Reason', 'left')}
            />
            <Tooltip
              content={(props) => {
                const row = tooltipRow<ModelDriver>(props);
                return row ? (
                  <ChartTooltip
                    title={row.label}
                    lines={[
                      {
                        name: 'Raises the risk of',
                        value: `${formatCount(row.contacts)} customers${active > 0 ? ` (${formatPercent(row.contacts / active)})` : ''}`,
                      },
                      {
                        name: 'Mean push',
                        value: `+${formatNumber(row.meanContribution, 2)} log-odds (${oddsTimes(row.meanContribution)})`,
                      },
                      ...(row.identity
                        ? [{ name: 'Shown as a reason', value: 'never: who they are, not what they do' }]
                        : []),
                    ]}
                  />
                ) : null;
              }}
            />
            <Bar dataKey="contacts" name="Customers" fill="#c92a2a" isAnimationActive={false}>
              <LabelList
                dataKey="meanContribution"
                position="right"
                fontSize={11}
                fill="#5b6675"
                formatter={(v: unknown) => oddsTimes(Number(v))}
              />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <ChartNote testId="drivers-note">
        <span id="drivers-note">
          Bars: active customers with this among the (up to 3) reasons raising their score. Beside each, its
          mean push: how many times it multiplies their odds of leaving (the model's contribution on the
          log-odds; +0.69 doubles the odds). Who a customer is (country, industry, company size, segment) is
          counted here but never shown as a reason: nobody can act on it.
        </span>
      </ChartNote>
    </>
  );
}

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
  const { active, history, drivers, drift, scoredContacts } = report.data;
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
  const check = m.out_of_time;
  const measured = check?.status === 'measured' ? check : null;
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
          {measured ? <OutOfTimeStats check={measured} /> : <CrossValidatedStats m={m} secondary={false} />}
        </div>
        {measured && <OutOfTimeBasis check={measured} m={m} />}
        {check?.status === 'too_few_churners' && (
          <div className="notice" data-testid="oot-too-few">
            No out-of-time figure: the latest cutoff&apos;s {formatCount(check.rows)} customers hold only{' '}
            {formatCount(check.churners)} churners (fewer than {check.minimum}), too few to judge the model
            on. The figures below are cross-validated inside the training data.
          </div>
        )}
        {measured && (
          <div className="grid stats" aria-label="Cross-validated figures">
            <CrossValidatedStats m={m} secondary />
          </div>
        )}
        {active.isStarter && (
          <div className="notice">
            The starter model scores this portal until it has enough churn history to train its own.
          </div>
        )}
        <div className="grid two">
          <Card title="Calibration" note="predicted vs observed churn, cross-validated">
            {calibration.length === 0 ? (
              <EmptyState title="No calibration table for this model" />
            ) : (
              <div className="chart" role="img" aria-label="Calibration plot">
                <ResponsiveContainer>
                  <ComposedChart data={calibration} margin={CHART_MARGIN}>
                    <CartesianGrid stroke="#eef1f5" />
                    <XAxis
                      type="number"
                      dataKey="predicted"
                      domain={[0, 1]}
                      name="Predicted"
                      tickFormatter={percentTick}
                      height={44}
                      label={axisTitle('Predicted churn probability, %', 'bottom')}
                    />
                    <YAxis
                      type="number"
                      domain={[0, 1]}
                      tickFormatter={percentTick}
                      width={64}
                      label={axisTitle('Observed churn rate, %', 'left')}
                    />
                    <Tooltip
                      content={(props) => {
                        const row = tooltipRow<(typeof calibration)[number]>(props);
                        return row ? (
                          <ChartTooltip
                            title={`Predicted ${formatPercent(row.predicted)}`}
                            lines={[
                              { name: 'Observed', value: formatPercent(row.observed), color: '#e8590c' },
                              { name: 'Contacts evaluated', value: formatCount(row.count) },
                            ]}
                          />
                        ) : null;
                      }}
                    />
                    <Legend verticalAlign="top" itemSorter={legendOrder(['Observed', 'Perfect'])} />
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
          <Card title="Cumulative gains" note="churners found, riskiest first, cross-validated">
            {gains.length === 0 ? (
              <EmptyState title="No gains curve for this model" />
            ) : (
              <div className="chart" role="img" aria-label="Cumulative gains chart">
                <ResponsiveContainer>
                  <LineChart data={gains} margin={CHART_MARGIN}>
                    <CartesianGrid stroke="#eef1f5" />
                    <XAxis
                      type="number"
                      dataKey="contacts"
                      domain={[0, 1]}
                      tickFormatter={(v: number) => `${Math.round(v * 100)} %`}
                      height={44}
                      label={axisTitle('Customers contacted, riskiest first, %', 'bottom')}
                    />
                    <YAxis
                      domain={[0, 1]}
                      tickFormatter={(v: number) => `${Math.round(v * 100)} %`}
                      width={64}
                      label={axisTitle('Churners found, %', 'left')}
                    />
                    <Tooltip
                      content={(props) => {
                        const row = tooltipRow<(typeof gains)[number]>(props);
                        return row ? (
                          <ChartTooltip
                            title={`Riskiest ${formatPercent(row.contacts, 0)} of customers`}
                            lines={[
                              {
                                name: 'Churners found',
                                value: formatPercent(row.churners, 0),
                                color: '#e8590c',
                              },
                              { name: 'At random', value: formatPercent(row.random, 0) },
                            ]}
                          />
                        ) : null;
                      }}
                    />
                    <Legend verticalAlign="top" itemSorter={legendOrder(['Model', 'Random'])} />
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
          <Card title="Top drivers" note="reasons raising the current scores" className="drivers">
            {drivers.length === 0 ? (
              <EmptyState title="No reasons recorded yet" />
            ) : (
              <DriversChart drivers={drivers} active={scoredContacts ?? 0} />
            )}
          </Card>
          <Card
            title="Drift"
            className="drift"
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
                      { key: 'name', label: 'Feature', render: (f) => f.label },
                      {
                        key: 'moved',
                        label: 'Against training',
                        render: (f) => driftWords(f.psi, drift.threshold),
                      },
                      { key: 'psi', label: 'PSI', numeric: true, render: (f) => formatNumber(f.psi, 3) },
                    ]}
                  />
                )}
                <p className="muted" style={{ fontSize: 13, margin: '8px 0 0' }}>
                  PSI, the population stability index: how far this run&apos;s values moved from the training
                  data&apos;s; under 0.1 is stable, above {formatNumber(drift.threshold, 2)} raises the alert.
                </p>
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
              {
                key: 'oot',
                label: 'ROC-AUC, latest cutoff',
                numeric: true,
                render: (r) =>
                  r.metrics.out_of_time?.status === 'measured'
                    ? metric(r.metrics.out_of_time.roc_auc.value)
                    : '—',
              },
              {
                key: 'auc',
                label: 'ROC-AUC, cross-validated',
                numeric: true,
                render: (r) => metric(r.metrics.roc_auc),
              },
              { key: 'brier', label: 'Brier', numeric: true, render: (r) => metric(r.metrics.brier) },
            ]}
          />
        </Card>
      </div>
    </>
  );
}
