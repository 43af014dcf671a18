/**
 * The stages an admin can name as the former-customer stage: the CRM's standard ones (HubSpot's
 * lifecycle stages, Salesforce's `Customer_Status__c` values) and those the portal's contacts hold
 * in the warehouse (a custom stage shows up once a contact is in it). Customer stages are left out:
 * a customer stage named as the one customers leave to would make every customer a former one.
 */
import { sql, type Kysely } from 'kysely';
import type { CrmKind, Database } from '../db/schema.js';

export interface StageOption {
  value: string;
  label: string;
}

export interface SettingsOptions {
  /** Former-customer stages to choose from, the CRM's default first. */
  stages: StageOption[];
  /** The stage used while the rule names none. */
  defaultFormerStage: string;
}

interface StageVocabulary {
  defaultFormer: string;
  /** Stages compared without case (Salesforce picklist values), or exactly (HubSpot's names). */
  caseInsensitive: boolean;
  stages: { value: string; label: string; customer?: true }[];
}

/** Each CRM's standard stages, as its records' mappers read them. */
const VOCABULARIES: Readonly<Record<CrmKind, StageVocabulary>> = {
  hubspot: {
    defaultFormer: 'other',
    caseInsensitive: false,
    stages: [
      { value: 'other', label: 'Other' },
      { value: 'subscriber', label: 'Subscriber' },
      { value: 'lead', label: 'Lead' },
      { value: 'marketingqualifiedlead', label: 'Marketing qualified lead' },
      { value: 'salesqualifiedlead', label: 'Sales qualified lead' },
      { value: 'opportunity', label: 'Opportunity' },
      { value: 'customer', label: 'Customer', customer: true },
      { value: 'evangelist', label: 'Evangelist', customer: true },
    ],
  },
  salesforce: {
    defaultFormer: 'Former Customer',
    caseInsensitive: true,
    stages: [
      { value: 'Former Customer', label: 'Former Customer' },
      { value: 'Prospect', label: 'Prospect' },
      { value: 'Customer', label: 'Customer', customer: true },
    ],
  },
};

const keyOf = (vocabulary: StageVocabulary, value: string) =>
  vocabulary.caseInsensitive ? value.trim().toLowerCase() : value.trim();

/** Whether `stage` is one of the CRM's customer stages, which cannot be the former-customer stage. */
export function isCustomerStage(crm: CrmKind, stage: string): boolean {
  const vocabulary = VOCABULARIES[crm];
  const key = keyOf(vocabulary, stage);
  return vocabulary.stages.some((s) => s.customer && keyOf(vocabulary, s.value) === key);
}

/** The stage's label in the CRM's words, or the stage as the CRM stores it. */
export function stageLabel(crm: CrmKind, stage: string): string {
  const vocabulary = VOCABULARIES[crm];
  return (
    vocabulary.stages.find((s) => keyOf(vocabulary, s.value) === keyOf(vocabulary, stage))?.label ?? stage
  );
}

const SEEN_LIMIT = 50;

/**
 * The options of the Settings form: the CRM's stages and those seen on the portal's contacts, each
 * with how many contacts are in it now, and `current` (the stage the rule names) whatever it is.
 */
export async function loadSettingsOptions(
  db: Kysely<Database>,
  portalId: number,
  current: string | undefined,
): Promise<SettingsOptions> {
  const portal = await db
    .selectFrom('portals')
    .select('crm')
    .where('id', '=', portalId)
    .executeTakeFirstOrThrow();
  const vocabulary = VOCABULARIES[portal.crm];
  const { rows } = await sql<{ stage: string; contacts: unknown; customers: unknown }>`
    select lifecycle_stage as stage, count(*) as contacts,
      count(*) filter (where stage_kind = 'customer') as customers
    from contacts
    where portal_id = ${portalId} and lifecycle_stage is not null and lifecycle_stage <> ''
    group by lifecycle_stage
    order by count(*) desc, lifecycle_stage
    limit ${SEEN_LIMIT}`.execute(db);

  const counts = new Map<string, number>();
  const seen: string[] = [];
  for (const row of rows) {
    const key = keyOf(vocabulary, row.stage);
    counts.set(key, (counts.get(key) ?? 0) + Number(row.contacts));
    // A stage that holds customers is a customer stage, whatever it is called.
    if (Number(row.customers) === 0) seen.push(row.stage);
  }
  const options = new Map<string, StageOption>();
  const add = (value: string, label: string) => {
    const key = keyOf(vocabulary, value);
    if (options.has(key)) return;
    const count = counts.get(key) ?? 0;
    const isDefault = key === keyOf(vocabulary, vocabulary.defaultFormer);
    const notes = [
      isDefault ? 'the CRM’s default' : null,
      count > 0 ? `${count.toLocaleString('en-US')} contact${count === 1 ? '' : 's'} now` : null,
    ].filter((n) => n !== null);
    options.set(key, { value, label: notes.length ? `${label} (${notes.join(', ')})` : label });
  };
  for (const stage of vocabulary.stages) if (!stage.customer) add(stage.value, stage.label);
  for (const stage of seen) if (!isCustomerStage(portal.crm, stage)) add(stage, stage);
  if (current !== undefined) add(current, stageLabel(portal.crm, current));
  return { stages: [...options.values()], defaultFormerStage: vocabulary.defaultFormer };
}
