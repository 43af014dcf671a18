import type { AccountContact, AccountView } from '../../../server/api/contracts/accounts.js';
import { useApi } from '../api.js';
import { formatCode, formatCount, formatDate, formatDay, formatMoney, formatScore } from '../format.js';
import { usePageTitle } from '../page-title.js';
import { Link } from '../router.js';
import { usePortalPath } from '../session.js';
import {
  Card,
  EmptyState,
  ErrorNotice,
  PageHeader,
  Spinner,
  Stat,
  Table,
  Tag,
  TierTag,
  type Column,
} from '../ui.js';
import { daysFrom } from './accounts.js';

/** An active customer's tier; for anyone else what they are. */
function ContactStanding({ contact }: { contact: AccountContact }) {
  if (contact.status === 'churned')
    return (
      <div>
        <Tag>left</Tag>
        {contact.leftOn && <div className="muted account-left-on">{formatDay(contact.leftOn)}</div>}
      </div>
    );
  if (contact.status === 'prospect') return <Tag>prospect</Tag>;
  return <TierTag tier={contact.tier} />;
}

const CONTACT_COLUMNS: Column<AccountContact>[] = [
  {
    key: 'name',
    label: 'Contact',
    className: 'account-name',
    render: (c) => (
      <div>
        <Link to={`/contacts/${encodeURIComponent(c.contactId)}`}>{c.name}</Link>
        {c.isDecisionMaker && (
          <span className="account-leader" title="Brings the most revenue: their risk counts most">
            Decision-maker
          </span>
        )}
        {c.email && <div className="muted break">{c.email}</div>}
      </div>
    ),
  },
  {
    key: 'score',
    label: 'Score',
    numeric: true,
    render: (c) =>
      c.score === null ? <span className="muted">—</span> : <strong>{formatScore(c.score)}</strong>,
  },
  { key: 'tier', label: 'Tier', render: (c) => <ContactStanding contact={c} /> },
  {
    key: 'reason',
    label: 'Top reason',
    narrowHidden: true,
    className: 'cell-wide',
    render: (c) => <div>{c.topReason ?? <span className="muted">—</span>}</div>,
  },
  {
    key: 'crm',
    label: 'CRM',
    narrowHidden: true,
    render: (c) => (
      <a href={c.crmUrl} target="_blank" rel="noreferrer" aria-label={`Open ${c.name} in the CRM`}>
        Open ↗
      </a>
    ),
  },
];

/** Each reason with the share of the account's risk it accounts for, as a bar. */
function AccountReasons({ view }: { view: AccountView }) {
  const score = view.score!;
  if (score.reasons.length === 0)
    return (
      <p className="muted">
        No strong risk signals: its customers are at low risk and nothing else stands out.
      </p>
    );
  const widest = Math.max(...score.reasons.map((r) => r.points), 1);
  return (
    <ol className="account-reasons" data-testid="account-reasons" aria-label="Reasons, largest first">
      {score.reasons.map((r) => (
        <li key={r.kind}>
          <span className="account-reason-text">{r.text}</span>
          <span className="account-reason-bar" aria-hidden="true">
            <span style={{ width: `${Math.max(2, (r.points / widest) * 100)}%` }} />
          </span>
          <span className="account-reason-points">+{formatScore(r.points)} pts</span>
        </li>
      ))}
    </ol>
  );
}

/** One company: its risk of leaving, why, its value and renewal, and its contacts with theirs. */
export function AccountPage({ companyId }: { companyId: string }) {
  const view = useApi<AccountView>(usePortalPath(`accounts/${encodeURIComponent(companyId)}`));
  usePageTitle(view.state === 'ready' ? view.data.name : 'Account');
  if (view.state === 'loading') return <Spinner />;
  if (view.state === 'error')
    return view.error.status === 404 ? (
      <EmptyState title="No such company in this portal">
        <p>
          <Link to="/accounts">Back to the accounts</Link>
        </p>
      </EmptyState>
    ) : (
      <ErrorNotice error={view.error} />
    );
  const a = view.data;
  const facts = [
    a.domain,
    a.industry !== null ? formatCode(a.industry, true) : null,
    a.employees !== null ? `${formatCount(a.employees)} employees` : null,
    a.country,
  ].filter(Boolean);
  const active = a.contacts.filter((c) => c.status === 'active' || c.status === null).length;
  return (
    <>
      <p className="account-back">
        <Link to="/accounts">← All accounts</Link>
      </p>
      <PageHeader title={a.name} subtitle={facts.length > 0 ? facts.join(' · ') : undefined} />
      {a.score === null ? (
        <Card>
          <EmptyState title="Not scored">
            <p>No run has scored this company: none of its contacts is an active customer.</p>
          </EmptyState>
        </Card>
      ) : (
        <div className="stack">
          <div className="grid stats">
            <Stat
              label="Risk of leaving"
              value={
                <span className="row">
                  {formatScore(a.score.score)}
                  <TierTag tier={a.score.tier} />
                </span>
              }
              hint={`scored ${formatDay(a.score.scoredAt)}`}
              testId="account-score"
            />
            <Stat
              label="Value at risk"
              value={a.valueAtRisk === null ? '—' : formatMoney(a.valueAtRisk)}
              hint={a.value === null ? 'no revenue recorded this year' : `of ${formatMoney(a.value)} a year`}
              testId="account-value"
            />
            <Stat
              label="Next renewal"
              value={
                <span className="stat-value-small">{a.renewal ? formatDate(a.renewal.at) : 'None open'}</span>
              }
              hint={
                a.renewal
                  ? `${daysFrom(a.renewal.at)}${a.renewal.value !== null ? ` · worth ${formatMoney(a.renewal.value)}` : ''}`
                  : undefined
              }
              testId="account-renewal"
            />
            <Stat
              label="Decision-maker"
              value={<span className="stat-value-small break">{a.decisionMaker?.name ?? '—'}</span>}
              hint={`${formatCount(a.score.activeContacts)} active ${a.score.activeContacts === 1 ? 'customer' : 'customers'} scored`}
              testId="account-leader"
            />
          </div>
          <Card
            title="Why this account may leave"
            note="points of its risk each reason accounts for"
            className="account-why"
          >
            <p className="account-breakdown" data-testid="account-breakdown">
              <strong>{formatScore(a.score.score)}</strong> = {formatScore(a.score.breakdown.customers)} from
              its customers' own risk + {formatScore(a.score.breakdown.signals)} from the account's signals
            </p>
            <AccountReasons view={a} />
            <p className="muted account-rule">
              Half the decision-maker's risk and half the average of its active customers', then each signal
              (open high-priority tickets, a renewal within 90 days, customers who left this year) takes a
              share of the chance it stays.
            </p>
          </Card>
        </div>
      )}
      <Card
        title="Contacts"
        note={`${formatCount(active)} active of ${formatCount(a.contactsTotal)}`}
        className="account-contacts"
      >
        {a.contacts.length === 0 ? (
          <EmptyState title="No contacts">
            <p>The CRM links no contact to this company.</p>
          </EmptyState>
        ) : (
          <Table
            caption={`Contacts of ${a.name}`}
            columns={CONTACT_COLUMNS}
            rows={a.contacts}
            rowKey={(c) => c.contactId}
          />
        )}
        {a.contactsTotal > a.contacts.length && (
          <p className="muted">
            Showing the first {formatCount(a.contacts.length)} of {formatCount(a.contactsTotal)} contacts.
          </p>
        )}
      </Card>
    </>
  );
}
