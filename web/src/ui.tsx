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

/** An owner's name, tagged when they left the CRM: the customers they still own have nobody. */
export function OwnerName({ name, left }: { name: string; left: boolean }) {
  if (!left) return <>{name}</>;
  return (
    <>
      {name}{' '}
      <span title={`${name} is no longer a user of the CRM: nobody looks after their customers`}>
        <Tag tone="medium">left</Tag>
      </span>
    </>
  );
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
  /** Headers of several words break into lines, so a wide table of figures fits its box. */
  wrapHeaders?: boolean;
}) {
  return (
    <div className={props.wrapHeaders ? 'table-wrap wrap-headers' : 'table-wrap'}>
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

// ---------------------------------------------------------------------------------------------
// Charts: axis titles, tooltips and the marks of a period still in progress

const MUTED = '#5b6675';

/**
 * The title of a chart axis (what it counts, in which unit), for a Recharts axis's `label`; on a
 * second y-axis, in the colour of its series.
 */
export function axisTitle(value: string, side: 'bottom' | 'left' | 'right', color = MUTED) {
  const common = { value, fill: color, fontSize: 12, className: 'axis-title' };
  if (side === 'bottom') return { ...common, position: 'insideBottom' as const, offset: -4 };
  return {
    ...common,
    angle: side === 'left' ? -90 : 90,
    position: side === 'left' ? ('insideLeft' as const) : ('insideRight' as const),
    style: { textAnchor: 'middle' as const },
  };
}

/** Room under and beside a chart for its axis titles. */
export const CHART_MARGIN = { top: 8, right: 16, bottom: 16, left: 8 } as const;

/** A tooltip's box: a title, a line per series, and an optional note (a period in progress…). */
export function ChartTooltip(props: {
  title: ReactNode;
  lines: { name: string; value: ReactNode; color?: string }[];
  note?: ReactNode;
}) {
  return (
    <div
      className="chart-tooltip"
      style={{
        background: '#fff',
        border: '1px solid #dfe4ea',
        borderRadius: 6,
        padding: '8px 10px',
        fontSize: 13,
        boxShadow: '0 1px 3px rgb(16 24 40 / 12%)',
      }}
    >
      <div style={{ fontWeight: 600, marginBottom: 4 }}>{props.title}</div>
      {props.lines.map((line) => (
        <div key={line.name} style={{ color: line.color ?? 'inherit' }}>
          {line.name}: <strong>{line.value}</strong>
        </div>
      ))}
      {props.note !== undefined && <div style={{ marginTop: 4, color: MUTED }}>{props.note}</div>}
    </div>
  );
}

/** The id of the hatch pattern of `color`, for `fill={`url(#…)`}`. */
export const hatchId = (color: string): string => `hatch-${color.replace(/[^a-z0-9]/gi, '')}`;

/**
 * Diagonal hatching in each colour, defined once in the page, for bars of a period still in
 * progress (an SVG pattern is found by id across the document's SVGs).
 */
export function HatchPatterns({ colors }: { colors: readonly string[] }) {
  return (
    <svg width="0" height="0" style={{ position: 'absolute' }} aria-hidden="true" focusable="false">
      <defs>
        {colors.map((color) => (
          <pattern
            key={color}
            id={hatchId(color)}
            width="6"
            height="6"
            patternUnits="userSpaceOnUse"
            patternTransform="rotate(45)"
          >
            <rect width="6" height="6" fill={color} fillOpacity="0.25" />
            <line x1="0" y1="0" x2="0" y2="6" stroke={color} strokeWidth="3" />
          </pattern>
        ))}
      </defs>
    </svg>
  );
}

/** A line under a chart saying what a mark means: a dashed line or a hatched bar, and its words. */
export function ChartNote(props: {
  mark?: 'dashed' | 'hatched' | 'faded';
  children: ReactNode;
  testId?: string;
}) {
  const swatch =
    props.mark === undefined ? null : props.mark === 'dashed' ? (
      <svg width="22" height="8" aria-hidden="true">
        <line x1="0" y1="4" x2="22" y2="4" stroke={MUTED} strokeWidth="2" strokeDasharray="4 3" />
      </svg>
    ) : (
      <svg width="14" height="12" aria-hidden="true">
        <rect
          width="14"
          height="12"
          fill={props.mark === 'hatched' ? `url(#${hatchId(MUTED)})` : MUTED}
          fillOpacity={props.mark === 'faded' ? 0.35 : 1}
          stroke={MUTED}
          strokeDasharray={props.mark === 'hatched' ? '3 2' : undefined}
        />
      </svg>
    );
  return (
    <p className="muted chart-note" data-testid={props.testId} style={{ margin: '6px 0 0', fontSize: 13 }}>
      {swatch}
      {swatch && ' '}
      {props.children}
    </p>
  );
}

/** The grey the chart notes' swatches use, to include in a page's `HatchPatterns`. */
export const NOTE_COLOR = MUTED;

/**
 * Rows for a line chart whose last row is a period in progress: for each key, `<key>Solid` stops at
 * the last complete row and `<key>Partial` joins the last complete row to the partial one, to be
 * drawn dashed, so the unfinished period never reads as a drop. The key itself stays for tooltips.
 */
export function withPartialSegment<T extends { partial: boolean }, K extends keyof T & string>(
  rows: readonly T[],
  keys: readonly K[],
): (T & Record<`${K}Solid` | `${K}Partial`, T[K] | null>)[] {
  const last = rows.length - 1;
  const partial = last >= 0 && rows[last]!.partial;
  return rows.map((row, i) => {
    const out: Record<string, unknown> = { ...row };
    for (const key of keys) {
      out[`${key}Solid`] = partial && i === last ? null : row[key];
      out[`${key}Partial`] = partial && i >= last - 1 ? row[key] : null;
    }
    return out as T & Record<`${K}Solid` | `${K}Partial`, T[K] | null>;
  });
}

/** The data row under a tooltip (Recharts' `content` gets the hovered row in each entry). */
export function tooltipRow<T>(props: { active?: boolean; payload?: readonly { payload?: unknown }[] }) {
  return props.active ? (props.payload?.[0]?.payload as T | undefined) : undefined;
}

/** A Legend's `itemSorter` keeping the series in the order given (Recharts sorts by name otherwise). */
export const legendOrder =
  (names: readonly string[]) =>
  (item: { value?: unknown }): number =>
    names.indexOf(String(item.value));

/**
 * A value printed at the end of each bar, below a negative one and above the others, so a bar of
 * zero height still reads "0" and never as a missing month. For a Recharts `LabelList`'s `content`.
 */
export function barEndLabel(props: unknown) {
  const { x, y, width, height, value } = props as {
    x: number;
    y: number;
    width: number;
    height: number;
    value: number | null;
  };
  if (value === null || value === undefined) return null;
  // Recharts gives a negative bar a negative height: its far end is the larger of the two edges.
  const below = value < 0;
  return (
    <text
      x={x + width / 2}
      y={below ? Math.max(y, y + height) + 12 : Math.min(y, y + height) - 4}
      textAnchor="middle"
      fontSize={11}
      fill={MUTED}
      className="bar-value"
    >
      {value}
    </text>
  );
}
