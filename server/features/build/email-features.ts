import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { FeatureValues } from '../catalogue.js';
import { byWindow, daysBefore, date, idArray, num, windowsTable, type Windows } from './time-windows.js';

/** Sentiment sums of inbound emails per window, joined with ticket text in ./support-features.ts. */
export interface TextSentiment {
  sum90: number;
  n90: number;
  min90: number | null;
  sum30: number;
  n30: number;
}

export interface EmailAggregates {
  features: FeatureValues;
  inbound: TextSentiment;
}

interface EmailRow {
  contact_id: string;
  k: number;
  sent_30: unknown;
  sent_90: unknown;
  opened_30: unknown;
  opened_90: unknown;
  replied_30: unknown;
  replied_90: unknown;
  sent_90_opened: unknown;
  sent_90_replied: unknown;
  bounced_90: unknown;
  unopened_in_a_row: unknown;
  last_open: unknown;
  last_reply: unknown;
  in_sum_90: unknown;
  in_n_90: unknown;
  in_min_90: unknown;
  in_sum_30: unknown;
  in_n_30: unknown;
}

/**
 * Outgoing emails (direction EMAIL) for engagement, inbound ones (INCOMING_EMAIL) for tone. An
 * email's open or reply counts only when it happened before `asOf`, whenever the email was sent; a
 * bounce is dated by its sending (a mail server refuses within minutes). Bounces are an account
 * signal (catalogue-account.ts) read here, with the rows this query reads anyway. The emails
 * delivered since the contact last opened or answered one need that last engagement first: a window
 * aggregate over the contact's emails at each cutoff, read in the same pass.
 * One map per window: every cutoff is read by one query. Sentiments are summed as numeric, exactly,
 * so a sum does not depend on the order the query plan reads the rows in.
 */
export async function emailFeatures(
  db: Kysely<Database>,
  portalId: number,
  ids: readonly string[],
  windows: readonly Windows[],
): Promise<Map<string, EmailAggregates>[]> {
  const { rows } = await sql<EmailRow>`
    select e.contact_id, e.k,
      count(*) filter (where e.direction = 'EMAIL' and e.sent_at >= e.days30) as sent_30,
      count(*) filter (where e.direction = 'EMAIL' and e.sent_at >= e.days90) as sent_90,
      count(*) filter (where e.direction = 'EMAIL' and e.opened_at >= e.days30 and e.opened_at < e.as_of) as opened_30,
      count(*) filter (where e.direction = 'EMAIL' and e.opened_at >= e.days90 and e.opened_at < e.as_of) as opened_90,
      count(*) filter (where e.direction = 'EMAIL' and e.replied_at >= e.days30 and e.replied_at < e.as_of) as replied_30,
      count(*) filter (where e.direction = 'EMAIL' and e.replied_at >= e.days90 and e.replied_at < e.as_of) as replied_90,
      count(*) filter (where e.direction = 'EMAIL' and e.sent_at >= e.days90 and e.opened_at < e.as_of) as sent_90_opened,
      count(*) filter (where e.direction = 'EMAIL' and e.sent_at >= e.days90 and e.replied_at < e.as_of) as sent_90_replied,
      count(*) filter (where e.direction = 'EMAIL' and e.sent_at >= e.days90 and e.bounced) as bounced_90,
      count(*) filter (where e.direction = 'EMAIL' and not e.bounced
        and (e.last_engaged is null or e.sent_at > e.last_engaged)) as unopened_in_a_row,
      max(e.opened_at) filter (where e.direction = 'EMAIL' and e.opened_at < e.as_of) as last_open,
      max(e.replied_at) filter (where e.direction = 'EMAIL' and e.replied_at < e.as_of) as last_reply,
      sum(e.sentiment::numeric) filter (where e.direction = 'INCOMING_EMAIL' and e.sent_at >= e.days90) as in_sum_90,
      count(e.sentiment) filter (where e.direction = 'INCOMING_EMAIL' and e.sent_at >= e.days90) as in_n_90,
      min(e.sentiment) filter (where e.direction = 'INCOMING_EMAIL' and e.sent_at >= e.days90) as in_min_90,
      sum(e.sentiment::numeric) filter (where e.direction = 'INCOMING_EMAIL' and e.sent_at >= e.days30) as in_sum_30,
      count(e.sentiment) filter (where e.direction = 'INCOMING_EMAIL' and e.sent_at >= e.days30) as in_n_30
    from (
      select a.from_id as contact_id, w.k, w.as_of, w.days30, w.days90,
        e.direction, e.bounced, e.sent_at, e.opened_at, e.replied_at, e.sentiment,
        max(greatest(
          case when e.opened_at < w.as_of then e.opened_at end,
          case when e.replied_at < w.as_of then e.replied_at end
        )) filter (where e.direction = 'EMAIL') over (partition by a.from_id, w.k) as last_engaged
      from associations a
      join emails e on e.portal_id = a.portal_id and e.id = a.to_id
      join ${windowsTable(windows)} w on e.sent_at < w.as_of
      where a.portal_id = ${portalId} and a.from_type = 'contacts' and a.to_type = 'emails'
        and a.from_id = any(${idArray(ids)})
    ) e
    group by e.contact_id, e.k`.execute(db);
  return byWindow(windows, rows, (r, w): [string, EmailAggregates] => {
    const sent90 = num(r.sent_90) ?? 0;
    return [
      r.contact_id,
      {
        features: {
          emails_sent_30d: num(r.sent_30) ?? 0,
          emails_sent_90d: sent90,
          emails_opened_30d: num(r.opened_30) ?? 0,
          emails_opened_90d: num(r.opened_90) ?? 0,
          emails_replied_30d: num(r.replied_30) ?? 0,
          emails_replied_90d: num(r.replied_90) ?? 0,
          email_open_rate_90d: sent90 === 0 ? null : (num(r.sent_90_opened) ?? 0) / sent90,
          email_response_rate_90d: sent90 === 0 ? null : (num(r.sent_90_replied) ?? 0) / sent90,
          days_since_last_open: daysBefore(w.asOf, date(r.last_open)),
          days_since_last_reply: daysBefore(w.asOf, date(r.last_reply)),
          emails_bounced_90d: num(r.bounced_90) ?? 0,
          emails_unopened_in_a_row: num(r.unopened_in_a_row) ?? 0,
        },
        inbound: {
          sum90: num(r.in_sum_90) ?? 0,
          n90: num(r.in_n_90) ?? 0,
          min90: num(r.in_min_90),
          sum30: num(r.in_sum_30) ?? 0,
          n30: num(r.in_n_30) ?? 0,
        },
      },
    ];
  });
}

export function emptyEmailFeatures(): FeatureValues {
  return {
    emails_sent_30d: 0,
    emails_sent_90d: 0,
    emails_opened_30d: 0,
    emails_opened_90d: 0,
    emails_replied_30d: 0,
    emails_replied_90d: 0,
    email_open_rate_90d: null,
    email_response_rate_90d: null,
    days_since_last_open: null,
    days_since_last_reply: null,
    emails_bounced_90d: 0,
    emails_unopened_in_a_row: 0,
  };
}
