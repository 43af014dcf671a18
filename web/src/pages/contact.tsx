import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useApi } from '../api.js';
import { formatDate, formatDay, formatMoney } from '../format.js';
import { Link } from '../router.js';
import { usePortalPath } from '../session.js';
import { Card, EmptyState, ErrorNotice, PageHeader, Spinner, Stat, TierTag } from '../ui.js';

/** What the risk card shows (GET …/contacts/:id answers the card's own view). */
interface ContactRiskView {
  /** `churned` (left) and `prospect` (never bought) have no score: only active customers do. */
  status: 'scored' | 'churned' | 'prospect' | 'not_scored' | 'syncing';
  /** Null before any run looked at the contact. */
  customer: {
    status: 'prospect' | 'active' | 'churned';
    since: string | null;
    /** Null when the CRM does not date the churn. */
    leftOn: string | null;
    /** What showed that they left, in words. */
    evidence: string | null;
  } | null;
  contactId: string;
  contact: { name: string | null; email: string | null } | null;
  score: {
    value: number;
    tier: string;
    scoredAt: string;
    model: { label: string; isStarter: boolean };
  } | null;
  trend: { change: number; previous: number; previousScoredAt: string } | null;
  history: { week: string; score: number }[];
  reasons: { feature: string; text: string; direction: 'raises' | 'lowers' }[];
  recommendation: { title: string; because: string } | null;
  renewal: { date: string; valueAtRisk: number | null; dealName: string | null } | null;
  crmUrl: string;
}

function Reasons({
  reasons,
  direction,
}: {
  reasons: ContactRiskView['reasons'];
  direction: 'raises' | 'lowers';
}) {
  const shown = reasons.filter((r) => r.direction === direction);
  if (shown.length === 0) return null;
  return (
    <>
      <h3 className="stat-label">{direction === 'raises' ? 'Raising the risk' : 'Lowering the risk'}</h3>
      <ul className="reasons">
        {shown.map((r) => (
          <li key={r.feature}>
            <span className={direction === 'raises' ? 'up' : 'down'} aria-hidden="true">
              {direction === 'raises' ? '▲' : '▼'}
            </span>{' '}
            {r.text}
          </li>
        ))}
      </ul>
    </>
  );
}

/** A customer who left, as the card shows it: when, what showed it, since when they were one. */
function LeftCustomer({ customer }: { customer: ContactRiskView['customer'] }) {
  return (
    <Card title="No longer a customer">
      <p className="lead" data-testid="contact-left">
        {customer?.leftOn ? `Left on ${formatDay(customer.leftOn)}` : 'Left (date not recorded)'}
      </p>
      <dl className="facts">
        {customer?.evidence && (
          <div>
            <dt>What showed it</dt>
            <dd>{customer.evidence}</dd>
          </div>
        )}
        {customer?.since && (
          <div>
            <dt>Customer since</dt>
            <dd>{formatDay(customer.since)}</dd>
          </div>
        )}
      </dl>
      <p className="muted">
        Churn risk is scored for active customers only. <Link to="/lost">See all lost customers</Link>
      </p>
    </Card>
  );
}

/**
 * The risk card's content for one contact: score, trend, reasons, next step, renewal; or, for a
 * customer who left, when and what showed it, and for a prospect that only customers are scored.
 */
export function ContactPage({ contactId }: { contactId: string }) {
  const view = useApi<ContactRiskView>(usePortalPath(`contacts/${encodeURIComponent(contactId)}`));
  if (view.state === 'loading') return <Spinner />;
  if (view.state === 'error')
    return view.error.status === 404 ? (
      <EmptyState title="No such contact in this portal">
        <p>
          <Link to="/at-risk">Back to the at-risk list</Link>
        </p>
      </EmptyState>
    ) : (
      <ErrorNotice error={view.error} />
    );
  const c = view.data;
  const name = c.contact?.name ?? c.contact?.email ?? `Contact ${c.contactId}`;
  const header = (
    <PageHeader
      title={name}
      subtitle={c.contact?.name ? c.contact.email : undefined}
      actions={
        <a className="button" href={c.crmUrl} target="_blank" rel="noreferrer">
          Open in the CRM ↗
        </a>
      }
    />
  );
  if (c.status === 'churned') {
    return (
      <>
        {header}
        <LeftCustomer customer={c.customer} />
      </>
    );
  }
  if (c.status === 'prospect') {
    return (
      <>
        {header}
        <Card>
          <p className="lead" data-testid="contact-prospect">
            Not a customer yet — churn risk is scored for customers only.
          </p>
        </Card>
      </>
    );
  }
  if (!c.score) {
    return (
      <>
        {header}
        <Card>
          <EmptyState title={c.status === 'syncing' ? 'The first sync is still running' : 'Not scored yet'}>
            <p>The score appears after the next scoring run.</p>
          </EmptyState>
        </Card>
      </>
    );
  }
  const trend = c.trend;
  return (
    <>
      {header}
      <div className="stack">
        <div className="grid stats">
          <Stat
            testId="contact-score"
            label="Churn risk"
            value={
              <>
                {c.score.value} <TierTag tier={c.score.tier} />
              </>
            }
            hint={`scored ${formatDate(c.score.scoredAt)} · ${c.score.model.label}`}
          />
          <Stat
            label="Since last week"
            value={trend ? `${trend.change > 0 ? '+' : ''}${trend.change}` : '—'}
            hint={
              trend
                ? `from ${trend.previous} on ${formatDate(trend.previousScoredAt)}`
                : 'no score a week before'
            }
          />
          <Stat
            label="Next step"
            value={<span style={{ fontSize: '1.1rem' }}>{c.recommendation?.title ?? '—'}</span>}
            hint={c.recommendation?.because}
          />
          {c.renewal && (
            <Stat
              label="Renewal"
              value={<span style={{ fontSize: '1.1rem' }}>{formatDate(c.renewal.date)}</span>}
              hint={
                c.renewal.valueAtRisk === null
                  ? (c.renewal.dealName ?? undefined)
                  : `${formatMoney(c.renewal.valueAtRisk)} at stake`
              }
            />
          )}
        </div>
        {c.score.model.isStarter && (
          <div className="notice">
            Scored by the starter model: the portal does not have enough churn history to train its own yet.
          </div>
        )}
        <div className="grid two">
          <Card title="Why">
            <Reasons reasons={c.reasons} direction="raises" />
            <Reasons reasons={c.reasons} direction="lowers" />
          </Card>
          <Card title="Trend" note="last score of each week">
            <div className="chart" role="img" aria-label="Weekly churn risk score">
              <ResponsiveContainer>
                <LineChart data={c.history}>
                  <CartesianGrid stroke="#eef1f5" />
                  <XAxis dataKey="week" />
                  <YAxis domain={[0, 100]} />
                  <Tooltip />
                  <Line dataKey="score" stroke="#e8590c" strokeWidth={2} isAnimationActive={false} />
                </LineChart>
              </ResponsiveContainer>
            </div>
          </Card>
        </div>
      </div>
    </>
  );
}
