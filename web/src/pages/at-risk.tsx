import { useRef, type ReactNode, type Ref } from 'react';
import { useApi } from '../api.js';
import { formatCount, formatDate, formatMoney, formatScore } from '../format.js';
import { Link, setSearch, usePath } from '../router.js';
import { usePortalPath } from '../session.js';
import { Card, EmptyState, ErrorNotice, OwnerName, PageHeader, Pager, Spinner, TierTag } from '../ui.js';

interface Reason {
  feature: string;
  label: string;
  value: string | number | null;
  contribution: number;
  /** The reason in plain words ("No purchase in 12 months"), given by the API. */
  text: string;
}

export interface AtRiskRow {
  contactId: string;
  name: string;
  email: string | null;
  company: string | null;
  /** `left`: the owner left the CRM, so nobody looks after this customer. */
  owner: { id: string; name: string; left: boolean } | null;
  score: number;
  /** Score points since the last score of an earlier week; null without one. */
  change: number | null;
  tier: string;
  renewalAt: string | null;
  value: number | null;
  /** The three reasons raising the risk most, strongest first. */
  reasons: Reason[];
  recommendation: { title: string; because: string };
  crmUrl: string;
}

interface OwnerChoice {
  id: string;
  name: string;
  left: boolean;
  contacts: number;
}

const PAGE = 50;
const TIERS = ['high,medium', 'high', 'medium', 'low', 'high,medium,low'] as const;
const RENEWAL_WEEKS = ['4', '8', '13', '26'] as const;
const SORTS = ['risk', 'change', 'name', 'owner', 'renewal', 'value'] as const;
type SortKey = (typeof SORTS)[number];

/**
 * The list's state, all of it in the address: `?tier=high&owner=me&sort=renewal&page=2`; the owner
 * is an owner's id, `me`, or `left` (any owner who left the CRM).
 */
interface ListState {
  tier: string;
  owner: string;
  renewalWeeks: string;
  reason: string;
  sort: SortKey;
  order: 'asc' | 'desc';
  page: number;
}

const DEFAULTS: ListState = {
  tier: 'high,medium',
  owner: '',
  renewalWeeks: '',
  reason: '',
  sort: 'risk',
  order: 'desc',
  page: 1,
};

/** The state an address names; anything it cannot mean falls back to the default. */
function readState(search: URLSearchParams): ListState {
  const pick = <T extends string>(value: string | null, allowed: readonly T[], fallback: T): T =>
    allowed.includes(value as T) ? (value as T) : fallback;
  const owner = search.get('owner') ?? '';
  const reason = search.get('reason') ?? '';
  const page = Number(search.get('page'));
  return {
    tier: pick(search.get('tier'), TIERS, 'high,medium'),
    owner: owner.length <= 100 ? owner : '',
    renewalWeeks: pick(search.get('renewalWeeks'), RENEWAL_WEEKS, '' as (typeof RENEWAL_WEEKS)[number]),
    reason: /^[a-z0-9_]{1,80}$/.test(reason) ? reason : '',
    sort: pick(search.get('sort'), SORTS, 'risk'),
    order: search.get('order') === 'asc' ? 'asc' : 'desc',
    page: Number.isInteger(page) && page > 1 ? page : 1,
  };
}

/** A new history entry for `state`, the defaults left out of the address. */
function writeState(state: ListState): void {
  const differs = <K extends keyof ListState>(key: K) =>
    state[key] === DEFAULTS[key] ? undefined : String(state[key]);
  setSearch({
    tier: differs('tier'),
    owner: differs('owner'),
    renewalWeeks: differs('renewalWeeks'),
    reason: differs('reason'),
    sort: differs('sort'),
    order: differs('order'),
    page: differs('page'),
  });
}

/** "▲ +6.2", "▼ −3.0", "0.0", or "—" without a score last week; a rise in risk reads as bad. */
function Change({ change }: { change: number | null }) {
  if (change === null)
    return (
      <span className="muted" aria-label="no score last week">
        —
      </span>
    );
  if (change === 0) return <span className="muted">{formatScore(0)}</span>;
  const up = change > 0;
  return (
    <span
      className={`at-risk-change ${up ? 'up' : 'down'}`}
      aria-label={`${up ? 'up' : 'down'} ${formatScore(Math.abs(change))} since last week`}
    >
      {up ? '▲ +' : '▼ −'}
      {formatScore(Math.abs(change))}
    </span>
  );
}

interface Column {
  key: string;
  label: string;
  sort?: SortKey;
  className?: string;
  render: (row: AtRiskRow) => ReactNode;
}

const COLUMNS: Column[] = [
  {
    key: 'name',
    label: 'Contact',
    sort: 'name',
    className: 'at-risk-contact',
    render: (r) => (
      <div className="at-risk-who">
        <Link to={`/contacts/${r.contactId}`}>{r.name}</Link>
        <div className="muted" title={r.company ?? r.email ?? undefined}>
          {r.company ?? r.email ?? ''}
        </div>
        {/* On a phone the CRM column is off screen: its link comes with the name. */}
        <a className="at-risk-open-narrow" href={r.crmUrl} target="_blank" rel="noreferrer">
          Open in CRM ↗
        </a>
      </div>
    ),
  },
  {
    key: 'risk',
    label: 'Score',
    sort: 'risk',
    className: 'num',
    render: (r) => <strong>{formatScore(r.score)}</strong>,
  },
  {
    key: 'change',
    label: 'Change',
    sort: 'change',
    className: 'num at-risk-nowrap',
    render: (r) => <Change change={r.change} />,
  },
  { key: 'tier', label: 'Tier', render: (r) => <TierTag tier={r.tier} /> },
  {
    key: 'reasons',
    label: 'Top reasons',
    className: 'at-risk-reasons',
    render: (r) => (
      <ol className="reasons">
        {r.reasons.map((x) => (
          <li key={x.feature}>{x.text}</li>
        ))}
      </ol>
    ),
  },
  {
    key: 'action',
    label: 'Recommended action',
    className: 'at-risk-action',
    render: (r) => <div title={r.recommendation.because}>{r.recommendation.title}</div>,
  },
  {
    key: 'owner',
    label: 'Owner',
    sort: 'owner',
    className: 'at-risk-owner',
    render: (r) => <div>{r.owner ? <OwnerName name={r.owner.name} left={r.owner.left} /> : '—'}</div>,
  },
  {
    key: 'renewal',
    label: 'Renewal',
    sort: 'renewal',
    className: 'at-risk-nowrap',
    render: (r) => formatDate(r.renewalAt),
  },
  {
    key: 'value',
    label: 'Value',
    sort: 'value',
    className: 'num',
    render: (r) => (r.value === null ? '—' : formatMoney(r.value)),
  },
  {
    key: 'crm',
    label: 'CRM',
    className: 'at-risk-open at-risk-nowrap',
    render: (r) => (
      <a href={r.crmUrl} target="_blank" rel="noreferrer" aria-label={`Open ${r.name} in the CRM`}>
        Open ↗
      </a>
    ),
  },
];

function AtRiskTable(props: {
  rows: AtRiskRow[];
  caption: ReactNode;
  captionRef: Ref<HTMLTableCaptionElement>;
  state: ListState;
  onSort: (key: SortKey) => void;
}) {
  const { state } = props;
  return (
    <div className="table-wrap at-risk-table">
      <table>
        <caption ref={props.captionRef} tabIndex={-1} data-testid="at-risk-total">
          {props.caption}
        </caption>
        <thead>
          <tr>
            {COLUMNS.map((c) => {
              const sorted = c.sort !== undefined && state.sort === c.sort;
              return (
                <th
                  key={c.key}
                  scope="col"
                  className={c.className}
                  aria-sort={sorted ? (state.order === 'asc' ? 'ascending' : 'descending') : undefined}
                >
                  {c.sort ? (
                    <button type="button" onClick={() => props.onSort(c.sort!)}>
                      {c.label} {sorted ? (state.order === 'asc' ? '▲' : '▼') : ''}
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={row.contactId}>
              {COLUMNS.map((c) => (
                <td key={c.key} className={c.className}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AtRiskPage() {
  const { search } = usePath();
  const state = readState(search);
  const captionRef = useRef<HTMLTableCaptionElement>(null);
  const offset = (state.page - 1) * PAGE;

  const filters = new URLSearchParams({ tier: state.tier });
  if (state.renewalWeeks) filters.set('renewalWeeks', state.renewalWeeks);
  if (state.reason) filters.set('reason', state.reason);
  const listed = new URLSearchParams(filters);
  if (state.owner) listed.set('owner', state.owner);
  listed.set('sort', state.sort);
  listed.set('order', state.order);
  const list = useApi<{ total: number; rows: AtRiskRow[] }>(
    usePortalPath(`at-risk?${listed}&limit=${PAGE}&offset=${offset}`),
  );
  const csvPath = usePortalPath(`at-risk.csv?${listed}`);
  const owners = useApi<{ owners: OwnerChoice[]; me: { id: string; name: string } | null }>(
    usePortalPath(`owners?${filters}`),
  );
  const drivers = useApi<{ drivers: { feature: string; label: string; identity: boolean }[] }>(
    usePortalPath('model'),
  );

  /** A filter changed: back to the first page. */
  const change = (patch: Partial<ListState>) => writeState({ ...state, ...patch, page: 1 });
  const onSort = (key: SortKey) =>
    change({ sort: key, order: state.sort === key && state.order === 'desc' ? 'asc' : 'desc' });
  const onPage = (nextOffset: number) => {
    writeState({ ...state, page: Math.floor(nextOffset / PAGE) + 1 });
    // The reader goes on at the top of the new page: the caption says which page it is.
    const caption = captionRef.current;
    caption?.closest('.card')?.scrollIntoView({ block: 'start' });
    caption?.focus({ preventScroll: true });
  };

  const me = owners.state === 'ready' ? owners.data.me : null;
  const ownerChoices = owners.state === 'ready' ? owners.data.owners : [];
  const mine = me ? ownerChoices.find((o) => o.id === me.id) : undefined;
  const leftChoices = ownerChoices.filter((o) => o.left);
  const orphaned = leftChoices.reduce((sum, o) => sum + o.contacts, 0);
  const knownOwner =
    !state.owner ||
    state.owner === 'me' ||
    state.owner === 'left' ||
    ownerChoices.some((o) => o.id === state.owner);

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
      <Card className="at-risk">
        <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
          <label className="field">
            Tier
            <select value={state.tier} onChange={(e) => change({ tier: e.target.value })} name="tier">
              <option value="high,medium">High and medium</option>
              <option value="high">High</option>
              <option value="medium">Medium</option>
              <option value="low">Low</option>
              <option value="high,medium,low">All</option>
            </select>
          </label>
          <label className="field">
            Owner
            <select value={state.owner} onChange={(e) => change({ owner: e.target.value })} name="owner">
              <option value="">Anyone</option>
              <option value="me">
                {me ? `My accounts (${formatCount(mine?.contacts ?? 0)})` : 'My accounts'}
              </option>
              {(leftChoices.length > 0 || state.owner === 'left') && (
                <option value="left">Owner left ({formatCount(orphaned)})</option>
              )}
              {!knownOwner && <option value={state.owner}>Owner {state.owner}</option>}
              {ownerChoices.length > 0 && (
                <optgroup label="Owners">
                  {ownerChoices.map((o) => (
                    <option key={o.id} value={o.id}>
                      {o.name}
                      {o.left ? ', left' : ''} ({formatCount(o.contacts)})
                    </option>
                  ))}
                </optgroup>
              )}
            </select>
          </label>
          <label className="field">
            Renewal within
            <select
              value={state.renewalWeeks}
              onChange={(e) => change({ renewalWeeks: e.target.value })}
              name="renewalWeeks"
            >
              <option value="">any time</option>
              {RENEWAL_WEEKS.map((weeks) => (
                <option key={weeks} value={weeks}>
                  {weeks} weeks
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            Reason
            <select value={state.reason} onChange={(e) => change({ reason: e.target.value })} name="reason">
              <option value="">any reason</option>
              {drivers.state === 'ready' &&
                drivers.data.drivers
                  .filter((d) => !d.identity)
                  .map((d) => (
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
            <p>
              {state.owner === 'me' && !me
                ? 'You own no contacts in this portal: choose an owner or anyone.'
                : state.owner === 'left'
                  ? 'Every customer listed has an owner who is still in the CRM.'
                  : 'Widen the tier or the renewal window, or wait for the first scores.'}
            </p>
          </EmptyState>
        )}
        {list.state === 'ready' && list.data.rows.length > 0 && (
          <>
            <AtRiskTable
              rows={list.data.rows}
              captionRef={captionRef}
              caption={
                <>
                  {formatCount(list.data.total)} contacts · showing {offset + 1}–
                  {offset + list.data.rows.length}
                </>
              }
              state={state}
              onSort={onSort}
            />
            <Pager offset={offset} pageSize={PAGE} total={list.data.total} onOffset={onPage} />
          </>
        )}
      </Card>
    </>
  );
}
