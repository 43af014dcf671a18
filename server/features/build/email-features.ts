import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { FeatureValues } from '../catalogue.js';
import {
  byWindow,
  daysBefore,
  epochMs,
  idArray,
  msDate,
  packedAggregates,
  joinWanted,
  type ContactCutoffs,
} from './time-windows.js';

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

/**
 * Outgoing emails (direction EMAIL) for engagement, inbound ones (INCOMING_EMAIL) for tone. An
 * email's open or reply counts only when it happened before `asOf`, whenever the email was sent; a
 * bounce is dated by its sending (a mail server refuses within minutes). Bounces are an account
 * signal (catalogue-account.ts) read here, with the rows this query reads anyway. The emails
 * delivered since the contact last opened or answered one need that last engagement first: a window
 * aggregate over the contact's emails at each cutoff, read in the same pass.
 * One map per window: every cutoff is read by one query, each contact only at its own cutoffs.
 * Sentiments are summed as numeric, exactly, so a sum does not depend on the order the query plan
 * reads the rows in.
 */
export async function emailFeatures(
  db: Kysely<Database>,
  portalId: number,
  at: ContactCutoffs,
): Promise<Map<string, EmailAggregates>[]> {
  const outgoing = sql`e.direction = 'EMAIL'`;
  const inbound = sql`e.direction = 'INCOMING_EMAIL'`;
  const aggregates = packedAggregates({
    sent30: sql`count(*) filter (where ${outgoing} and e.sent_at >= e.days30)`,
    sent90: sql`count(*) filter (where ${outgoing} and e.sent_at >= e.days90)`,
    opened30: sql`count(*) filter (where ${outgoing} and e.opened_at >= e.days30 and e.opened_at < e.as_of)`,
    opened90: sql`count(*) filter (where ${outgoing} and e.opened_at >= e.days90 and e.opened_at < e.as_of)`,
    replied30: sql`count(*) filter (where ${outgoing} and e.replied_at >= e.days30 and e.replied_at < e.as_of)`,
    replied90: sql`count(*) filter (where ${outgoing} and e.replied_at >= e.days90 and e.replied_at < e.as_of)`,
    sent90Opened: sql`count(*) filter (where ${outgoing} and e.sent_at >= e.days90 and e.opened_at < e.as_of)`,
    sent90Replied: sql`count(*) filter (where ${outgoing} and e.sent_at >= e.days90 and e.replied_at < e.as_of)`,
    bounced90: sql`count(*) filter (where ${outgoing} and e.sent_at >= e.days90 and e.bounced)`,
    unopenedInARow: sql`count(*) filter (where ${outgoing} and not e.bounced
      and (e.last_engaged is null or e.sent_at > e.last_engaged))`,
    lastOpen: epochMs(sql`max(e.opened_at) filter (where ${outgoing} and e.opened_at < e.as_of)`),
    lastReply: epochMs(sql`max(e.replied_at) filter (where ${outgoing} and e.replied_at < e.as_of)`),
    inSum90: sql`sum(e.sentiment::numeric) filter (where ${inbound} and e.sent_at >= e.days90)`,
    inN90: sql`count(e.sentiment) filter (where ${inbound} and e.sent_at >= e.days90)`,
    inMin90: sql`min(e.sentiment) filter (where ${inbound} and e.sent_at >= e.days90)`,
    inSum30: sql`sum(e.sentiment::numeric) filter (where ${inbound} and e.sent_at >= e.days30)`,
    inN30: sql`count(e.sentiment) filter (where ${inbound} and e.sent_at >= e.days30)`,
  });
  const { rows } = await sql<{ contact_id: string; k: number; v: string }>`
    with sent as materialized (
      select a.from_id as contact_id,
        e.direction, e.bounced, e.sent_at, e.opened_at, e.replied_at, e.sentiment
      from associations a
      join emails e on e.portal_id = a.portal_id and e.id = a.to_id
      where a.portal_id = ${portalId} and a.from_type = 'contacts' and a.to_type = 'emails'
        and a.from_id = any(${idArray(at.ids)})
    )
    select e.contact_id, e.k, ${aggregates.select} as v
    from (
      select e.contact_id, w.k, w.as_of, w.days30, w.days90,
        e.direction, e.bounced, e.sent_at, e.opened_at, e.replied_at, e.sentiment,
        max(greatest(
          case when e.opened_at < w.as_of then e.opened_at end,
          case when e.replied_at < w.as_of then e.replied_at end
        )) filter (where e.direction = 'EMAIL') over (partition by e.contact_id, w.k) as last_engaged
      from sent e
      ${joinWanted(at, sql.ref('e.contact_id'))} and e.sent_at < w.as_of
    ) e
    group by e.contact_id, e.k`.execute(db);
  return byWindow(at.windows, rows, (r, w): [string, EmailAggregates] => {
    const a = aggregates.read(r.v);
    const sent90 = a.sent90 ?? 0;
    return [
      r.contact_id,
      {
        features: {
          emails_sent_30d: a.sent30 ?? 0,
          emails_sent_90d: sent90,
          emails_opened_30d: a.opened30 ?? 0,
          emails_opened_90d: a.opened90 ?? 0,
          emails_replied_30d: a.replied30 ?? 0,
          emails_replied_90d: a.replied90 ?? 0,
          email_open_rate_90d: sent90 === 0 ? null : (a.sent90Opened ?? 0) / sent90,
          email_response_rate_90d: sent90 === 0 ? null : (a.sent90Replied ?? 0) / sent90,
          days_since_last_open: daysBefore(w.asOf, msDate(a.lastOpen)),
          days_since_last_reply: daysBefore(w.asOf, msDate(a.lastReply)),
          emails_bounced_90d: a.bounced90 ?? 0,
          emails_unopened_in_a_row: a.unopenedInARow ?? 0,
        },
        inbound: {
          sum90: a.inSum90 ?? 0,
          n90: a.inN90 ?? 0,
          min90: a.inMin90,
          sum30: a.inSum30 ?? 0,
          n30: a.inN30 ?? 0,
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
