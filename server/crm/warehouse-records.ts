/**
 * What a CRM's records become in the warehouse: each CRM says, per object type, which properties
 * to fetch, which associations to record, which properties' history the churn rule needs, and maps
 * each record to a CRM-neutral row. Features, labels, scoring and the dashboard read those rows
 * and never a CRM's property name.
 */
import type { Insertable } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ChurnRule } from '../settings/churn-rule.js';
import type { CrmObjectType, CrmRecord } from './connector.js';

export type WarehouseTable = 'contacts' | 'companies' | 'emails' | 'tickets' | 'deals' | 'feedback';

/** The neutral history a contact keeps: `stage` (as a StageKind), and a churn flag by its name. */
export type PropertyHistory = Record<string, { value: string | null; at: string }[]>;

/** Where someone stands in the customer life cycle, whatever the CRM calls its stages. */
export type StageKind = 'prospect' | 'customer' | 'former';

/** The key of the stage's history in `contacts.property_history`. */
export const STAGE_HISTORY = 'stage';

/** What a contact row held before a page was fetched, for deciding whether history is needed. */
export interface StoredContact {
  properties: Record<string, string | null>;
  property_history: PropertyHistory | null;
}

export interface RecordSpec<T extends WarehouseTable = WarehouseTable> {
  type: CrmObjectType;
  table: T;
  properties: string[];
  /** Associations recorded from this side (the other side's sync does not record them again). */
  associations: CrmObjectType[];
  map(record: CrmRecord, portalId: number): Insertable<Database[T]>;
  /** Long texts stored in a column of their own and left out of the stored `properties`. */
  texts?: readonly string[];
  /**
   * The properties whose history the churn rule reads, and which records need it read: those
   * whose current values cannot date a churn or a return. The sync reads their history in batches.
   */
  history?: {
    properties: string[];
    needed(record: CrmRecord, stored: StoredContact | undefined): boolean;
  };
  /** The ids of the records the CRM merged into this one (none when the CRM does not say). */
  mergedIds?(record: CrmRecord): string[];
}

/** A CRM's record vocabulary for a portal with this churn rule, contacts first. */
export type RecordSpecsFor = (rule: ChurnRule) => RecordSpec[];

/**
 * The fields the app writes on each contact, by the app's own names (those of app/manifest.json);
 * each CRM's connector says what its field is called (HubSpot: the same; Salesforce: `…__c`).
 */
export const SCORE_FIELDS = [
  'churn_risk_score',
  'churn_risk_tier',
  'churn_risk_reasons',
  'churn_risk_updated_at',
  'churn_risk_model',
] as const;
export type ScoreField = (typeof SCORE_FIELDS)[number];

/** What retention actions write on a contact: the latest offer code and the loyalty balance. */
export const RETENTION_FIELDS = ['retention_offer_code', 'loyalty_points'] as const;
export type RetentionField = (typeof RETENTION_FIELDS)[number];

/** Every field the app writes on a contact, by the app's own names. */
export const WRITTEN_FIELDS = [...SCORE_FIELDS, ...RETENTION_FIELDS] as const;
export type WrittenField = (typeof WRITTEN_FIELDS)[number];
