import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useApi } from '../api.js';
import { formatDate } from '../format.js';
import { Link } from '../router.js';
import { usePortalPath } from '../session.js';
import { Card, EmptyState, ErrorNotice, PageHeader, Spinner, Stat, TierTag } from '../ui.js';

interface ContactView {
  contactId: string;
  name: string;
  email: string | null;
  company: string | null;
  lifecycleStage: string | null;
  score: number | null;
  tier: string | null;
  scoredAt: string | null;
  isStarterModel: boolean;
  reasons: { feature: string; label: string; value: string | number | null; contribution: number }[];
  recommendation: { title: string; because: string } | null;
  history: { week: string; score: number; tier: string }[];
  crmUrl: string;
}

const shown = (v: string | number | null) =>
  v === null || v === '' ? 'unknown' : typeof v === 'number' ? Number(v.toFixed(1)) : v;

/** The risk card's content for one contact: score, trend, reasons, next step. */
export function ContactPage({ contactId }: { contactId: string }) {
  const view = useApi<ContactView>(usePortalPath(`contacts/${encodeURIComponent(contactId)}`));
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
  const raising = c.reasons.filter((r) => r.contribution > 0);
  const lowering = c.reasons.filter((r) => r.contribution < 0);
  return (
    <>
      <PageHeader
        title={c.name}
        subtitle={[c.company, c.email, c.lifecycleStage].filter(Boolean).join(' · ')}
        actions={
          <a className="button" href={c.crmUrl} target="_blank" rel="noreferrer">
            Open in the CRM ↗
          </a>
        }
      />
      {c.score === null ? (
        <Card>
          <EmptyState title="Not scored yet" />
        </Card>
      ) : (
        <div className="stack">
          <div className="grid stats">
            <Stat
              testId="contact-score"
              label="Churn risk"
              value={
                <>
                  {c.score} <TierTag tier={c.tier} />
                </>
              }
              hint={`scored ${formatDate(c.scoredAt)}`}
            />
            <Stat
              label="Next step"
              value={<span style={{ fontSize: '1.1rem' }}>{c.recommendation?.title}</span>}
              hint={c.recommendation?.because}
            />
          </div>
          {c.isStarterModel && (
            <div className="notice">
              Scored by the starter model: the portal does not have enough churn history to train its own yet.
            </div>
          )}
          <div className="grid two">
            <Card title="Why">
              <h3 className="stat-label">Raising the risk</h3>
              <ul className="reasons">
                {raising.map((r) => (
                  <li key={r.feature}>
                    <span className="up">▲</span> {r.label}: {shown(r.value)}
                  </li>
                ))}
              </ul>
              {lowering.length > 0 && (
                <>
                  <h3 className="stat-label">Lowering the risk</h3>
                  <ul className="reasons">
                    {lowering.map((r) => (
                      <li key={r.feature}>
                        <span className="down">▼</span> {r.label}: {shown(r.value)}
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </Card>
            <Card title="Trend" note="weekly score">
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
      )}
    </>
  );
}
