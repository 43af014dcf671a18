import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useApi } from '../api.js';
import { formatAmount, formatCount, formatDay, formatPercent, formatPoints } from '../format.js';
import { usePortalPath } from '../session.js';
import {
  axisTitle,
  Card,
  CHART_MARGIN,
  ChartTooltip,
  EmptyState,
  legendOrder,
  Table,
  Tag,
  tooltipRow,
} from '../ui.js';
import { ReportPage } from './reports.js';

interface Proportion {
  observed: number;
  churned: number;
  rate: number | null;
}

interface WindowEffect {
  days: number;
  treatment: Proportion;
  control: Proportion;
  /** Control churn minus treatment churn: the share of treated customers the action kept. */
  uplift: number | null;
  ci95: { low: number; high: number } | null;
  /** Enrolled contacts whose window has not ended yet. */
  pending: number;
}

interface CampaignEffect {
  campaignId: string;
  action: string;
  enrolled: { treatment: number; control: number };
  firstEnrolledAt?: string;
  windows: WindowEffect[];
  offers: { issued: number; redeemed: number; redemptionRate: number | null; redeemedValue?: number } | null;
  savedCustomers: number | null;
  costPerSavedCustomer: number | null;
  /** Treated customers an advisor marked saved or lost after enrolment (an API that has it). */
  advisorOutcomes?: { saved: number; lost: number };
}

interface RetentionEffectReport {
  asOf: string;
  campaigns: CampaignEffect[];
  currency?: string;
}

/** The longest outcome window in which both groups have someone observed. */
function settledWindow(c: CampaignEffect) {
  return [...c.windows].reverse().find((w) => w.treatment.observed > 0 && w.control.observed > 0) ?? null;
}

const rate = (p: Proportion | undefined) =>
  p?.rate === null || p?.rate === undefined ? '—' : formatPercent(p.rate);

const actionName = (action: string) => action.replace(/[-_]+/g, ' ');

/** The portal's currency: the retention report's when it carries one, else the overview's. */
function useCurrency(report: RetentionEffectReport): string {
  const overview = useApi<{ currency?: string }>(usePortalPath('overview'));
  if (report.currency) return report.currency;
  return (overview.state === 'ready' && overview.data.currency) || 'USD';
}

/** What the uplift's 95 % interval says, in words. */
function verdict(ci: { low: number; high: number } | null) {
  if (!ci) return null;
  if (ci.low > 0)
    return (
      <>
        <Tag tone="low">kept customers</Tag> the whole interval is above zero.
      </>
    );
  if (ci.high < 0)
    return (
      <>
        <Tag tone="high">more left</Tag> the whole interval is below zero: treated customers left more.
      </>
    );
  return (
    <>
      <Tag>not clear yet</Tag> the interval includes zero: not yet told apart from no effect.
    </>
  );
}

/** One outcome window of a campaign in a sentence: churn in each group, the uplift and its interval. */
function WindowSentence({ w }: { w: WindowEffect }) {
  const settled = w.treatment.observed > 0 && w.control.observed > 0;
  if (!settled) {
    return (
      <li data-testid={`window-${w.days}`}>
        <strong>{w.days} days:</strong> <Tag>pending</Tag>{' '}
        {w.pending > 0
          ? `${formatCount(w.pending)} enrolled customers are still inside their ${w.days} days; the result shows once their windows end.`
          : 'no result: one of the groups has no customer to count.'}
      </li>
    );
  }
  return (
    <li data-testid={`window-${w.days}`}>
      <strong>{w.days} days:</strong> {rate(w.treatment)} of {formatCount(w.treatment.observed)} treated
      customers left ({formatCount(w.treatment.churned)}), against {rate(w.control)} of{' '}
      {formatCount(w.control.observed)} in the holdout ({formatCount(w.control.churned)}).
      {w.uplift !== null && (
        <>
          {' '}
          Uplift {formatPoints(w.uplift)}
          {w.ci95 && (
            <>
              {' '}
              (95 % interval {formatPoints(w.ci95.low)} to {formatPoints(w.ci95.high)})
            </>
          )}
          : {verdict(w.ci95)}
        </>
      )}
      {w.pending > 0 && (
        <>
          {' '}
          <Tag>so far</Tag> {formatCount(w.pending)} more are still inside their {w.days} days.
        </>
      )}
    </li>
  );
}

/**
 * What advisors marked by hand on the treated customers: their word, beside the measurement and
 * never part of it (no holdout to compare with).
 */
function AdvisorOutcomes({ value }: { value: { saved: number; lost: number } | undefined }) {
  if (!value) return null;
  return (
    <p data-testid="advisor-outcomes">
      {value.saved + value.lost === 0
        ? 'No advisor has marked a treated customer saved or lost yet.'
        : `Advisors marked ${formatCount(value.saved)} treated customers saved and ${formatCount(value.lost)} lost from the contact view.`}{' '}
      <span className="muted">
        Their word, not a measurement: it has no holdout and is not in the rates above.
      </span>
    </p>
  );
}

function CampaignCard({ c, currency }: { c: CampaignEffect; currency: string }) {
  return (
    <Card
      title={`${c.campaignId} · ${actionName(c.action)}`}
      note={c.firstEnrolledAt ? `enrolment from ${formatDay(c.firstEnrolledAt)}` : undefined}
    >
      <div data-testid={`campaign-${c.campaignId}`}>
        <p>
          {formatCount(c.enrolled.treatment + c.enrolled.control)} customers enrolled:{' '}
          {formatCount(c.enrolled.treatment)} treated, {formatCount(c.enrolled.control)} held out at random.
          Churn counts by the portal&apos;s rule, once a customer&apos;s window has ended.
        </p>
        <ul className="reasons">
          {c.windows.map((w) => (
            <WindowSentence key={w.days} w={w} />
          ))}
        </ul>
        {c.offers && (
          <p data-testid="offers">
            Offers: {formatCount(c.offers.issued)} issued, {formatCount(c.offers.redeemed)} redeemed
            {c.offers.redemptionRate !== null && ` (${formatPercent(c.offers.redemptionRate)})`}
            {c.offers.redeemedValue ? `, worth ${formatAmount(c.offers.redeemedValue, currency)}` : ''}.
            {c.savedCustomers !== null &&
              ` About ${formatCount(c.savedCustomers)} treated customers kept (by the longest window with a result)`}
            {c.costPerSavedCustomer !== null &&
              `, at ${formatAmount(c.costPerSavedCustomer, currency)} of redeemed offers each`}
            {c.savedCustomers !== null && '.'}
          </p>
        )}
        <AdvisorOutcomes value={c.advisorOutcomes} />
      </div>
    </Card>
  );
}

function Effect({ report }: { report: RetentionEffectReport }) {
  const currency = useCurrency(report);
  if (report.campaigns.length === 0) {
    return (
      <Card>
        <EmptyState title="No retention campaigns yet">
          <p>
            Use the Churn Radar actions in a CRM workflow; each keeps a random holdout to measure against.
          </p>
        </EmptyState>
      </Card>
    );
  }
  // Every settled window of every campaign: treated against holdout, side by side.
  const chart = report.campaigns.flatMap((c) =>
    c.windows
      .filter((w) => w.treatment.observed > 0 && w.control.observed > 0)
      .map((w) => ({
        name: `${c.campaignId} · ${w.days} d`,
        campaign: `${c.campaignId} · ${actionName(c.action)}`,
        window: w,
        treatment: w.treatment.rate ?? 0,
        control: w.control.rate ?? 0,
      })),
  );
  return (
    <div className="stack">
      {chart.length > 0 && (
        <Card title="Churn: treated against holdout" note="each outcome window that has ended for someone">
          <div
            className="chart"
            role="img"
            aria-label="Churn rate of treated and control contacts per campaign and window"
          >
            <ResponsiveContainer>
              <BarChart data={chart} margin={CHART_MARGIN}>
                <CartesianGrid vertical={false} stroke="#eef1f5" />
                <XAxis
                  dataKey="name"
                  height={44}
                  label={axisTitle('Campaign · days after enrolment', 'bottom')}
                />
                <YAxis
                  tickFormatter={(v: number) => `${Math.round(v * 100)} %`}
                  width={64}
                  label={axisTitle('Customers who left, %', 'left')}
                />
                <Tooltip
                  content={(props) => {
                    const row = tooltipRow<(typeof chart)[number]>(props);
                    if (!row) return null;
                    const w = row.window;
                    return (
                      <ChartTooltip
                        title={`${row.campaign}, within ${w.days} days`}
                        lines={[
                          {
                            name: 'Treated',
                            value: `${rate(w.treatment)} of ${formatCount(w.treatment.observed)}`,
                            color: '#2f9e44',
                          },
                          {
                            name: 'Holdout',
                            value: `${rate(w.control)} of ${formatCount(w.control.observed)}`,
                            color: '#868e96',
                          },
                          {
                            name: 'Uplift',
                            value:
                              w.uplift === null
                                ? '—'
                                : `${formatPoints(w.uplift)}${w.ci95 ? ` (95 %: ${formatPoints(w.ci95.low)} to ${formatPoints(w.ci95.high)})` : ''}`,
                          },
                        ]}
                        note={w.pending > 0 ? `${formatCount(w.pending)} still inside the window` : undefined}
                      />
                    );
                  }}
                />
                <Legend verticalAlign="top" itemSorter={legendOrder(['Treated', 'Holdout'])} />
                <Bar dataKey="treatment" name="Treated" fill="#2f9e44" isAnimationActive={false} />
                <Bar dataKey="control" name="Holdout" fill="#adb5bd" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
        </Card>
      )}
      <Card title="Campaigns">
        <Table
          caption="Retention effect per campaign and action"
          wrapHeaders
          rows={report.campaigns}
          rowKey={(c) => `${c.campaignId}/${c.action}`}
          columns={[
            { key: 'campaign', label: 'Campaign', render: (c) => c.campaignId },
            { key: 'action', label: 'Action', render: (c) => actionName(c.action) },
            {
              key: 'enrolled',
              label: 'Treated / holdout',
              numeric: true,
              render: (c) => `${formatCount(c.enrolled.treatment)} / ${formatCount(c.enrolled.control)}`,
            },
            {
              key: 'window',
              label: 'Window',
              render: (c) => (settledWindow(c) ? `${settledWindow(c)!.days} days` : 'pending'),
            },
            {
              key: 'treated',
              label: 'Churn treated',
              numeric: true,
              render: (c) => rate(settledWindow(c)?.treatment),
            },
            {
              key: 'control',
              label: 'Churn holdout',
              numeric: true,
              render: (c) => rate(settledWindow(c)?.control),
            },
            {
              key: 'uplift',
              label: 'Uplift (95 % CI)',
              numeric: true,
              render: (c) => {
                const w = settledWindow(c);
                if (!w || w.uplift === null) return '—';
                const ci = w.ci95 ? ` (${formatPercent(w.ci95.low)} to ${formatPercent(w.ci95.high)})` : '';
                return `${formatPercent(w.uplift)}${ci}`;
              },
            },
            {
              key: 'offers',
              label: 'Offers redeemed',
              numeric: true,
              render: (c) =>
                c.offers ? `${formatCount(c.offers.redeemed)} of ${formatCount(c.offers.issued)}` : '—',
            },
            {
              key: 'cost',
              label: `Cost per save (${currency})`,
              numeric: true,
              render: (c) =>
                c.costPerSavedCustomer === null ? '—' : formatAmount(c.costPerSavedCustomer, currency),
            },
          ]}
        />
      </Card>
      {report.campaigns.map((c) => (
        <CampaignCard key={`${c.campaignId}/${c.action}`} c={c} currency={currency} />
      ))}
    </div>
  );
}

export function RetentionPage() {
  return (
    <ReportPage
      title="Retention effect"
      subtitle="Per campaign and action: churn in treatment against the random holdout"
      path="retention/effect"
      render={(data) => <Effect report={data as RetentionEffectReport} />}
    />
  );
}
