import { sql, type Kysely } from 'kysely';

/**
 * CRM-neutral columns, filled by each CRM's record mappers, so nothing above the sync reads a
 * CRM's property names: a contact's name, where it stands in the customer life cycle
 * (`stage_kind`: prospect, customer or former), since when it is a customer and since when a
 * former one, its plan, billing period, segment and country; a company's stage kind and former
 * date, size, industry and country; whether a deal is a renewal. The stage's
 * history is kept under the neutral key `stage`. Existing portals sync their contacts, companies
 * and deals again in full to fill them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('contacts')
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('stage_kind', 'text')
    .addColumn('customer_since', 'timestamptz')
    .addColumn('former_since', 'timestamptz')
    .addColumn('plan', 'text')
    .addColumn('billing_period', 'text')
    .addColumn('segment', 'text')
    .addColumn('country', 'text')
    .execute();
  await db.schema
    .alterTable('companies')
    .addColumn('stage_kind', 'text')
    .addColumn('former_since', 'timestamptz')
    .addColumn('employees', 'double precision')
    .addColumn('industry', 'text')
    .addColumn('country', 'text')
    .execute();
  await db.schema.alterTable('deals').addColumn('is_renewal', 'boolean').execute();
  await sql`update contacts set property_history = null`.execute(db);
  await sql`
    update sync_cursors
    set cursor = json_build_object('phase', 'live', 'startedAt', now())::text, updated_at = now()
    where object_type in ('contacts', 'companies', 'deals')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deals').dropColumn('is_renewal').execute();
  await db.schema
    .alterTable('companies')
    .dropColumn('stage_kind')
    .dropColumn('former_since')
    .dropColumn('employees')
    .dropColumn('industry')
    .dropColumn('country')
    .execute();
  await db.schema
    .alterTable('contacts')
    .dropColumn('first_name')
    .dropColumn('last_name')
    .dropColumn('stage_kind')
    .dropColumn('customer_since')
    .dropColumn('former_since')
    .dropColumn('plan')
    .dropColumn('billing_period')
    .dropColumn('segment')
    .dropColumn('country')
    .execute();
}
