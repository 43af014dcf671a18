import { useState } from 'react';
import { useApi } from '../api.js';
import { formatCount, formatDay, formatMoney } from '../format.js';
import { Link } from '../router.js';
import { usePortalPath } from '../session.js';
import {
  Card,
  EmptyState,
  ErrorNotice,
  PageHeader,
  Pager,
  Spinner,
  Stat,
  Table,
  Tag,
  type Column,
} from '../ui.js';

/** A customer who left (GET …/lost), as the API answers it. */
export interface LostRow {
  contactId: string;
  name: string;
  email: string | null;
  company: string | null;
  ownerId: string | null;
  customerSince: string | null;
  /** Null when the CRM shows the churn without a date. */
  leftOn: string | null;
  /** What showed it, in words: "Lifecycle stage set to Other (former customer)". */
  evidence: string;
  /** Their won deals in the year before they left; null without any. */
  valueLost: number | null;
  winBack: boolean;
  crmUrl: string;
}

export interface LostList {
  /** The rows matching the filter, over all pages. */
  total: number;
  /** Over everyone who left in the window, whatever the filter. */
  summary: { last30Days: number; last90Days: number; valueLost90Days: number; winBackCandidates: number };
  rows: LostRow[];
}

const PAGE = 50;
/** The window the page looks back over (the API's default). */
const WITHIN_DAYS = 365;

const COLUMNS: Column<LostRow>[] = [
  {
    key: 'name',
    label: 'Contact',
    className: 'cell-nowrap',
    render: (r) => <Link to={`/contacts/${r.contactId}`}>{r.name}</Link>,
  },
  { key: 'company', label: 'Company', narrowHidden: true, render: (r) => r.company ?? '—' },
  {
    key: 'left',
    label: 'Left on',
    sortable: true,
    className: 'cell-nowrap',
    render: (r) => (r.leftOn ? formatDay(r.leftOn) : <span className="muted">not recorded</span>),
  },
  {
    key: 'evidence',
    label: 'What showed it',
    className: 'cell-evidence',
    render: (r) => <div>{r.evidence}</div>,
  },
  {
    key: 'value',
    label: 'Value lost',
    numeric: true,
    sortable: true,
    render: (r) => (r.valueLost === null ? '—' : formatMoney(r.valueLost)),
  },
  {
    key: 'since',
    label: 'Customer since',
    narrowHidden: true,
    className: 'cell-nowrap',
    render: (r) => formatDay(r.customerSince),
  },
  {
    key: 'winBack',
    label: 'Win-back',
    render: (r) => (r.winBack ? <Tag tone="low">yes</Tag> : <Tag>no</Tag>),
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

function Summary({ summary }: { summary: LostList['summary'] }) {
  return (
    <div className="grid stats">
      <Stat
        testId="lost-30"
        label="Lost in 30 days"
        value={formatCount(summary.last30Days)}
        hint="customers who left"
      />
      <Stat
        testId="lost-90"
        label="Lost in 90 days"
        value={formatCount(summary.last90Days)}
        hint="customers who left"
      />
      <Stat
        testId="lost-value-90"
        label="Value lost in 90 days"
        value={formatMoney(summary.valueLost90Days)}
        hint="their won deals in the year before they left"
      />
      <Stat
        testId="lost-win-back"
        label="Win-back candidates"
        value={formatCount(summary.winBackCandidates)}
        hint="left in the last 180 days after a long or paying stay"
      />
    </div>
  );
}

/** The customers who left in the last year: when, what showed it, and who is worth winning back. */
export function LostPage() {
  const [winBackOnly, setWinBackOnly] = useState(false);
  const [sort, setSort] = useState<{ key: string; order: 'asc' | 'desc' }>({ key: 'left', order: 'desc' });
  const [offset, setOffset] = useState(0);
  const params = new URLSearchParams({ withinDays: String(WITHIN_DAYS), sort: sort.key, order: sort.order });
  if (winBackOnly) params.set('winBack', 'true');
  const list = useApi<LostList>(usePortalPath(`lost?${params}&limit=${PAGE}&offset=${offset}`));
  const onSort = (key: string) => {
    setOffset(0);
    setSort((s) => ({ key, order: s.key === key && s.order === 'desc' ? 'asc' : 'desc' }));
  };
  const header = (
    <PageHeader
      title="Lost customers"
      subtitle="Who left in the last 12 months, what showed it, and who is worth winning back"
    />
  );
  if (list.state === 'loading')
    return (
      <>
        {header}
        <Spinner />
      </>
    );
  if (list.state === 'error')
    return (
      <>
        {header}
        <ErrorNotice error={list.error} />
      </>
    );
  const { summary, rows, total } = list.data;
  const nobodyLeft = !winBackOnly && total === 0;
  return (
    <>
      {header}
      <div className="stack">
        <Summary summary={summary} />
        <Card>
          {nobodyLeft ? (
            <EmptyState title="Nobody left in the last 12 months">
              <p>Customers who leave show up here, with when, what showed it and the value lost.</p>
            </EmptyState>
          ) : (
            <>
              <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
                <label className="field">
                  <span>
                    <input
                      type="checkbox"
                      name="winBack"
                      checked={winBackOnly}
                      onChange={(e) => {
                        setOffset(0);
                        setWinBackOnly(e.target.checked);
                      }}
                    />{' '}
                    Win-back candidates only
                  </span>
                </label>
              </form>
              {rows.length === 0 ? (
                <EmptyState title="No win-back candidates">
                  <p>
                    Nobody left in the last 180 days after 180 days or more as a customer, or with revenue in
                    their last year.
                  </p>
                </EmptyState>
              ) : (
                <>
                  <p className="muted" data-testid="lost-total">
                    {formatCount(total)} {winBackOnly ? 'win-back candidates' : 'customers lost'} · showing{' '}
                    {offset + 1}–{offset + rows.length}
                  </p>
                  <Table
                    caption={winBackOnly ? 'Win-back candidates' : 'Customers who left'}
                    columns={COLUMNS}
                    rows={rows}
                    rowKey={(r) => r.contactId}
                    sort={sort}
                    onSort={onSort}
                  />
                  <Pager offset={offset} pageSize={PAGE} total={total} onOffset={setOffset} />
                </>
              )}
            </>
          )}
        </Card>
      </div>
    </>
  );
}
