import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  Line,
  LineChart,
  ReferenceArea,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useApi } from '../api.js';
import {
  currencyName,
  formatAmount,
  formatCount,
  formatDate,
  formatPercent,
  formatWeek,
  percentTick,
  periodInProgress,
  TIER_COLORS,
} from '../format.js';
import { Link } from '../router.js';
import { usePortalPath } from '../session.js';
import {
  axisTitle,
  Card,
  CHART_MARGIN,
  ChartNote,
  ChartTooltip,
  EmptyState,
  ErrorNotice,
  PageHeader,
  Spinner,
  legendOrder,
  Stat,
  tooltipRow,
  withPartialSegment,
} from '../ui.js';

export interface Overview {
  /** ISO 4217 code of every amount. */
  currency: string;
  contacts: number;
  scoredAt: string | null;
  tiers: { low: number; medium: number; high: number };
  distribution: { from: number; to: number; contacts: number }[];
  trend: {
    week: string;
    /** The week in progress: its totals still change. */
    partial: boolean;
    contacts: number;
    highShare: number;
    atRiskShare: number;
    meanProbability: number;
  }[];
  valueAtRisk: { highTier: number; atRisk: number; expectedLoss: number };
  sinceLastWeek: {
    comparedWith: string | null;
    newlyHigh: number;
    leftHigh: number;
    rose: number;
    fell: number;
    newContacts: number;
  };
}

type TrendWeek = Overview['trend'][number];

const TREND_SERIES = [
  { key: 'highShare', name: 'High tier', color: TIER_COLORS.high, width: 2 },
  { key: 'atRiskShare', name: 'High + medium tiers', color: TIER_COLORS.medium, width: 2 },
  { key: 'meanProbability', name: 'Mean churn probability', color: '#5b6675', width: 1.5 },
] as const;

/** The weekly at-risk shares; the week in progress is dashed, never drawn as a drop. */
function TrendChart({ trend }: { trend: TrendWeek[] }) {
  const rows = withPartialSegment(
    trend,
    TREND_SERIES.map((s) => s.key),
  );
  const partial = trend[trend.length - 1]?.partial ? trend[trend.length - 1]! : null;
  const inProgress = partial ? periodInProgress('week', partial.week) : null;
  return (
    <>
      <div
        className="chart"
        role="img"
        aria-label="Weekly share of contacts at risk"
        aria-describedby={partial ? 'trend-partial' : undefined}
      >
        <ResponsiveContainer>
          <LineChart data={rows} margin={CHART_MARGIN}>
            <CartesianGrid stroke="#eef1f5" />
            <XAxis
              dataKey="week"
              tickFormatter={formatWeek}
              height={44}
              padding={{ left: 8, right: 12 }}
              label={axisTitle('Week starting (Monday)', 'bottom')}
            />
            <YAxis
              tickFormatter={percentTick}
              width={64}
              label={axisTitle('Share of customers, %', 'left')}
            />
            <Tooltip
              content={(props) => {
                const row = tooltipRow<TrendWeek>(props);
                if (!row) return null;
                return (
                  <ChartTooltip
                    title={`Week of ${formatWeek(row.week)}`}
                    lines={[
                      ...TREND_SERIES.map((s) => ({
                        name: s.name,
                        value: formatPercent(row[s.key]),
                        color: s.color,
                      })),
                      { name: 'Customers scored', value: formatCount(row.contacts) },
                    ]}
                    note={row.partial ? `${periodInProgress('week', row.week)}, still changing` : undefined}
                  />
                );
              }}
            />
            <Legend verticalAlign="top" itemSorter={legendOrder(TREND_SERIES.map((s) => s.name))} />
            {TREND_SERIES.map((s) => (
              <Line
                key={s.key}
                dataKey={`${s.key}Solid`}
                name={s.name}
                stroke={s.color}
                strokeWidth={s.width}
                isAnimationActive={false}
              />
            ))}
            {partial && rows.length > 1 && (
              <ReferenceArea
                x1={rows[rows.length - 2]!.week}
                x2={partial.week}
                fill="#f1f3f5"
                label={{ value: 'in progress', position: 'insideTop', fontSize: 11, fill: '#5b6675' }}
              />
            )}
            {partial &&
              TREND_SERIES.map((s) => (
                <Line
                  key={`${s.key}Partial`}
                  dataKey={`${s.key}Partial`}
                  name={`${s.name}, week in progress`}
                  legendType="none"
                  stroke={s.color}
                  strokeWidth={s.width}
                  strokeDasharray="5 4"
                  dot={{ r: 3, fill: '#fff', stroke: s.color }}
                  className="partial-segment"
                  isAnimationActive={false}
                />
              ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      {partial && inProgress && (
        <ChartNote mark="dashed" testId="trend-partial">
          <span id="trend-partial">
            Dashed: {inProgress} ({formatCount(partial.contacts)} customers scored so far); its shares change
            until the week ends.
          </span>
        </ChartNote>
      )}
    </>
  );
}

export function OverviewPage() {
  const overview = useApi<Overview>(usePortalPath('overview'));
  const header = (
    <PageHeader title="Overview" subtitle="Who is about to leave, and how that changes week by week" />
  );
  if (overview.state === 'loading')
    return (
      <>
        {header}
        <Spinner />
      </>
    );
  if (overview.state === 'error')
    return (
      <>
        {header}
        <ErrorNotice error={overview.error} />
      </>
    );
  const o = overview.data;
  if (o.contacts === 0) {
    return (
      <>
        {header}
        <Card>
          <EmptyState title="No scores yet">
            <p>
              Active customers get their first score after the first sync. This page fills in as soon as they
              do.
            </p>
          </EmptyState>
        </Card>
      </>
    );
  }
  const tiers = (['high', 'medium', 'low'] as const).map((tier) => ({ tier, contacts: o.tiers[tier] }));
  const change = o.sinceLastWeek;
  const money = (n: number) => (
    <span title={formatAmount(n, o.currency, { compact: false })}>{formatAmount(n, o.currency)}</span>
  );
  const distribution = o.distribution.map((d) => ({
    ...d,
    range: `${Math.round(d.from * 100)}–${Math.round(d.to * 100)}`,
  }));
  return (
    <>
      <PageHeader
        title="Overview"
        subtitle={
          <>
            <span data-testid="active-customers">Active customers: {formatCount(o.contacts)}</span> · last
            scored {formatDate(o.scoredAt)}
          </>
        }
      />
      <div className="stack">
        <div className="grid stats">
          <Stat
            testId="stat-high"
            label="High risk"
            value={formatCount(o.tiers.high)}
            hint={`${formatPercent(o.tiers.high / o.contacts)} of active customers`}
          />
          <Stat
            testId="stat-medium"
            label="Medium risk"
            value={formatCount(o.tiers.medium)}
            hint={`${formatPercent(o.tiers.medium / o.contacts)} of active customers`}
          />
          <Stat
            testId="stat-value-at-risk"
            label="Value at risk"
            value={money(o.valueAtRisk.atRisk)}
            hint={`won deals of the last 12 months, high and medium risk · ${currencyName(o.currency)}`}
          />
          <Stat
            testId="stat-expected-loss"
            label="Expected loss"
            value={money(o.valueAtRisk.expectedLoss)}
            hint={`those deals × churn probability · ${o.currency}`}
          />
        </div>
        <div className="grid two">
          <Card title="Customers by tier">
            <div
              className="chart"
              role="img"
              aria-label={`High ${o.tiers.high}, medium ${o.tiers.medium}, low ${o.tiers.low}`}
            >
              <ResponsiveContainer>
                <BarChart data={tiers} layout="vertical" margin={{ ...CHART_MARGIN, right: 24 }}>
                  <CartesianGrid horizontal={false} stroke="#eef1f5" />
                  <XAxis type="number" height={44} label={axisTitle('Customers', 'bottom')} />
                  <YAxis type="category" dataKey="tier" width={96} label={axisTitle('Risk tier', 'left')} />
                  <Tooltip
                    content={(props) => {
                      const row = tooltipRow<(typeof tiers)[number]>(props);
                      return row ? (
                        <ChartTooltip
                          title={`${row.tier[0]!.toUpperCase()}${row.tier.slice(1)} risk`}
                          lines={[
                            {
                              name: 'Customers',
                              value: `${formatCount(row.contacts)} (${formatPercent(row.contacts / o.contacts)})`,
                            },
                          ]}
                        />
                      ) : null;
                    }}
                  />
                  <Bar dataKey="contacts" name="Customers" isAnimationActive={false}>
                    {tiers.map((t) => (
                      <Cell key={t.tier} fill={TIER_COLORS[t.tier]} />
                    ))}
                  </Bar>
                </BarChart>
              </ResponsiveContainer>
            </div>
          </Card>
          <Card title="Risk distribution" note="customers by churn probability">
            <div className="chart" role="img" aria-label="Histogram of churn probabilities">
              <ResponsiveContainer>
                <BarChart data={distribution} margin={CHART_MARGIN}>
                  <CartesianGrid vertical={false} stroke="#eef1f5" />
                  <XAxis dataKey="range" height={44} label={axisTitle('Churn probability, %', 'bottom')} />
                  <YAxis width={64} label={axisTitle('Customers', 'left')} />
                  <Tooltip
                    content={(props) => {
                      const row = tooltipRow<(typeof distribution)[number]>(props);
                      return row ? (
                        <ChartTooltip
                          title={`Churn probability ${row.range} %`}
                          lines={[{ name: 'Customers', value: formatCount(row.contacts) }]}
                        />
                      ) : null;
                    }}
                  />
                  <Bar dataKey="contacts" name="Customers" fill="#e8590c" isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
            </div>
          </Card>
          <Card title="At-risk share over the weeks" note="high tier, high + medium, and the mean risk">
            {o.trend.length < 2 ? (
              <EmptyState title="One week so far">
                <p>The trend appears after the second weekly run.</p>
              </EmptyState>
            ) : (
              <TrendChart trend={o.trend} />
            )}
          </Card>
          <Card
            title="What changed since last week"
            note={change.comparedWith ? `vs ${formatDate(change.comparedWith)}` : undefined}
          >
            {change.comparedWith === null ? (
              <EmptyState title="Nothing to compare with yet">
                <p>Changes show once contacts have a score from a week before.</p>
              </EmptyState>
            ) : (
              <ul className="reasons" data-testid="changes">
                <li>
                  <strong className="up">{formatCount(change.newlyHigh)}</strong> contacts became high risk
                </li>
                <li>
                  <strong className="down">{formatCount(change.leftHigh)}</strong> left the high tier
                </li>
                <li>
                  <strong>{formatCount(change.rose)}</strong> rose and{' '}
                  <strong>{formatCount(change.fell)}</strong> fell by 5 points or more
                </li>
                <li>
                  <strong>{formatCount(change.newContacts)}</strong> scored for the first time
                </li>
                <li>
                  <Link to="/at-risk">Open the at-risk list</Link>
                </li>
              </ul>
            )}
          </Card>
        </div>
      </div>
    </>
  );
}
