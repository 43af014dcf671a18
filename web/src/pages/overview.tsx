import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useApi } from '../api.js';
import { formatCount, formatDate, formatMoney, formatPercent, TIER_COLORS } from '../format.js';
import { Link } from '../router.js';
import { usePortalPath } from '../session.js';
import { Card, EmptyState, ErrorNotice, PageHeader, Spinner, Stat } from '../ui.js';

export interface Overview {
  contacts: number;
  scoredAt: string | null;
  tiers: { low: number; medium: number; high: number };
  distribution: { from: number; to: number; contacts: number }[];
  trend: {
    week: string;
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
            value={formatMoney(o.valueAtRisk.atRisk)}
            hint="yearly revenue of high and medium risk"
          />
          <Stat
            testId="stat-expected-loss"
            label="Expected loss"
            value={formatMoney(o.valueAtRisk.expectedLoss)}
            hint="revenue × churn probability"
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
                <BarChart data={tiers} layout="vertical" margin={{ left: 10, right: 24 }}>
                  <CartesianGrid horizontal={false} stroke="#eef1f5" />
                  <XAxis type="number" />
                  <YAxis type="category" dataKey="tier" width={70} />
                  <Tooltip />
                  <Bar dataKey="contacts" isAnimationActive={false}>
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
                <BarChart
                  data={o.distribution.map((d) => ({
                    ...d,
                    range: `${Math.round(d.from * 100)}–${Math.round(d.to * 100)}`,
                  }))}
                >
                  <CartesianGrid vertical={false} stroke="#eef1f5" />
                  <XAxis dataKey="range" />
                  <YAxis />
                  <Tooltip />
                  <Bar dataKey="contacts" fill="#e8590c" isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
            </div>
          </Card>
          <Card title="At-risk share over the weeks" note="high tier, and high + medium">
            {o.trend.length < 2 ? (
              <EmptyState title="One week so far">
                <p>The trend appears after the second weekly run.</p>
              </EmptyState>
            ) : (
              <div className="chart" role="img" aria-label="Weekly share of contacts at risk">
                <ResponsiveContainer>
                  <LineChart data={o.trend}>
                    <CartesianGrid stroke="#eef1f5" />
                    <XAxis dataKey="week" />
                    <YAxis tickFormatter={(v: number) => `${Math.round(v * 100)} %`} />
                    <Tooltip formatter={(v) => formatPercent(Number(v))} />
                    <Line
                      dataKey="highShare"
                      name="High"
                      stroke={TIER_COLORS.high}
                      strokeWidth={2}
                      isAnimationActive={false}
                    />
                    <Line
                      dataKey="atRiskShare"
                      name="High + medium"
                      stroke={TIER_COLORS.medium}
                      strokeWidth={2}
                      isAnimationActive={false}
                    />
                    <Line
                      dataKey="meanProbability"
                      name="Mean risk"
                      stroke="#5b6675"
                      strokeDasharray="4 3"
                      isAnimationActive={false}
                    />
                  </LineChart>
                </ResponsiveContainer>
              </div>
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
