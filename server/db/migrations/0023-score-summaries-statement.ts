import { sql, type Kysely } from 'kysely';
import { SUMMARISE_INSERT_WITH_TEMP_TABLE } from './0006-dashboard-sessions.js';

/**
 * The summaries a statement inserting scores keeps (`current_scores`, `score_weekly_totals`; see
 * 0006) are updated by one statement whose parts read the new scores as a CTE, instead of through a
 * temporary table made and dropped for every statement: a cycle's chunk and each rescoring of a
 * contact no longer add and remove catalog rows, and storing 12,500 scores on PGlite in 20
 * statements took 2.4–3.0 CPU-s instead of 3.1–3.9 (four runs of each, taken in turn). Both parts
 * see the summaries as they were before the statement, as the two statements of 0006 did (the
 * totals were updated before the current scores were).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function scores_summarise_insert() returns trigger language plpgsql as $$
    begin
      with fresh as materialized (
        select distinct on (portal_id, contact_id, score_week(scored_at))
          portal_id, contact_id, model_id, probability, tier, reasons, scored_at
        from new_scores
        order by portal_id, contact_id, score_week(scored_at), scored_at desc
      ),
      totals as (
        insert into score_weekly_totals as t (portal_id, week, contacts, high, medium, probability_sum)
        select portal_id, week, sum(contacts), sum(high), sum(medium), sum(probability_sum)
        from (
          select f.portal_id, score_week(f.scored_at) as week, 1 as contacts, (f.tier = 'high')::int as high,
            (f.tier = 'medium')::int as medium, f.probability as probability_sum
          from fresh f
          left join current_scores c on c.portal_id = f.portal_id and c.contact_id = f.contact_id
          where c.contact_id is null or score_week(f.scored_at) > score_week(c.scored_at)
            or (score_week(f.scored_at) = score_week(c.scored_at) and f.scored_at >= c.scored_at)
          union all
          select c.portal_id, score_week(c.scored_at), -1, -(c.tier = 'high')::int, -(c.tier = 'medium')::int,
            -c.probability
          from fresh f
          join current_scores c on c.portal_id = f.portal_id and c.contact_id = f.contact_id
          where score_week(f.scored_at) = score_week(c.scored_at) and f.scored_at >= c.scored_at
        ) d
        group by portal_id, week
        on conflict (portal_id, week) do update set
          contacts = t.contacts + excluded.contacts,
          high = t.high + excluded.high,
          medium = t.medium + excluded.medium,
          probability_sum = t.probability_sum + excluded.probability_sum
      )
      insert into current_scores as c
      select portal_id, contact_id, model_id, probability, tier, reasons, scored_at, p_probability, p_tier, p_at
      from (
        select f.*,
          lag(probability) over w as p_probability, lag(tier) over w as p_tier, lag(scored_at) over w as p_at,
          row_number() over (partition by portal_id, contact_id order by scored_at desc) as newest
        from fresh f
        window w as (partition by portal_id, contact_id order by scored_at)
      ) x
      where newest = 1
      on conflict (portal_id, contact_id) do update set
        previous_probability = case greatest(c.previous_scored_at, excluded.previous_scored_at, case when score_week(c.scored_at) < score_week(excluded.scored_at) then c.scored_at end)
          when excluded.previous_scored_at then excluded.previous_probability
          when c.previous_scored_at then c.previous_probability
          when c.scored_at then c.probability end,
        previous_tier = case greatest(c.previous_scored_at, excluded.previous_scored_at, case when score_week(c.scored_at) < score_week(excluded.scored_at) then c.scored_at end)
          when excluded.previous_scored_at then excluded.previous_tier
          when c.previous_scored_at then c.previous_tier
          when c.scored_at then c.tier end,
        previous_scored_at = greatest(c.previous_scored_at, excluded.previous_scored_at, case when score_week(c.scored_at) < score_week(excluded.scored_at) then c.scored_at end),
        model_id = excluded.model_id,
        probability = excluded.probability,
        tier = excluded.tier,
        reasons = excluded.reasons,
        scored_at = excluded.scored_at
      where c.scored_at <= excluded.scored_at;
      return null;
    end
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await SUMMARISE_INSERT_WITH_TEMP_TABLE.execute(db);
}
