import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
  ComposedChart,
} from 'recharts';
import { useApi } from '../api.js';
import { usePortalPath } from '../session.js';
import { Card, EmptyState, ErrorNotice, PageHeader, Spinner } from '../ui.js';

interface Engagement {
  emails: { week: string; sent: number; opened: number; replied: number }[];
  tickets: { week: string; opened: number; highPriority: number; meanSentiment: number | null }[];
  nps: { month: string; responses: number; nps: number }[];
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
  const { emails, tickets, nps } = data.data;
  return (
    <>
      {header}
      <div className="grid two">
        <Card title="Email engagement" note="per week">
          {emails.length === 0 ? (
            <EmptyState title="No emails synced yet" />
          ) : (
            <div className="chart" role="img" aria-label="Emails sent, opened and replied per week">
              <ResponsiveContainer>
                <LineChart data={emails}>
                  <CartesianGrid stroke="#eef1f5" />
                  <XAxis dataKey="week" />
                  <YAxis />
                  <Tooltip />
                  <Legend />
                  <Line dataKey="sent" name="Sent" stroke="#5b6675" isAnimationActive={false} />
                  <Line dataKey="opened" name="Opened" stroke="#1c7ed6" isAnimationActive={false} />
                  <Line dataKey="replied" name="Replied" stroke="#2f9e44" isAnimationActive={false} />
                </LineChart>
              </ResponsiveContainer>
            </div>
          )}
        </Card>
        <Card title="Tickets and their tone" note="per week">
          {tickets.length === 0 ? (
            <EmptyState title="No tickets synced yet" />
          ) : (
            <div className="chart" role="img" aria-label="Tickets opened per week and mean sentiment">
              <ResponsiveContainer>
                <ComposedChart data={tickets}>
                  <CartesianGrid stroke="#eef1f5" />
                  <XAxis dataKey="week" />
                  <YAxis yAxisId="n" />
                  <YAxis yAxisId="s" orientation="right" domain={[-1, 1]} />
                  <Tooltip />
                  <Legend />
                  <Bar yAxisId="n" dataKey="opened" name="Opened" fill="#adb5bd" isAnimationActive={false} />
                  <Bar
                    yAxisId="n"
                    dataKey="highPriority"
                    name="High priority"
                    fill="#c92a2a"
                    isAnimationActive={false}
                  />
                  <Line
                    yAxisId="s"
                    dataKey="meanSentiment"
                    name="Mean sentiment"
                    stroke="#e8590c"
                    isAnimationActive={false}
                  />
                </ComposedChart>
              </ResponsiveContainer>
            </div>
          )}
        </Card>
        <Card title="NPS" note="per month">
          {nps.length === 0 ? (
            <EmptyState title="No survey answers yet" />
          ) : (
            <div className="chart" role="img" aria-label="Net Promoter Score per month">
              <ResponsiveContainer>
                <BarChart data={nps}>
                  <CartesianGrid vertical={false} stroke="#eef1f5" />
                  <XAxis dataKey="month" />
                  <YAxis domain={[-100, 100]} />
                  <Tooltip />
                  <Bar dataKey="nps" name="NPS" fill="#1c7ed6" isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
            </div>
          )}
        </Card>
      </div>
    </>
  );
}
