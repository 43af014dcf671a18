import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ContactRiskView } from '../../../server/api/cards/contact-risk-view.js';
import type { ContactDetail } from '../../../server/api/dashboard/contact-detail.js';
import { useApi } from '../api.js';
import { formatDate, formatDay, formatMoney, formatScore } from '../format.js';
import { usePageTitle } from '../page-title.js';
import { Link } from '../router.js';
import { usePortalPath } from '../session.js';
import { Card, EmptyState, ErrorNotice, PageHeader, Spinner, Stat, TierTag } from '../ui.js';
import { ActionsCard } from './contact-actions.js';
import { ContactFacts } from './contact-facts.js';

/** GET …/contacts/:id: the risk card's own view, the CRM link, and the dashboard's extra facts. */
type ContactView = ContactRiskView & { crmUrl: string; detail: ContactDetail | null };

function Reasons({
  reasons,
  direction,
}: {
  reasons: ContactView['reasons'];
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
function LeftCustomer({ customer }: { customer: ContactView['customer'] }) {
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

/** A week's Monday (UTC) on an axis: "3 Nov". */
const weekTick = (week: string) =>
  new Date(week).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });

/** The weekly scores as a line; one week is a sentence, not a lone dot. */
function TrendCard({ history }: { history: ContactView['history'] }) {
  const first = history[0];
  const last = history[history.length - 1];
  if (!first || !last || history.length === 1) {
    return (
      <Card title="Trend">
        <p className="lead" data-testid="trend-first">
          {first
            ? `Scored for the first time in the week of ${formatDay(first.week)}`
            : 'No weekly scores yet'}
        </p>
        <p className="muted">The trend appears here once the contact has been scored in two weeks.</p>
      </Card>
    );
  }
  const summary =
    `Weekly churn risk score over ${history.length} weeks, from ${formatScore(first.score)} in the week of ` +
    `${formatDay(first.week)} to ${formatScore(last.score)} in the week of ${formatDay(last.week)}.`;
  return (
    <Card title="Trend" note="last score of each week, 0–100">
      <div className="chart" role="img" aria-label={summary} data-testid="trend-chart">
        <ResponsiveContainer>
          <LineChart data={history} margin={{ top: 8, right: 16, bottom: 20, left: 4 }}>
            <CartesianGrid stroke="#eef1f5" />
            <XAxis
              dataKey="week"
              tickFormatter={weekTick}
              label={{ value: 'Week starting', position: 'insideBottom', offset: -12, fill: '#5b6675' }}
            />
            <YAxis
              domain={[0, 100]}
              ticks={[0, 25, 50, 75, 100]}
              width={48}
              label={{ value: 'Risk score', angle: -90, position: 'insideLeft', offset: 10, fill: '#5b6675' }}
            />
            <Tooltip
              labelFormatter={(week) => `Week of ${formatDay(String(week))}`}
              formatter={(score) => [formatScore(Number(score)), 'Risk score']}
            />
            <Line
              dataKey="score"
              name="Risk score"
              stroke="#e8590c"
              strokeWidth={2}
              dot={{ r: 3 }}
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </div>
      {/* The chart's data for screen readers; a table ignores a width, so a box holds it. */}
      <div className="visually-hidden">
        <table>
          <caption>{summary}</caption>
          <thead>
            <tr>
              <th scope="col">Week starting</th>
              <th scope="col">Risk score</th>
            </tr>
          </thead>
          <tbody>
            {history.map((h) => (
              <tr key={h.week}>
                <td>{formatDay(h.week)}</td>
                <td>{formatScore(h.score)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

function RenewalStat({ renewal }: { renewal: ContactView['renewal'] }) {
  const hint = renewal
    ? [
        renewal.valueAtRisk === null ? null : `${formatMoney(renewal.valueAtRisk)} at stake`,
        // Without an open renewal deal, the renewal is the anniversary of their billing period.
        renewal.dealName ?? 'by billing period',
      ]
        .filter(Boolean)
        .join(' · ')
    : 'no open renewal deal or billing period';
  return (
    <Stat
      testId="contact-renewal"
      label="Next renewal"
      value={<span className="stat-value-small">{renewal ? formatDate(renewal.date) : '—'}</span>}
      hint={hint}
    />
  );
}

/**
 * One contact: the risk card's content (score, trend, reasons, next step, renewal), what an advisor
 * can do about it, and who the contact is (company, stage, owner, latest tickets and emails); for a
 * customer who left, when and what showed it, and for a prospect that only customers are scored.
 */
export function ContactPage({ contactId }: { contactId: string }) {
  const view = useApi<ContactView>(usePortalPath(`contacts/${encodeURIComponent(contactId)}`));
  const c = view.state === 'ready' ? view.data : null;
  const name = c ? (c.contact?.name ?? c.contact?.email ?? `Contact ${c.contactId}`) : null;
  // The tab reads "<name> — Churn Radar".
  usePageTitle(name);

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
  if (!c || !name) return null;
  const company = c.detail?.company?.name;
  const header = (
    <PageHeader
      title={name}
      subtitle={[c.contact?.name ? c.contact.email : null, company].filter(Boolean).join(' · ') || undefined}
      actions={
        <a className="button" href={c.crmUrl} target="_blank" rel="noreferrer">
          Open in the CRM ↗
        </a>
      }
    />
  );
  if (c.status === 'churned' || c.status === 'prospect' || !c.score) {
    return (
      <>
        {header}
        <div className="stack">
          {c.status === 'churned' ? (
            <LeftCustomer customer={c.customer} />
          ) : c.status === 'prospect' ? (
            <Card>
              <p className="lead" data-testid="contact-prospect">
                Not a customer yet — churn risk is scored for customers only.
              </p>
            </Card>
          ) : (
            <Card>
              <EmptyState
                title={c.status === 'syncing' ? 'The first sync is still running' : 'Not scored yet'}
              >
                <p>The score appears after the next scoring run.</p>
              </EmptyState>
            </Card>
          )}
          <ContactFacts customer={c.customer} email={c.contact?.email ?? null} detail={c.detail} />
        </div>
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
                {formatScore(c.score.value)} <TierTag tier={c.score.tier} />
              </>
            }
            hint={`scored ${formatDate(c.score.scoredAt)} · ${c.score.model.label}`}
          />
          <Stat
            label="Since last week"
            value={trend ? `${trend.change > 0 ? '+' : ''}${formatScore(trend.change)}` : '—'}
            hint={
              trend
                ? `from ${formatScore(trend.previous)} on ${formatDate(trend.previousScoredAt)}`
                : 'no score a week before'
            }
          />
          <RenewalStat renewal={c.renewal} />
          <Stat
            label="Next step"
            value={<span className="stat-value-small">{c.recommendation?.title ?? '—'}</span>}
            hint={c.recommendation?.because}
          />
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
          <ActionsCard
            key={c.contactId}
            contactId={c.contactId}
            outcome={c.detail?.outcome ?? null}
            onOutcomeChange={view.reload}
          />
        </div>
        <TrendCard history={c.history} />
        <ContactFacts customer={c.customer} email={c.contact?.email ?? null} detail={c.detail} />
      </div>
    </>
  );
}
