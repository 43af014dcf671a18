import { sql, type Kysely } from 'kysely';

/**
 * The tables written a row per CRM record or per contact scored (a first sync of 20,000 contacts
 * stores about 700,000 such rows) no longer reference `portals`: each row's key check cost about
 * 7 % of a sync's CPU on PGlite (20,000 contacts at ten times HubSpot's limit: 6.29 → 5.83 CPU-s
 * per 1,000 contacts, the same seed side by side). `purgePortal` deletes their rows itself, from the
 * tables the catalog shows carrying `portal_id` without a key, before it deletes the portal; the
 * other tables (a few rows per portal) keep theirs and go by cascade as before.
 */
const RECORD_TABLES = [
  'contacts',
  'companies',
  'deals',
  'tickets',
  'emails',
  'feedback',
  'associations',
  'usage_events',
  'sync_cursors',
  'customer_status',
  'scores',
  'current_scores',
  'crm_writebacks',
  'account_scores',
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of RECORD_TABLES) {
    await sql`alter table ${sql.table(table)} drop constraint ${sql.ref(`${table}_portal_id_fkey`)}`.execute(
      db,
    );
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of RECORD_TABLES) {
    await sql`delete from ${sql.table(table)} t where not exists (select 1 from portals p where p.id = t.portal_id)`.execute(
      db,
    );
    await sql`alter table ${sql.table(table)} add constraint ${sql.ref(`${table}_portal_id_fkey`)}
      foreign key (portal_id) references portals (id) on delete cascade`.execute(db);
  }
}
