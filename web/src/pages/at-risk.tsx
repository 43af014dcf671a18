import { useState } from 'react';
import { useApi } from '../api.js';
import { formatCount, formatDate, formatMoney } from '../format.js';
import { Link } from '../router.js';
import { usePortalPath } from '../session.js';
import {
  Card,
  EmptyState,
  ErrorNotice,
  PageHeader,
  Pager,
  Spinner,
  Table,
  TierTag,
  type Column,
} from '../ui.js';

interface Reason {
  feature: string;
  label: string;
  value: string | number | null;
  contribution: number;
  /** The reason in plain words ("No purchase in 12 months"), given by the API. */
  text?: string;
}

export interface AtRiskRow {
  contactId: string;
  name: string;
  email: string | null;
  company: string | null;
  ownerId: string | null;
  score: number;
  tier: string;
  renewalAt: string | null;
  value: number | null;
  reasons: Reason[];
  recommendation: { title: string; because: string };
  crmUrl: string;
}

const PAGE = 50;

function describe(reason: Reason): string {
  if (reason.text) return reason.text;
  if (reason.value === null || reason.value === '') return reason.label;
  const value = typeof reason.value === 'number' ? Number(reason.value.toFixed(1)) : reason.value;
  return `${reason.label}: ${value}`;
}

const COLUMNS: Column<AtRiskRow>[] = [
  {
    key: 'name',
    label: 'Contact',
    sortable: true,
    className: 'cell-nowrap',
    render: (r) => (
      <div>
        <Link to={`/contacts/${r.contactId}`}>{r.name}</Link>
        <div className="muted">{r.company ?? r.email ?? ''}</div>
      </div>
    ),
  },
  { key: 'risk', label: 'Score', numeric: true, sortable: true, render: (r) => <strong>{r.score}</strong> },
  { key: 'tier', label: 'Tier', render: (r) => <TierTag tier={r.tier} /> },
  {
    key: 'reasons',
    label: 'Top reasons',
    narrowHidden: true,
    className: 'cell-reasons',
    render: (r) => (
      <ul className="reasons">
        {r.reasons
          .filter((x) => x.contribution > 0)
          .slice(0, 2)
          .map((x) => (
            <li key={x.feature}>{describe(x)}</li>
          ))}
      </ul>
    ),
  },
  {
    key: 'action',
    label: 'Recommended action',
    className: 'cell-wide',
    render: (r) => (
      <div>
        {r.recommendation.title}
        <div className="muted">{r.recommendation.because}</div>
      </div>
    ),
  },
  { key: 'owner', label: 'Owner', sortable: true, narrowHidden: true, render: (r) => r.ownerId ?? '—' },
  {
    key: 'renewal',
    label: 'Renewal',
    sortable: true,
    narrowHidden: true,
    className: 'cell-nowrap',
    render: (r) => formatDate(r.renewalAt),
  },
  {
    key: 'value',
    label: 'Value',
    numeric: true,
    sortable: true,
    narrowHidden: true,
    render: (r) => (r.value === null ? '—' : formatMoney(r.value)),
  },
  {
    key: 'crm',
    label: 'CRM',
    render: (r) => (
      <a href={r.crmUrl} target="_blank" rel="noreferrer" aria-label={`Open ${r.name} in the CRM`}>
        Open ↗
      </a>
    ),
  },
];

export function AtRiskPage() {
  const [tier, setTier] = useState('high,medium');
  const [owner, setOwner] = useState('');
  const [renewalWeeks, setRenewalWeeks] = useState('');
  const [reason, setReason] = useState('');
  const [sort, setSort] = useState<{ key: string; order: 'asc' | 'desc' }>({ key: 'risk', order: 'desc' });
  const [offset, setOffset] = useState(0);
  const params = new URLSearchParams({ tier, sort: sort.key, order: sort.order });
  if (owner.trim()) params.set('owner', owner.trim());
  if (renewalWeeks) params.set('renewalWeeks', renewalWeeks);
  if (reason) params.set('reason', reason);
  const listPath = usePortalPath(`at-risk?${params}&limit=${PAGE}&offset=${offset}`);
  const csvPath = usePortalPath(`at-risk.csv?${params}`);
  const list = useApi<{ total: number; rows: AtRiskRow[] }>(listPath);
  const owners = useApi<{ owners: { id: string; contacts: number }[] }>(usePortalPath('owners'));
  const drivers = useApi<{ drivers: { feature: string; label: string }[] }>(usePortalPath('model'));
  const onSort = (key: string) => {
    setOffset(0);
    setSort((s) => ({ key, order: s.key === key && s.order === 'desc' ? 'asc' : 'desc' }));
  };
  const change = (set: (v: string) => void) => (v: string) => {
    setOffset(0);
    set(v);
  };

  return (
    <>
      <PageHeader
        title="At-risk list"
        subtitle="This week's call list: the riskiest customers, why, and what to do"
        actions={
          <a className="button primary" href={csvPath} download data-testid="export-csv">
            Export CSV
          </a>
        }
      />
      <Card>
        <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
          <label className="field">
            Tier
            <select value={tier} onChange={(e) => change(setTier)(e.target.value)} name="tier">
              <option value="high,medium">High and medium</option>
              <option value="high">High</option>
              <option value="medium">Medium</option>
              <option value="low">Low</option>
              <option value="high,medium,low">All</option>
            </select>
          </label>
          <label className="field">
            Owner
            <select value={owner} onChange={(e) => change(setOwner)(e.target.value)} name="owner">
              <option value="">anyone</option>
              {owners.state === 'ready' &&
                owners.data.owners.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.id} ({o.contacts} at risk)
                  </option>
                ))}
            </select>
          </label>
          <label className="field">
            Renewal within
            <select
              value={renewalWeeks}
              onChange={(e) => change(setRenewalWeeks)(e.target.value)}
              name="renewalWeeks"
            >
              <option value="">any time</option>
              <option value="4">4 weeks</option>
              <option value="8">8 weeks</option>
              <option value="13">13 weeks</option>
              <option value="26">26 weeks</option>
            </select>
          </label>
          <label className="field">
            Reason
            <select value={reason} onChange={(e) => change(setReason)(e.target.value)} name="reason">
              <option value="">any reason</option>
              {drivers.state === 'ready' &&
                drivers.data.drivers.map((d) => (
                  <option key={d.feature} value={d.feature}>
                    {d.label}
                  </option>
                ))}
            </select>
          </label>
        </form>
        {list.state === 'loading' && <Spinner />}
        {list.state === 'error' && <ErrorNotice error={list.error} />}
        {list.state === 'ready' && list.data.rows.length === 0 && (
          <EmptyState title="Nobody matches these filters">
            <p>Widen the tier or the renewal window, or wait for the first scores.</p>
          </EmptyState>
        )}
        {list.state === 'ready' && list.data.rows.length > 0 && (
          <>
            <p className="muted" data-testid="at-risk-total">
              {formatCount(list.data.total)} contacts · showing {offset + 1}–{offset + list.data.rows.length}
            </p>
            <Table
              caption="Contacts at risk"
              columns={COLUMNS}
              rows={list.data.rows}
              rowKey={(r) => r.contactId}
              sort={sort}
              onSort={onSort}
            />
            <Pager offset={offset} pageSize={PAGE} total={list.data.total} onOffset={setOffset} />
          </>
        )}
      </Card>
    </>
  );
}
