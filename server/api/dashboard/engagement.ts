import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export interface Engagement {
  emails: { week: string; sent: number; opened: number; replied: number }[];
  tickets: { week: string; opened: number; highPriority: number; meanSentiment: number | null }[];
  /** Net Promoter Score per month: % promoters (9–10) − % detractors (0–6). */
  nps: { month: string; responses: number; nps: number }[];
}

const day = (v: unknown) => new Date(v as string).toISOString().slice(0, 10);

/** Email engagement and ticket volume per week, NPS per month, over the last six months. */
export async function loadEngagement(db: Kysely<Database>, portalId: number): Promise<Engagement> {
  const since = sql`date_trunc('week', now()) - interval '25 weeks'`;
  const emails = await sql<Record<string, unknown>>`
    select date_trunc('week', sent_at) as week,
      count(*) filter (where direction is distinct from 'INCOMING_EMAIL') as sent,
      count(opened_at) as opened, count(replied_at) as replied
    from emails where portal_id = ${portalId} and archived = false and sent_at >= ${since}
    group by 1 order by 1`.execute(db);
  const tickets = await sql<Record<string, unknown>>`
    select date_trunc('week', created_at) as week, count(*) as opened,
      count(*) filter (where upper(priority) = 'HIGH') as high_priority, avg(sentiment) as mean_sentiment
    from tickets where portal_id = ${portalId} and archived = false and created_at >= ${since}
    group by 1 order by 1`.execute(db);
  const nps = await sql<Record<string, unknown>>`
    select date_trunc('month', submitted_at) as month, count(*) as responses,
      100.0 * (count(*) filter (where score >= 9) - count(*) filter (where score <= 6)) / count(*) as nps
    from feedback where portal_id = ${portalId} and archived = false and score is not null
      and submitted_at >= date_trunc('month', now()) - interval '11 months'
    group by 1 order by 1`.execute(db);
  return {
    emails: emails.rows.map((r) => ({
      week: day(r.week),
      sent: Number(r.sent),
      opened: Number(r.opened),
      replied: Number(r.replied),
    })),
    tickets: tickets.rows.map((r) => ({
      week: day(r.week),
      opened: Number(r.opened),
      highPriority: Number(r.high_priority),
      meanSentiment: r.mean_sentiment === null ? null : Number(r.mean_sentiment),
    })),
    nps: nps.rows.map((r) => ({
      month: day(r.month).slice(0, 7),
      responses: Number(r.responses),
      nps: Math.round(Number(r.nps)),
    })),
  };
}
