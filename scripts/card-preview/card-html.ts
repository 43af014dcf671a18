/**
 * The risk card drawn as HTML, for the README's picture of it: HubSpot draws a card with its own
 * components in its own page, which cannot run here, so this draws the tree of HubSpot components
 * the card renders (`@hubspot/ui-extensions/testing`) with HTML and CSS in HubSpot's style. Every
 * component the card uses has a drawing; any other is an error, so a picture never silently lacks
 * a part of the card.
 */
import type {
  RenderedChildNode,
  RenderedElementNode,
  RenderedRootNode,
} from '@hubspot/ui-extensions/testing';

type Props = Record<string, unknown>;

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const GAP: Record<string, number> = {
  flush: 0,
  'extra-small': 4,
  xs: 4,
  small: 8,
  sm: 8,
  medium: 16,
  md: 16,
  large: 24,
  lg: 24,
  'extra-large': 32,
  xl: 32,
};

const TAG_CLASS: Record<string, string> = {
  error: 'danger',
  danger: 'danger',
  warning: 'warning',
  success: 'success',
};

type Draw = (props: Props, children: string) => string;

const DRAWINGS: Record<string, Draw> = {
  Flex: (p, children) => {
    const style = [
      'display:flex',
      `flex-direction:${p.direction === 'row' ? 'row' : 'column'}`,
      `gap:${GAP[String(p.gap ?? 'flush')] ?? 0}px`,
      p.align
        ? `align-items:${p.align === 'start' || p.align === 'end' ? `flex-${String(p.align)}` : String(p.align)}`
        : '',
      p.wrap ? 'flex-wrap:wrap' : '',
    ].filter(Boolean);
    return `<div style="${style.join(';')}">${children}</div>`;
  },
  Heading: (_p, children) => `<h3>${children}</h3>`,
  Text: (p, children) => {
    const format = (p.format ?? {}) as { fontWeight?: string };
    const classes = [
      p.variant === 'microcopy' ? 'microcopy' : '',
      format.fontWeight === 'bold' ? 'bold' : '',
    ];
    return `<p class="${classes.filter(Boolean).join(' ')}">${children}</p>`;
  },
  Divider: () => '<hr>',
  Tag: (p, children) => `<span class="tag ${TAG_CLASS[String(p.variant)] ?? ''}">${children}</span>`,
  Statistics: (_p, children) => `<div class="statistics">${children}</div>`,
  StatisticsItem: (p, children) =>
    `<div class="statistic"><div class="label">${escape(String(p.label ?? ''))}</div>` +
    `<div class="number">${escape(String(p.number ?? ''))}</div>${children}</div>`,
  StatisticsTrend: (p) =>
    `<div class="trend ${p.color === 'red' ? 'up' : 'down'}">${p.direction === 'increase' ? '▲' : '▼'} ${escape(String(p.value ?? ''))}</div>`,
  LineChart: (p) => lineChart(p),
  Alert: (p, children) =>
    `<div class="alert ${escape(String(p.variant ?? 'info'))}"><strong>${escape(String(p.title ?? ''))}</strong><div>${children}</div></div>`,
  DescriptionList: (p, children) => `<dl class="${p.direction === 'row' ? 'row' : ''}">${children}</dl>`,
  DescriptionListItem: (p, children) =>
    `<div><dt>${escape(String(p.label ?? ''))}</dt><dd>${children}</dd></div>`,
  ButtonRow: (_p, children) => `<div class="buttons">${children}</div>`,
  Button: (p, children) =>
    `<button class="${p.variant === 'secondary' ? 'secondary' : 'primary'}"${p.disabled ? ' disabled' : ''}>${children}</button>`,
  EmptyState: (p, children) =>
    `<div class="state"><strong>${escape(String(p.title ?? ''))}</strong>${children}</div>`,
  ErrorState: (p, children) =>
    `<div class="state error"><strong>${escape(String(p.title ?? ''))}</strong>${children}</div>`,
  LoadingSpinner: (p) => `<div class="state">${escape(String(p.label ?? 'Loading'))}…</div>`,
};

/** The card's rendered tree as HTML, inside a card frame titled `title`. */
export function cardHtml(root: RenderedRootNode, title: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><style>${CSS}</style></head>
<body><section class="card"><header>${escape(title)}</header><div class="body">${drawChildren(root.childNodes)}</div></section></body></html>`;
}

function drawChildren(nodes: readonly RenderedChildNode[]): string {
  return nodes.map(draw).join('');
}

function draw(node: RenderedChildNode): string {
  if (node.nodeType === 'text') return escape(node.text);
  const element = node as RenderedElementNode;
  const drawing = DRAWINGS[element.name];
  if (!drawing) throw new Error(`the card preview has no drawing of ${element.name}`);
  return drawing(element.props as Props, drawChildren(element.childNodes));
}

function lineChart(props: Props): string {
  const data = (props.data ?? []) as Record<string, unknown>[];
  const axes = props.axes as { x: { field: string; label?: string }; y: { field: string; label?: string } };
  const title = String((props.options as { title?: string } | undefined)?.title ?? '');
  const values = data.map((d) => Number(d[axes.y.field]));
  const [width, height, left, bottom, top] = [560, 160, 36, 24, 12];
  const most = Math.max(10, Math.ceil(Math.max(...values) / 10) * 10);
  const x = (i: number) => left + (i * (width - left - 8)) / Math.max(1, values.length - 1);
  const y = (v: number) => top + (1 - v / most) * (height - top - bottom);
  const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const labels = data
    .map((d, i) =>
      i === 0 || i === data.length - 1
        ? `<text x="${x(i)}" y="${height - 6}" text-anchor="${i === 0 ? 'start' : 'end'}">${escape(String(d[axes.x.field]))}</text>`
        : '',
    )
    .join('');
  return `<figure class="chart"><figcaption>${escape(title)}</figcaption>
<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escape(title)}">
<line x1="${left}" y1="${y(0)}" x2="${width - 8}" y2="${y(0)}" class="axis"/>
<line x1="${left}" y1="${y(most)}" x2="${width - 8}" y2="${y(most)}" class="grid"/>
<text x="${left - 6}" y="${y(most) + 4}" text-anchor="end">${most}</text><text x="${left - 6}" y="${y(0) + 4}" text-anchor="end">0</text>
<polyline points="${points}" class="line"/>${values.map((v, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3"/>`).join('')}
${labels}</svg></figure>`;
}

/** HubSpot's record cards: Lexend Deca where installed, its greys, teal buttons and tag colours. */
const CSS = `
body { margin: 0; padding: 24px; background: #f5f8fa; font: 14px/1.5 'Lexend Deca', 'Helvetica Neue', Arial, sans-serif; color: #33475b; }
.card { width: 640px; background: #fff; border: 1px solid #cbd6e2; border-radius: 4px; }
.card > header { padding: 14px 20px; border-bottom: 1px solid #dfe3eb; font-weight: 600; font-size: 16px; }
.card > .body { padding: 20px; }
h3 { margin: 0; font-size: 14px; font-weight: 600; }
p { margin: 0; }
.microcopy { font-size: 12px; color: #516f90; }
.bold { font-weight: 600; }
hr { border: 0; border-top: 1px solid #dfe3eb; margin: 0; width: 100%; }
.statistics { display: flex; gap: 24px; }
.statistic .label { font-size: 12px; color: #516f90; text-transform: uppercase; letter-spacing: .02em; }
.statistic .number { font-size: 32px; font-weight: 300; line-height: 1.2; }
.trend { font-size: 12px; }
.trend.up { color: #d94c53; } .trend.down { color: #00a38d; }
.tag { display: inline-block; padding: 2px 8px; border-radius: 3px; border: 1px solid #cbd6e2; background: #eaf0f6; font-size: 12px; font-weight: 600; }
.tag.danger { background: #fde8e9; border-color: #f2545b; color: #b3313a; }
.tag.warning { background: #fef8f0; border-color: #f5c26b; color: #8a5a00; }
.tag.success { background: #e5f8f6; border-color: #00bda5; color: #00776b; }
.chart { margin: 0; } .chart figcaption { font-size: 12px; color: #516f90; margin-bottom: 4px; }
.chart text { font-size: 11px; fill: #7c98b6; } .chart .axis { stroke: #cbd6e2; } .chart .grid { stroke: #eaf0f6; }
.chart .line { fill: none; stroke: #ff7a59; stroke-width: 2; } .chart circle { fill: #ff7a59; }
.alert { border-left: 4px solid #00a4bd; background: #e5f5f8; padding: 10px 14px; border-radius: 3px; }
.alert strong { display: block; }
dl { margin: 0; display: flex; flex-direction: column; gap: 8px; } dl.row { flex-direction: row; flex-wrap: wrap; gap: 24px; }
dt { font-size: 12px; color: #516f90; } dd { margin: 0; }
.buttons { display: flex; gap: 8px; flex-wrap: wrap; }
button { font: inherit; font-size: 13px; font-weight: 600; padding: 7px 14px; border-radius: 3px; border: 1px solid #ff7a59; background: #ff7a59; color: #fff; }
button.secondary { background: #fff; color: #ff7a59; }
.state { padding: 12px 0; }
`;
