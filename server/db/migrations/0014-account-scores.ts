import { sql, type Kysely } from 'kysely';

/**
 * Account health:
 * - `account_scores`: each company's risk of leaving as a scoring run set it (from its active
 *   contacts' scores and the account's own signals), its tier among the run's companies, its
 *   reasons in words, and what the run saw of its value and next renewal. One row per company
 *   and run; the dashboard reads the portal's latest run.
 * - `crm_writebacks` keeps what the CRM last confirmed for companies as for contacts: a record is
 *   named by its object type and id.
 * - indexes to find a company's contacts, and the deals and tickets linked to a company.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('account_scores')
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('company_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'bigint', (c) => c.notNull().references('scoring_runs.id').onDelete('cascade'))
    .addColumn('probability', 'float8', (c) => c.notNull())
    .addColumn('tier', 'text', (c) => c.notNull().check(sql`tier in ('low', 'medium', 'high')`))
    .addColumn('reasons', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('active_contacts', 'integer', (c) => c.notNull())
    .addColumn('decision_maker_id', 'text')
    .addColumn('value', 'float8')
    .addColumn('renewal_at', 'timestamptz')
    .addColumn('renewal_value', 'float8')
    .addColumn('scored_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('account_scores_pk', ['run_id', 'company_id'])
    .execute();
  await sql`create index account_scores_by_company on account_scores (portal_id, company_id, run_id desc)`.execute(
    db,
  );
  await sql`create index account_scores_latest on account_scores (portal_id, run_id desc)`.execute(db);
  // A company's contacts, and the deals and tickets linked to a company, are looked up by company.
  await sql`create index contacts_company on contacts (portal_id, company_id) where company_id is not null`.execute(
    db,
  );
  await sql`create index associations_to on associations (portal_id, to_type, to_id)`.execute(db);

  await sql`alter table crm_writebacks rename column contact_id to record_id`.execute(db);
  await sql`alter table crm_writebacks add column object_type text not null default 'contacts'
    check (object_type in ('contacts', 'companies'))`.execute(db);
  await sql`alter table crm_writebacks alter column object_type drop default`.execute(db);
  await sql`alter table crm_writebacks drop constraint crm_writebacks_pk`.execute(db);
  await sql`alter table crm_writebacks add constraint crm_writebacks_pk
    primary key (portal_id, object_type, record_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from crm_writebacks where object_type <> 'contacts'`.execute(db);
  await sql`alter table crm_writebacks drop constraint crm_writebacks_pk`.execute(db);
  await sql`alter table crm_writebacks drop column object_type`.execute(db);
  await sql`alter table crm_writebacks rename column record_id to contact_id`.execute(db);
  await sql`alter table crm_writebacks add constraint crm_writebacks_pk primary key (portal_id, contact_id)`.execute(
    db,
  );
  await sql`drop index if exists associations_to`.execute(db);
  await sql`drop index if exists contacts_company`.execute(db);
  await db.schema.dropTable('account_scores').ifExists().execute();
}
