import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatCount, formatMoney, formatPercent, percentTick } from '../format.js';
import { Card, EmptyState, Table } from '../ui.js';
import { ReportPage } from './reports.js';

interface Proportion {
  observed: number;
  churned: number;
  rate: number | null;
}

interface CampaignEffect {
  campaignId: string;
  action: string;
  enrolled: { treatment: number; control: number };
  windows: {
    days: number;
    treatment: Proportion;
    control: Proportion;
    uplift: number | null;
    ci95: { low: number; high: number } | null;
    pending: number;
  }[];
  offers: { issued: number; redeemed: number; redemptionRate: number | null } | null;
  savedCustomers: number | null;
  costPerSavedCustomer: number | null;
}

interface RetentionEffectReport {
  asOf: string;
  campaigns: CampaignEffect[];
}

/** The longest outcome window in which both groups have someone observed. */
function settledWindow(c: CampaignEffect) {
  return [...c.windows].reverse().find((w) => w.treatment.observed > 0 && w.control.observed > 0) ?? null;
}

const rate = (p: Proportion | undefined) =>
  p?.rate === null || p?.rate === undefined ? '—' : formatPercent(p.rate);

function Effect({ report }: { report: RetentionEffectReport }) {
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
  const chart = report.campaigns
    .map((c) => ({ c, w: settledWindow(c) }))
    .filter((x) => x.w !== null)
    .map(({ c, w }) => ({
      name: `${c.campaignId} · ${c.action}`,
      treatment: w!.treatment.rate ?? 0,
      control: w!.control.rate ?? 0,
    }));
  return (
    <div className="stack">
      {chart.length > 0 && (
        <Card title="Churn: treated against holdout" note="longest settled window">
          <div
            className="chart"
            role="img"
            aria-label="Churn rate of treated and control contacts per campaign"
          >
            <ResponsiveContainer>
              <BarChart data={chart}>
                <CartesianGrid vertical={false} stroke="#eef1f5" />
                <XAxis dataKey="name" />
                <YAxis tickFormatter={percentTick} />
                <Tooltip formatter={(v) => formatPercent(Number(v))} />
                <Legend />
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
          rows={report.campaigns}
          rowKey={(c) => `${c.campaignId}/${c.action}`}
          columns={[
            { key: 'campaign', label: 'Campaign', render: (c) => c.campaignId },
            { key: 'action', label: 'Action', render: (c) => c.action.replace(/_/g, ' ') },
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
              label: 'Cost per saved customer',
              numeric: true,
              render: (c) => (c.costPerSavedCustomer === null ? '—' : formatMoney(c.costPerSavedCustomer)),
            },
          ]}
        />
      </Card>
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
