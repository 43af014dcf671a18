import { sql, type Kysely } from 'kysely';

/**
 * What the dashboard reads apart from the warehouse:
 * - `sessions`: dashboard sign-ins. The cookie carries a random token; only its SHA-256 is
 *   stored, so a copy of the table signs nobody in. A session belongs to one portal and ends with it.
 * - `current_scores` and `score_weekly_totals`: the latest score of each contact (with its last
 *   score of an earlier week) and per-week tier counts, kept by triggers on `scores`. The overview
 *   of a portal with 100,000 contacts and months of weekly history then reads 100,000 rows and a
 *   few weekly sums instead of sorting the whole history on every page load.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('user_email', 'text')
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();

  await db.schema
    .createTable('current_scores')
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('model_id', 'bigint', (c) => c.notNull())
    .addColumn('probability', 'double precision', (c) => c.notNull())
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('reasons', 'jsonb', (c) => c.notNull())
    .addColumn('scored_at', 'timestamptz', (c) => c.notNull())
    .addColumn('previous_probability', 'double precision')
    .addColumn('previous_tier', 'text')
    .addColumn('previous_scored_at', 'timestamptz')
    .addPrimaryKeyConstraint('current_scores_pkey', ['portal_id', 'contact_id'])
    .execute();
  await sql`create index current_scores_risk on current_scores (portal_id, probability desc)`.execute(db);
  await db.schema
    .createTable('score_weekly_totals')
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('week', 'date', (c) => c.notNull())
    .addColumn('contacts', 'integer', (c) => c.notNull())
    .addColumn('high', 'integer', (c) => c.notNull())
    .addColumn('medium', 'integer', (c) => c.notNull())
    .addColumn('probability_sum', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('score_weekly_totals_pkey', ['portal_id', 'week'])
    .execute();

  // Weeks are ISO weeks in UTC, whatever the session's time zone.
  await sql`
    create function score_week(at timestamptz) returns date language sql immutable as
    $$ select date_trunc('week', at at time zone 'UTC')::date $$`.execute(db);

  // After each statement that inserts scores (replaced in 0023).
  await SUMMARISE_INSERT_WITH_TEMP_TABLE.execute(db);
  await sql`
    create trigger scores_summarise_insert after insert on scores
    referencing new table as new_scores for each statement execute function scores_summarise_insert()`.execute(
    db,
  );

  // Deleted scores (a contact's data erased): its current score is worked out again from what is left.
  await sql`
    create function scores_summarise_delete() returns trigger language plpgsql as $$
    begin
      delete from current_scores c using (select distinct portal_id, contact_id from old_scores) o
      where c.portal_id = o.portal_id and c.contact_id = o.contact_id;
      insert into current_scores (portal_id, contact_id, model_id, probability, tier, reasons, scored_at)
      select distinct on (s.portal_id, s.contact_id)
        s.portal_id, s.contact_id, s.model_id, s.probability, s.tier, s.reasons, s.scored_at
      from scores s join (select distinct portal_id, contact_id from old_scores) o
        on o.portal_id = s.portal_id and o.contact_id = s.contact_id
      order by s.portal_id, s.contact_id, s.scored_at desc;
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger scores_summarise_delete after delete on scores
    referencing old table as old_scores for each statement execute function scores_summarise_delete()`.execute(
    db,
  );

  // Scores written before this migration.
  await sql`
    insert into score_weekly_totals (portal_id, week, contacts, high, medium, probability_sum)
    select portal_id, week, count(*), count(*) filter (where tier = 'high'),
      count(*) filter (where tier = 'medium'), sum(probability)
    from (
      select distinct on (portal_id, score_week(scored_at), contact_id)
        portal_id, score_week(scored_at) as week, tier, probability
      from scores order by portal_id, score_week(scored_at), contact_id, scored_at desc
    ) w
    group by portal_id, week`.execute(db);
  await sql`
    insert into current_scores
    select l.portal_id, l.contact_id, l.model_id, l.probability, l.tier, l.reasons, l.scored_at,
      p.probability, p.tier, p.scored_at
    from (
      select distinct on (portal_id, contact_id) * from scores order by portal_id, contact_id, scored_at desc
    ) l
    left join lateral (
      select probability, tier, scored_at from scores s
      where s.portal_id = l.portal_id and s.contact_id = l.contact_id
        and score_week(s.scored_at) < score_week(l.scored_at)
      order by scored_at desc limit 1
    ) p on true`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists scores_summarise_insert on scores`.execute(db);
  await sql`drop trigger if exists scores_summarise_delete on scores`.execute(db);
  await sql`drop function if exists scores_summarise_insert()`.execute(db);
  await sql`drop function if exists scores_summarise_delete()`.execute(db);
  await sql`drop function if exists score_week(timestamptz)`.execute(db);
  await db.schema.dropTable('score_weekly_totals').ifExists().execute();
  await db.schema.dropTable('current_scores').ifExists().execute();
  await db.schema.dropTable('sessions').ifExists().execute();
}

/**
 * After each statement that inserts scores: the newest new score per contact replaces the current
 * one (an older one arriving late changes nothing), keeping the last score of an earlier week as
 * "previous"; each week's totals count a contact once, with its last score of that week. 0023
 * replaced it by one statement without a temporary table; its `down` puts this one back.
 */
export const SUMMARISE_INSERT_WITH_TEMP_TABLE = sql`
    create or replace function scores_summarise_insert() returns trigger language plpgsql as $$
    begin
      create temp table if not exists fresh_scores (like current_scores) on commit drop;
      delete from fresh_scores;
      insert into fresh_scores (portal_id, contact_id, model_id, probability, tier, reasons, scored_at)
      select distinct on (portal_id, contact_id, score_week(scored_at))
        portal_id, contact_id, model_id, probability, tier, reasons, scored_at
      from new_scores
      order by portal_id, contact_id, score_week(scored_at), scored_at desc;

      insert into score_weekly_totals as t (portal_id, week, contacts, high, medium, probability_sum)
      select portal_id, week, sum(contacts), sum(high), sum(medium), sum(probability_sum)
      from (
        select f.portal_id, score_week(f.scored_at) as week, 1 as contacts, (f.tier = 'high')::int as high,
          (f.tier = 'medium')::int as medium, f.probability as probability_sum
        from fresh_scores f
        left join current_scores c on c.portal_id = f.portal_id and c.contact_id = f.contact_id
        where c.contact_id is null or score_week(f.scored_at) > score_week(c.scored_at)
          or (score_week(f.scored_at) = score_week(c.scored_at) and f.scored_at >= c.scored_at)
        union all
        select c.portal_id, score_week(c.scored_at), -1, -(c.tier = 'high')::int, -(c.tier = 'medium')::int,
          -c.probability
        from fresh_scores f
        join current_scores c on c.portal_id = f.portal_id and c.contact_id = f.contact_id
        where score_week(f.scored_at) = score_week(c.scored_at) and f.scored_at >= c.scored_at
      ) d
      group by portal_id, week
      on conflict (portal_id, week) do update set
        contacts = t.contacts + excluded.contacts,
        high = t.high + excluded.high,
        medium = t.medium + excluded.medium,
        probability_sum = t.probability_sum + excluded.probability_sum;

      insert into current_scores as c
      select portal_id, contact_id, model_id, probability, tier, reasons, scored_at, p_probability, p_tier, p_at
      from (
        select f.*,
          lag(probability) over w as p_probability, lag(tier) over w as p_tier, lag(scored_at) over w as p_at,
          row_number() over (partition by portal_id, contact_id order by scored_at desc) as newest
        from fresh_scores f
        window w as (partition by portal_id, contact_id order by scored_at)
      ) x
      where newest = 1
      on conflict (portal_id, contact_id) do update set
        -- The latest of: the statement's own earlier week, the stored previous, the stored current
        -- when it is from an earlier week.
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
    $$`;
