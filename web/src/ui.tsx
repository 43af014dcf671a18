import type { ReactNode } from 'react';
import type { ApiError } from './api.js';

/** The design system: a few components on the CSS variables of styles.css. */

export function Card(props: {
  title?: ReactNode;
  note?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <section
      className={`card ${props.className ?? ''}`}
      aria-label={typeof props.title === 'string' ? props.title : undefined}
    >
      {props.title !== undefined && (
        <h2>
          <span>{props.title}</span>
          {props.note !== undefined && <span className="card-note">{props.note}</span>}
        </h2>
      )}
      {props.children}
    </section>
  );
}

export function Stat(props: { label: string; value: ReactNode; hint?: ReactNode; testId?: string }) {
  return (
    <div className="card" data-testid={props.testId}>
      <div className="stat-label">{props.label}</div>
      <div className="stat-value">{props.value}</div>
      {props.hint !== undefined && <div className="stat-hint">{props.hint}</div>}
    </div>
  );
}

export function Tag(props: { tone?: 'low' | 'medium' | 'high' | 'neutral'; children: ReactNode }) {
  return <span className={`tag ${props.tone ?? 'neutral'}`}>{props.children}</span>;
}

export function TierTag({ tier }: { tier: string | null }) {
  if (!tier) return <Tag>not scored</Tag>;
  return <Tag tone={tier as 'low' | 'medium' | 'high'}>{tier}</Tag>;
}

export function Button(props: {
  children: ReactNode;
  onClick?: () => void;
  kind?: 'primary' | 'danger' | 'default';
  disabled?: boolean;
  type?: 'button' | 'submit';
  title?: string;
}) {
  return (
    <button
      type={props.type ?? 'button'}
      className={`button ${props.kind ?? ''}`}
      onClick={props.onClick}
      disabled={props.disabled}
      title={props.title}
    >
      {props.children}
    </button>
  );
}

export interface Column<T> {
  key: string;
  label: string;
  render: (row: T) => ReactNode;
  numeric?: boolean;
  sortable?: boolean;
  narrowHidden?: boolean;
  /** Extra class of the column's cells, for widths and wrapping. */
  className?: string;
}

export function Table<T>(props: {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  caption: string;
  sort?: { key: string; order: 'asc' | 'desc' };
  onSort?: (key: string) => void;
}) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="skip-link">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) => {
              const sorted = props.sort?.key === c.key;
              const cls = `${c.numeric ? 'num' : ''} ${c.narrowHidden ? 'hide-narrow' : ''}`;
              return (
                <th
                  key={c.key}
                  className={cls}
                  scope="col"
                  aria-sort={sorted ? (props.sort!.order === 'asc' ? 'ascending' : 'descending') : undefined}
                >
                  {c.sortable && props.onSort ? (
                    <button onClick={() => props.onSort!(c.key)}>
                      {c.label} {sorted ? (props.sort!.order === 'asc' ? '▲' : '▼') : ''}
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
            <tr key={props.rowKey(row)}>
              {props.columns.map((c) => (
                <td
                  key={c.key}
                  className={`${c.numeric ? 'num' : ''} ${c.narrowHidden ? 'hide-narrow' : ''} ${c.className ?? ''}`}
                >
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

export function EmptyState(props: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" role="status">
      <strong>{props.title}</strong>
      {props.children}
    </div>
  );
}

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="spinner" role="status" aria-live="polite">
      {label}
    </div>
  );
}

export function ErrorNotice({ error }: { error: ApiError }) {
  return (
    <div className="notice error" role="alert">
      {error.message}
    </div>
  );
}

export function PageHeader(props: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{props.title}</h1>
        {props.subtitle !== undefined && <p>{props.subtitle}</p>}
      </div>
      {props.actions !== undefined && <div className="row">{props.actions}</div>}
    </header>
  );
}

/** Previous and Next under a paged table. */
export function Pager(props: {
  offset: number;
  pageSize: number;
  total: number;
  onOffset: (offset: number) => void;
}) {
  const { offset, pageSize, total, onOffset } = props;
  return (
    <div className="row" style={{ marginTop: 12 }}>
      <button
        className="button"
        disabled={offset === 0}
        onClick={() => onOffset(Math.max(0, offset - pageSize))}
      >
        Previous
      </button>
      <button
        className="button"
        disabled={offset + pageSize >= total}
        onClick={() => onOffset(offset + pageSize)}
      >
        Next
      </button>
    </div>
  );
}
