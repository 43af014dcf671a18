/** The reports as readable tables for a terminal: the same content as their JSON, in short. */
import type { ColumnQuality, ExploreReport, QualityReport } from '../../server/reports/index.js';

const pct = (share: number) => `${(100 * share).toFixed(1)} %`;

function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(3);
}

/** Left-aligned text columns, right-aligned number columns, two spaces apart. */
export function table(header: string[], rows: string[][], right: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `  ${l}`).join('\n');
}

function summaryOf(c: ColumnQuality): string {
  const s = c.summary;
  if (!s) return '(empty)';
  if (s.kind === 'number')
    return `min ${num(s.min)} · p25 ${num(s.p25)} · median ${num(s.median)} · p75 ${num(s.p75)} · max ${num(s.max)}`;
  if (s.kind === 'date') return `${s.min.slice(0, 10)} … ${s.median.slice(0, 10)} … ${s.max.slice(0, 10)}`;
  if (s.top.length === 0) return '(every value distinct)';
  return s.top
    .slice(0, 4)
    .map(
      (t) => `${t.value.length > 18 ? `${t.value.slice(0, 17)}…` : t.value} ${(100 * t.share).toFixed(0)}%`,
    )
    .join(' · ');
}

export function qualityTable(report: QualityReport): string {
  const out: string[] = [
    `Data quality of ${report.source.kind} ${report.source.name}: ${report.rows} rows, ${report.columns.length} columns (dates after ${report.asOf.slice(0, 10)} are in the future)`,
    '',
    table(
      ['column', 'type', 'filled', 'distinct', 'consistent', 'out of range', 'distribution'],
      report.columns.map((c) => [
        c.name,
        c.type ?? '-',
        pct(c.completeness),
        `${c.distinctAtLeast ? '≥' : ''}${c.distinct}`,
        pct(c.typeConsistency),
        String(c.outOfRange.reduce((s, v) => s + v.count, 0)),
        summaryOf(c),
      ]),
      new Set([2, 3, 4, 5]),
    ),
    '',
  ];
  const d = report.duplicates;
  if (d === null) out.push('Duplicated emails: no email column');
  else if (d.groups.length === 0) out.push(`Duplicated emails (${d.column}): none`);
  else {
    out.push(
      `Duplicated emails (${d.column}): ${d.groups.length} addresses shared by ${d.duplicatedRows} rows`,
    );
    for (const g of d.groups.slice(0, 10)) out.push(`  ${g.key}: ${g.rows.join(', ')}`);
  }
  out.push('');
  if (report.correlations.length > 0) {
    out.push('Correlated numeric columns (|r| ≥ 0.7; ≥ 0.9 flagged):');
    out.push(
      table(
        ['a', 'b', 'r', 'rows'],
        report.correlations.slice(0, 15).map((p) => [p.a, p.b, p.r.toFixed(3), String(p.rows)]),
        new Set([2, 3]),
      ),
    );
    out.push('');
  }
  if (report.warehouse.length > 0) {
    out.push('Warehouse checks:');
    out.push(
      table(
        ['table', 'rule', 'rows', 'e.g.'],
        report.warehouse.map((w) => [w.table, w.rule, String(w.count), w.examples.slice(0, 3).join(', ')]),
        new Set([2]),
      ),
    );
    out.push('');
  }
  out.push(report.issues.length === 0 ? 'Issues: none' : `Issues (${report.issues.length}):`);
  for (const issue of report.issues) out.push(`  ${issue.kind.padEnd(16)}  ${issue.message}`);
  return `${out.join('\n')}\n`;
}

export function exploreTable(report: ExploreReport, top = 15): string {
  const out: string[] = [
    `Exploration of ${report.source.kind} ${report.source.name}: ${report.rows} rows, ${report.churned} churned (${pct(report.churnRate)})` +
      (report.sampledFrom ? `, a uniform sample of ${report.sampledFrom} rows` : ''),
    `Rows: ${report.population}`,
    '',
    `Most telling variables (of ${report.ranking.length}), by univariate ROC-AUC (categories out of fold):`,
    table(
      ['#', 'variable', 'AUC', 'strength', 'IV', 'filled', 'direction'],
      report.ranking
        .slice(0, top)
        .map((v, i) => [
          String(i + 1),
          v.variable,
          v.auc.toFixed(3),
          v.strength.toFixed(3),
          v.informationValue.toFixed(3),
          pct(v.coverage),
          v.direction,
        ]),
      new Set([0, 2, 3, 4, 5]),
    ),
    '',
    'Churn rate by segment:',
  ];
  for (const segment of report.segments) {
    out.push(`  ${segment.variable}`);
    for (const b of segment.bands.slice(0, 12))
      out.push(`    ${b.value.padEnd(24)} ${String(b.rows).padStart(8)} rows  ${pct(b.rate).padStart(8)}`);
  }
  if (report.earlyWarning) {
    const offsets = report.earlyWarning[0]?.offsets ?? [];
    out.push(
      '',
      `Early warning: mean of each behaviour at ${offsets.join(' / ')} days before churn, churned vs retained`,
    );
    out.push(
      table(
        ['feature', 'churned', 'retained', 'gap (sd)'],
        report.earlyWarning
          .slice(0, 10)
          .map((w) => [
            w.feature,
            w.churned.map((v) => (v === null ? '-' : num(v))).join(' → '),
            w.retained.map((v) => (v === null ? '-' : num(v))).join(' → '),
            w.gap.toFixed(2),
          ]),
        new Set([3]),
      ),
    );
  }
  return `${out.join('\n')}\n`;
}
