import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  LabelList,
  Legend,
  Line,
  LineChart,
  ReferenceArea,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
  ComposedChart,
} from 'recharts';
import { useApi } from '../api.js';
import {
  formatCount,
  formatMonth,
  formatMonthShort,
  formatNumber,
  formatWeek,
  periodInProgress,
} from '../format.js';
import { usePortalPath } from '../session.js';
import {
  axisTitle,
  barEndLabel,
  Card,
  CHART_MARGIN,
  ChartNote,
  ChartTooltip,
  EmptyState,
  ErrorNotice,
  hatchId,
  HatchPatterns,
  legendOrder,
  NOTE_COLOR,
  PageHeader,
  Spinner,
  tooltipRow,
  withPartialSegment,
} from '../ui.js';

interface Engagement {
  emails: { week: string; partial: boolean; sent: number; opened: number; replied: number }[];
  tickets: {
    week: string;
    partial: boolean;
    opened: number;
    highPriority: number;
    meanSentiment: number | null;
  }[];
  nps: {
    month: string;
    partial: boolean;
    responses: number;
    nps: number | null;
    margin95: number | null;
    fewResponses: boolean;
  }[];
  npsMinResponses: number;
}

const EMAIL_SERIES = [
  { key: 'sent', name: 'Sent', color: '#5b6675' },
  { key: 'opened', name: 'Opened', color: '#1c7ed6' },
  { key: 'replied', name: 'Replied', color: '#2f9e44' },
] as const;
const TICKETS = '#868e96';
const TICKETS_AXIS = '#5b6675';
const HIGH_PRIORITY = '#c92a2a';
const SENTIMENT = '#e8590c';
const NPS = '#1c7ed6';

const weekTitle = (row: { week: string; partial: boolean }) =>
  row.partial ? periodInProgress('week', row.week) : `Week of ${formatWeek(row.week)}`;

function EmailChart({ emails }: { emails: Engagement['emails'] }) {
  const rows = withPartialSegment(
    emails,
    EMAIL_SERIES.map((s) => s.key),
  );
  const partial = emails[emails.length - 1]?.partial ? emails[emails.length - 1]! : null;
  return (
    <>
      <div
        className="chart"
        role="img"
        aria-label="Emails sent, opened and replied per week"
        aria-describedby={partial ? 'emails-partial' : undefined}
      >
        <ResponsiveContainer>
          <LineChart data={rows} margin={CHART_MARGIN}>
            <CartesianGrid stroke="#eef1f5" />
            <XAxis
              dataKey="week"
              tickFormatter={formatWeek}
              height={44}
              padding={{ left: 8, right: 12 }}
              label={axisTitle('Week starting (Monday)', 'bottom')}
            />
            <YAxis width={64} allowDecimals={false} label={axisTitle('Emails', 'left')} />
            <Tooltip
              content={(props) => {
                const row = tooltipRow<Engagement['emails'][number]>(props);
                return row ? (
                  <ChartTooltip
                    title={weekTitle(row)}
                    lines={EMAIL_SERIES.map((s) => ({
                      name: s.name,
                      value: formatCount(row[s.key]),
                      color: s.color,
                    }))}
                    note={row.partial ? 'Still counting: not a drop' : undefined}
                  />
                ) : null;
              }}
            />
            <Legend verticalAlign="top" itemSorter={legendOrder(EMAIL_SERIES.map((s) => s.name))} />
            {EMAIL_SERIES.map((s) => (
              <Line
                key={s.key}
                dataKey={`${s.key}Solid`}
                name={s.name}
                stroke={s.color}
                isAnimationActive={false}
              />
            ))}
            {partial && rows.length > 1 && (
              <ReferenceArea
                x1={rows[rows.length - 2]!.week}
                x2={partial.week}
                fill="#f1f3f5"
                label={{ value: 'so far', position: 'insideTop', fontSize: 11, fill: '#5b6675' }}
              />
            )}
            {partial &&
              EMAIL_SERIES.map((s) => (
                <Line
                  key={`${s.key}Partial`}
                  dataKey={`${s.key}Partial`}
                  name={`${s.name}, week in progress`}
                  legendType="none"
                  stroke={s.color}
                  strokeDasharray="5 4"
                  dot={{ r: 3, fill: '#fff', stroke: s.color }}
                  className="partial-segment"
                  isAnimationActive={false}
                />
              ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      {partial && (
        <ChartNote mark="dashed" testId="emails-partial">
          <span id="emails-partial">Dashed: {periodInProgress('week', partial.week)}, still counting.</span>
        </ChartNote>
      )}
    </>
  );
}

function TicketChart({ tickets }: { tickets: Engagement['tickets'] }) {
  const rows = withPartialSegment(tickets, ['meanSentiment']);
  const partial = tickets[tickets.length - 1]?.partial ? tickets[tickets.length - 1]! : null;
  const fill = (color: string, row: { partial: boolean }) =>
    row.partial ? `url(#${hatchId(color)})` : color;
  return (
    <>
      <div
        className="chart"
        role="img"
        aria-label="Tickets opened per week and mean sentiment"
        aria-describedby={partial ? 'tickets-partial' : undefined}
      >
        <ResponsiveContainer>
          <ComposedChart data={rows} margin={CHART_MARGIN}>
            <CartesianGrid stroke="#eef1f5" />
            <XAxis
              dataKey="week"
              tickFormatter={formatWeek}
              height={44}
              padding={{ left: 8, right: 12 }}
              label={axisTitle('Week starting (Monday)', 'bottom')}
            />
            <YAxis
              yAxisId="n"
              width={64}
              allowDecimals={false}
              stroke={TICKETS_AXIS}
              tick={{ fill: TICKETS_AXIS }}
              label={axisTitle('Tickets opened', 'left', TICKETS_AXIS)}
            />
            <YAxis
              yAxisId="s"
              orientation="right"
              domain={[-1, 1]}
              ticks={[-1, -0.5, 0, 0.5, 1]}
              width={64}
              stroke={SENTIMENT}
              tick={{ fill: SENTIMENT }}
              label={axisTitle('Mean sentiment, −1 to +1', 'right', SENTIMENT)}
            />
            <Tooltip
              content={(props) => {
                const row = tooltipRow<Engagement['tickets'][number]>(props);
                return row ? (
                  <ChartTooltip
                    title={weekTitle(row)}
                    lines={[
                      { name: 'Tickets opened', value: formatCount(row.opened), color: TICKETS_AXIS },
                      { name: 'High priority', value: formatCount(row.highPriority), color: HIGH_PRIORITY },
                      {
                        name: 'Mean sentiment',
                        value: row.meanSentiment === null ? '—' : formatNumber(row.meanSentiment, 2),
                        color: SENTIMENT,
                      },
                    ]}
                    note={row.partial ? 'Still counting: not a drop' : undefined}
                  />
                ) : null;
              }}
            />
            <Legend
              verticalAlign="top"
              itemSorter={legendOrder(['Opened', 'High priority', 'Mean sentiment'])}
            />
            <Bar yAxisId="n" dataKey="opened" name="Opened" fill={TICKETS} isAnimationActive={false}>
              {rows.map((row) => (
                <Cell key={row.week} fill={fill(TICKETS, row)} stroke={row.partial ? TICKETS : undefined} />
              ))}
            </Bar>
            <Bar
              yAxisId="n"
              dataKey="highPriority"
              name="High priority"
              fill={HIGH_PRIORITY}
              isAnimationActive={false}
            >
              {rows.map((row) => (
                <Cell
                  key={row.week}
                  fill={fill(HIGH_PRIORITY, row)}
                  stroke={row.partial ? HIGH_PRIORITY : undefined}
                />
              ))}
            </Bar>
            <Line
              yAxisId="s"
              dataKey="meanSentimentSolid"
              name="Mean sentiment"
              stroke={SENTIMENT}
              isAnimationActive={false}
            />
            {partial && (
              <Line
                yAxisId="s"
                dataKey="meanSentimentPartial"
                name="Mean sentiment, week in progress"
                legendType="none"
                stroke={SENTIMENT}
                strokeDasharray="5 4"
                dot={{ r: 3, fill: '#fff', stroke: SENTIMENT }}
                className="partial-segment"
                isAnimationActive={false}
              />
            )}
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      {partial && (
        <ChartNote mark="hatched" testId="tickets-partial">
          <span id="tickets-partial">Hatched: {periodInProgress('week', partial.week)}, still counting.</span>
        </ChartNote>
      )}
    </>
  );
}

interface TickProps {
  x: number;
  y: number;
  payload: { value: string };
}

function NpsChart({ nps, minResponses }: { nps: Engagement['nps']; minResponses: number }) {
  const byMonth = new Map(nps.map((m) => [m.month, m]));
  const partial = nps[nps.length - 1]?.partial ? nps[nps.length - 1]! : null;
  const uncertain = nps.filter((m) => m.fewResponses && m.responses > 0);
  // Under each bar, its month and how many answered: a score from a handful of answers reads as such.
  const monthTick = (props: unknown) => {
    const { x, y, payload } = props as TickProps;
    const month = byMonth.get(payload.value);
    return (
      <g transform={`translate(${x},${y})`}>
        <text dy={12} textAnchor="middle" fill="#5b6675" fontSize={12}>
          {formatMonthShort(payload.value)}
        </text>
        <text
          dy={27}
          textAnchor="middle"
          fill={month?.fewResponses ? '#b7791f' : '#5b6675'}
          fontSize={11}
          className="nps-responses"
        >
          n={formatCount(month?.responses ?? 0)}
          {month?.fewResponses ? '?' : ''}
        </text>
      </g>
    );
  };
  return (
    <>
      <div
        className="chart"
        role="img"
        aria-label="Net Promoter Score per month, with the number of answers"
        aria-describedby="nps-note"
      >
        <ResponsiveContainer>
          <BarChart data={nps} margin={{ ...CHART_MARGIN, bottom: 24 }}>
            <CartesianGrid vertical={false} stroke="#eef1f5" />
            <XAxis
              dataKey="month"
              interval={0}
              tick={monthTick}
              height={56}
              label={axisTitle(
                `Month, ${formatMonth(nps[0]!.month)} – ${formatMonth(nps[nps.length - 1]!.month)} · answers (n)`,
                'bottom',
              )}
            />
            <YAxis
              domain={[-120, 120]}
              ticks={[-100, -50, 0, 50, 100]}
              width={64}
              label={axisTitle('NPS, score points', 'left')}
            />
            <Tooltip
              content={(props) => {
                const row = tooltipRow<Engagement['nps'][number]>(props);
                if (!row) return null;
                const notes = [
                  row.partial ? periodInProgress('month', row.month) : null,
                  row.fewResponses && row.responses > 0
                    ? `Fewer than ${minResponses} answers: uncertain`
                    : null,
                ].filter((n) => n !== null);
                return (
                  <ChartTooltip
                    title={formatMonth(row.month)}
                    lines={[
                      {
                        name: 'NPS',
                        value:
                          row.nps === null
                            ? 'no answers'
                            : `${row.nps}${row.margin95 !== null && !row.fewResponses ? ` ± ${row.margin95} (95 %)` : ''}`,
                        color: NPS,
                      },
                      { name: 'Answers', value: formatCount(row.responses) },
                    ]}
                    note={notes.length > 0 ? notes.join(' · ') : undefined}
                  />
                );
              }}
            />
            <Bar dataKey="nps" name="NPS" fill={NPS} isAnimationActive={false}>
              <LabelList dataKey="nps" content={barEndLabel} />
              {nps.map((m) => (
                <Cell
                  key={m.month}
                  fill={m.partial ? `url(#${hatchId(NPS)})` : NPS}
                  fillOpacity={m.fewResponses ? 0.35 : 1}
                  stroke={m.partial || m.fewResponses ? NPS : undefined}
                  strokeDasharray={m.fewResponses ? '3 2' : undefined}
                />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <div id="nps-note">
        <ChartNote mark="faded" testId="nps-uncertain">
          Faded, with “?” by its count: fewer than {minResponses} answers, too few to read
          {uncertain.length > 0
            ? ` (${uncertain.map((m) => `${formatMonth(m.month)}: ${m.responses}`).join(', ')})`
            : ' (none in these months)'}
          .
        </ChartNote>
        {partial && (
          <ChartNote mark="hatched" testId="nps-partial">
            Hatched: {periodInProgress('month', partial.month)}, {formatCount(partial.responses)} answers so
            far.
          </ChartNote>
        )}
      </div>
    </>
  );
}

export function EngagementPage() {
  const data = useApi<Engagement>(usePortalPath('engagement'));
  const header = (
    <PageHeader
      title="Engagement & satisfaction"
      subtitle="Email engagement, support load and tone, NPS over the last months"
    />
  );
  if (data.state === 'loading')
    return (
      <>
        {header}
        <Spinner />
      </>
    );
  if (data.state === 'error')
    return (
      <>
        {header}
        <ErrorNotice error={data.error} />
      </>
    );
  const { emails, tickets, nps, npsMinResponses } = data.data;
  return (
    <>
      {header}
      <HatchPatterns colors={[TICKETS, HIGH_PRIORITY, NPS, NOTE_COLOR]} />
      <div className="grid two">
        <Card title="Email engagement" note="per week">
          {emails.length === 0 ? <EmptyState title="No emails synced yet" /> : <EmailChart emails={emails} />}
        </Card>
        <Card title="Tickets and their tone" note="per week">
          {tickets.length === 0 ? (
            <EmptyState title="No tickets synced yet" />
          ) : (
            <TicketChart tickets={tickets} />
          )}
        </Card>
        <Card title="NPS" note="per month, with the number of answers">
          {nps.length === 0 ? (
            <EmptyState title="No survey answers yet" />
          ) : (
            <NpsChart nps={nps} minResponses={npsMinResponses} />
          )}
        </Card>
      </div>
    </>
  );
}
