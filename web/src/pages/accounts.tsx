import { useRef } from 'react';
import type { AccountList, AccountListRow, AccountSort } from '../../../server/api/contracts/accounts.js';
import { useApi } from '../api.js';
import { formatCount, formatDate, formatDay, formatMoney, formatScore } from '../format.js';
import { Link, setSearch, usePath } from '../router.js';
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
  TierTag,
  type Column,
} from '../ui.js';

const PAGE = 25;
const TIERS = ['high,medium,low', 'high,medium', 'high', 'medium', 'low'] as const;
const SORTS: readonly AccountSort[] = ['risk', 'valueAtRisk', 'renewal', 'name', 'contacts'];

/** The list's state, all of it in the address: `?tier=high&sort=renewal&order=asc&page=2`. */
interface ListState {
  tier: (typeof TIERS)[number];
  sort: AccountSort;
  order: 'asc' | 'desc';
  page: number;
}

const DEFAULTS: ListState = { tier: 'high,medium,low', sort: 'risk', order: 'desc', page: 1 };

/** The order a column is first sorted in: the soonest renewal and the first name come first. */
const FIRST_ORDER: Record<AccountSort, 'asc' | 'desc'> = {
  risk: 'desc',
  valueAtRisk: 'desc',
  renewal: 'asc',
  name: 'asc',
  contacts: 'desc',
};

/** The state an address names; anything it cannot mean falls back to the default. */
function readState(search: URLSearchParams): ListState {
  const tier = TIERS.find((t) => t === search.get('tier')) ?? DEFAULTS.tier;
  const sort = SORTS.find((s) => s === search.get('sort')) ?? DEFAULTS.sort;
  const order = search.get('order');
  const page = Number(search.get('page'));
  return {
    tier,
    sort,
    order: order === 'asc' || order === 'desc' ? order : FIRST_ORDER[sort],
    page: Number.isInteger(page) && page > 1 ? page : 1,
  };
}

/** A new history entry for `state`, the defaults left out of the address. */
function writeState(state: ListState): void {
  setSearch({
    tier: state.tier === DEFAULTS.tier ? undefined : state.tier,
    sort: state.sort === DEFAULTS.sort ? undefined : state.sort,
    order: state.order === FIRST_ORDER[state.sort] ? undefined : state.order,
    page: state.page === 1 ? undefined : String(state.page),
  });
}

/** "in 21 days", "today", "12 days ago". */
export function daysFrom(iso: string, now = Date.now()): string {
  const days = Math.round((new Date(iso).getTime() - now) / 86_400_000);
  if (days === 0) return 'today';
  if (days > 0) return `in ${days} day${days === 1 ? '' : 's'}`;
  return `${-days} day${days === -1 ? '' : 's'} ago`;
}

const COLUMNS: Column<AccountListRow>[] = [
  {
    key: 'name',
    label: 'Company',
    sortable: true,
    className: 'account-name',
    render: (r) => (
      <div>
        <Link to={`/accounts/${encodeURIComponent(r.companyId)}`}>{r.name}</Link>
        {r.domain && <div className="muted">{r.domain}</div>}
        {/* On a phone the value and renewal columns are off: their figures come with the name. */}
        <div className="muted account-narrow-facts">
          {[
            r.valueAtRisk !== null ? `${formatMoney(r.valueAtRisk)} at risk` : null,
            r.renewalAt !== null ? `renews ${daysFrom(r.renewalAt)}` : null,
          ]
            .filter(Boolean)
            .join(' · ')}
        </div>
      </div>
    ),
  },
  {
    key: 'risk',
    label: 'Risk',
    numeric: true,
    sortable: true,
    render: (r) => <strong>{formatScore(r.score)}</strong>,
  },
  { key: 'tier', label: 'Tier', render: (r) => <TierTag tier={r.tier} /> },
  {
    key: 'reasons',
    label: 'Why',
    narrowHidden: true,
    className: 'cell-reasons',
    render: (r) =>
      r.reasons.length === 0 ? (
        <span className="muted">No strong risk signals</span>
      ) : (
        <ul className="reasons">
          {r.reasons.slice(0, 2).map((x) => (
            <li key={x.kind}>{x.text}</li>
          ))}
        </ul>
      ),
  },
  {
    key: 'contacts',
    label: 'Contacts',
    numeric: true,
    sortable: true,
    narrowHidden: true,
    render: (r) => (
      <div>
        {formatCount(r.activeContacts)}
        {r.highRiskContacts > 0 && <div className="account-high">{formatCount(r.highRiskContacts)} high</div>}
      </div>
    ),
  },
  {
    key: 'valueAtRisk',
    label: 'Value at risk',
    numeric: true,
    sortable: true,
    narrowHidden: true,
    render: (r) =>
      r.valueAtRisk === null ? (
        <span className="muted">—</span>
      ) : (
        <span
          title={r.value === null ? undefined : `${formatMoney(r.value)} a year × ${formatScore(r.score)} %`}
        >
          {formatMoney(r.valueAtRisk)}
        </span>
      ),
  },
  {
    key: 'renewal',
    label: 'Renewal',
    sortable: true,
    narrowHidden: true,
    className: 'cell-nowrap',
    render: (r) =>
      r.renewalAt === null ? (
        <span className="muted">—</span>
      ) : (
        <div>
          {formatDate(r.renewalAt)}
          <div className="muted">
            {daysFrom(r.renewalAt)}
            {r.renewalValue !== null && ` · ${formatMoney(r.renewalValue)}`}
          </div>
        </div>
      ),
  },
];

/** Companies by their risk of leaving, as the latest run scored them. */
export function AccountsPage() {
  const { search } = usePath();
  const state = readState(search);
  const offset = (state.page - 1) * PAGE;
  const query = new URLSearchParams({ tier: state.tier, sort: state.sort, order: state.order });
  const list = useApi<AccountList>(usePortalPath(`accounts?${query}&limit=${PAGE}&offset=${offset}`));
  const listTop = useRef<HTMLDivElement>(null);

  const change = (patch: Partial<ListState>) => writeState({ ...state, ...patch, page: 1 });
  const onSort = (key: string) => {
    const sort = key as AccountSort;
    const order = state.sort === sort ? (state.order === 'desc' ? 'asc' : 'desc') : FIRST_ORDER[sort];
    change({ sort, order });
  };
  const onPage = (next: number) => {
    writeState({ ...state, page: Math.floor(next / PAGE) + 1 });
    listTop.current?.scrollIntoView({ block: 'start' });
  };

  const data = list.state === 'ready' ? list.data : null;
  return (
    <>
      <PageHeader
        title="Accounts"
        subtitle="Companies by their risk of leaving: their customers' churn risk, the decision-maker's counting most, raised by urgent tickets, a coming renewal and customers already lost"
      />
      {data?.run && (
        <div className="grid stats account-stats">
          <Stat label="Accounts scored" value={formatCount(data.summary.accounts)} testId="accounts-count" />
          <Stat
            label="High risk"
            value={formatCount(data.summary.high)}
            hint={`${formatCount(data.summary.medium)} more at medium risk`}
            testId="accounts-high"
          />
          <Stat
            label="Value at risk"
            value={formatMoney(data.summary.valueAtRisk)}
            hint="each account's yearly revenue × its risk"
            testId="accounts-value-at-risk"
          />
          <Stat
            label="Renewals in 90 days"
            value={formatCount(data.summary.renewalsIn90Days)}
            testId="accounts-renewals"
          />
        </div>
      )}
      <div ref={listTop} />
      <Card className="accounts">
        <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
          <label className="field">
            Tier
            <select
              name="tier"
              value={state.tier}
              onChange={(e) => change({ tier: e.target.value as ListState['tier'] })}
            >
              <option value="high,medium,low">All</option>
              <option value="high,medium">High and medium</option>
              <option value="high">High</option>
              <option value="medium">Medium</option>
              <option value="low">Low</option>
            </select>
          </label>
          <label className="field">
            Sort by
            <select name="sort" value={state.sort} onChange={(e) => onSort(e.target.value)}>
              <option value="risk">Risk</option>
              <option value="valueAtRisk">Value at risk</option>
              <option value="renewal">Next renewal</option>
              <option value="contacts">Active contacts</option>
              <option value="name">Name</option>
            </select>
          </label>
          {data?.run && (
            <p className="muted filters-note">Scored {formatDay(data.run.scoredAt)} by the weekly run</p>
          )}
        </form>
        {list.state === 'loading' && <Spinner />}
        {list.state === 'error' && <ErrorNotice error={list.error} />}
        {data && !data.run && (
          <EmptyState title="No account scores yet">
            <p>
              Each weekly run scores the companies whose contacts include active customers, once their
              contacts are scored.
            </p>
          </EmptyState>
        )}
        {data?.run && data.rows.length === 0 && (
          <EmptyState title="No account matches this tier">
            <p>Choose another tier, or all of them.</p>
          </EmptyState>
        )}
        {data?.run && data.rows.length > 0 && (
          <>
            <p className="muted" data-testid="accounts-total">
              {formatCount(data.total)} accounts · showing {offset + 1}–{offset + data.rows.length}
            </p>
            <Table
              caption="Accounts by risk of leaving"
              columns={COLUMNS}
              rows={data.rows}
              rowKey={(r) => r.companyId}
              sort={{ key: state.sort, order: state.order }}
              onSort={onSort}
            />
            <Pager offset={offset} pageSize={PAGE} total={data.total} onOffset={onPage} />
          </>
        )}
      </Card>
    </>
  );
}
