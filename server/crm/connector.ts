import type { ChurnRule } from '../settings/churn-rule.js';
import type { RecordSpec, WrittenField } from './warehouse-records.js';

/**
 * What the product needs from a CRM, whichever CRM it is. HubSpot's driver lives in ./hubspot,
 * Salesforce's in ./salesforce; callers see only this interface and the errors in ./errors.
 */

export type PropertyType =
  'bool' | 'date' | 'datetime' | 'enumeration' | 'number' | 'phone_number' | 'string';

export interface PropertyGroupSpec {
  name: string;
  label: string;
  displayOrder?: number;
}

export interface PropertySpec {
  name: string;
  label: string;
  description: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  options?: { label: string; value: string; displayOrder?: number }[];
}

export interface PropertyConflict {
  name: string;
  expected: { type: string; fieldType: string };
  actual: { type: string; fieldType: string };
}

export interface EnsurePropertiesReport {
  groupCreated: boolean;
  created: string[];
  existing: string[];
  /** Properties with our name but another type: reported to the admin, never overwritten. */
  conflicts: PropertyConflict[];
  /**
   * Properties an earlier release made narrower than this one defines them, brought up to it (a
   * number field given the decimals it lacked); never narrowed, never given another type. Absent
   * where the CRM's driver leaves existing properties' definitions alone.
   */
  updated?: string[];
}

export const CRM_OBJECT_TYPES = [
  'contacts',
  'companies',
  'deals',
  'tickets',
  'emails',
  'feedback_submissions',
] as const;
export type CrmObjectType = (typeof CRM_OBJECT_TYPES)[number];

/** The objects the app creates fields on: contacts, and companies for the account score. */
export type PropertyObjectType = Extract<CrmObjectType, 'contacts' | 'companies'>;

/** A CRM record: its id, its property values as strings, and when it was created and last changed. */
export interface CrmRecord {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  /** Associated record ids by object type, when asked for. */
  associations?: Partial<Record<CrmObjectType, string[]>>;
  /** What the CRM says of each association, by object type then associated id, where it says it. */
  associationKinds?: Partial<Record<CrmObjectType, Record<string, AssociationKind>>>;
  /** Each asked-for property's values over time, newest first, when history was asked for. */
  propertiesWithHistory?: Record<string, PropertyValueChange[]>;
}

/** The CRM's types of one association, each way, and whether it calls the link primary. */
export interface AssociationKind {
  /** Type ids from the record to the associated one, a primary type first. */
  typeIds: number[];
  /** Type ids from the associated record back to this one. */
  inverseTypeIds: number[];
  primary: boolean;
}

/**
 * Associated ids by `from` id, as `CrmConnector.associations` answers; a CRM that names the types
 * of its associations also gives them, by `from` id then associated id.
 */
export class AssociatedIds extends Map<string, string[]> {
  readonly kinds = new Map<string, Record<string, AssociationKind>>();
}

/** One value a property held, from when. */
export interface PropertyValueChange {
  value: string | null;
  timestamp: string;
}

export interface Page<T> {
  results: T[];
  /** Absent on the last page. */
  next?: string;
}

/**
 * A page of changed records, oldest change first. Its `next` resumes after the last record it
 * returned, wherever that falls (inside a tie, past any cap of the CRM's), and a record changed
 * again while the pages are read comes again with its new change.
 */
export type ChangedPage = Page<CrmRecord>;

export interface ListOptions {
  properties: string[];
  associations?: CrmObjectType[];
  after?: string;
  archived?: boolean;
  /**
   * Properties whose past values come with each record, where the CRM can give them in the list
   * itself (HubSpot, at 50 records a page); a CRM that cannot leaves them out, and the sync reads
   * them in batches instead.
   */
  propertiesWithHistory?: string[];
}

export interface ModifiedSinceOptions {
  properties: string[];
  since: Date;
  after?: string;
}

export interface BatchUpdateResult {
  updated: string[];
  /** Records the CRM refused, with its message: the caller records and retries them. */
  failed: { id: string; message: string }[];
}

/** A ticket opened on a contact's behalf (proactive support). */
export interface TicketSpec {
  /**
   * Names the ticket for good, unique per portal and action: opening a ticket again with the same
   * key (a retried call whose answer was lost, a job run twice) finds the first ticket instead of
   * opening a second one.
   */
  idempotencyKey: string;
  contactId: string;
  subject: string;
  content: string;
  priority: 'LOW' | 'MEDIUM' | 'HIGH';
  /** The contact's owner, when known, so the ticket lands with them. */
  ownerId?: string;
}

/** A person records are assigned to in the CRM (HubSpot's owner, Salesforce's user). */
export interface CrmOwner {
  /** What records name as their owner (`hubspot_owner_id`, `OwnerId`). */
  id: string;
  name: string;
  email: string | null;
  /**
   * The CRM user behind the owner, as a dashboard sign-in names them; null for a queue, and for a
   * user who left.
   */
  userId: string | null;
  /** False for a user who left (HubSpot's archived owner, Salesforce's inactive user). */
  active: boolean;
}

/**
 * A user of the CRM account as the CRM describes them now, for deciding what they may do from the
 * app's surfaces inside the CRM (the risk card). Only active users are ever returned.
 */
export interface CrmUser {
  id: string;
  /** HubSpot's super admin; Salesforce has no such flag here (false). */
  superAdmin: boolean;
  /** HubSpot's role ids (`roleIds`); empty in Salesforce. */
  roleIds: string[];
  /**
   * Whether the CRM itself grants this user the app's plays: Salesforce's `Churn_Radar_Plays`
   * permission set or `Churn_Radar_Run_Plays` custom permission. Null where the CRM has no such
   * grant (HubSpot), and the portal's setting decides.
   */
  playsGranted: boolean | null;
}

/** The object types whose records move through pipelines of stages. */
export type PipelineObjectType = Extract<CrmObjectType, 'deals' | 'tickets'>;

/**
 * A stage of a pipeline with what it means for its records: a ticket there is closed or open, a
 * deal closed and won, closed and lost, or open.
 */
export interface CrmPipelineStage {
  id: string;
  label: string;
  displayOrder: number;
  isClosed: boolean;
  /** Deals only: closed and won (null for tickets). */
  isWon: boolean | null;
  /** The CRM's own description of the stage, as it sent it. */
  metadata: Record<string, string>;
}

/** A pipeline of deals or tickets and its stages, in display order. */
export interface CrmPipeline {
  objectType: PipelineObjectType;
  id: string;
  label: string;
  displayOrder: number;
  stages: CrmPipelineStage[];
}

/**
 * What a record's stage means, by object type, pipeline and stage id (`stageKey`): how a CRM's
 * mapper decides closed and won when its pipelines have been read.
 */
export type PipelineStages = ReadonlyMap<string, Pick<CrmPipelineStage, 'isClosed' | 'isWon'>>;

export function stageKey(type: PipelineObjectType, pipelineId: string, stageId: string): string {
  return `${type}:${pipelineId}:${stageId}`;
}

/** A role of the CRM account that its users may hold (HubSpot's roles). */
export interface CrmRole {
  id: string;
  name: string;
}

export interface CrmConnector {
  /** One page of records in id order (up to 100). */
  listPage(portalId: number, type: CrmObjectType, options: ListOptions): Promise<Page<CrmRecord>>;
  /**
   * One page (up to 200) of records changed at or after `since`, oldest change first. A change the
   * CRM's query cannot see yet (HubSpot's search index lags its writes) may come on a later read
   * with a time before the newest one returned: the caller reads again from before it.
   */
  modifiedSincePage(
    portalId: number,
    type: CrmObjectType,
    options: ModifiedSinceOptions,
  ): Promise<ChangedPage>;
  /**
   * Records by id (any number; batched by 100, or by 50 with history); ids the CRM does not know
   * are left out. `propertiesWithHistory` adds those properties' past values.
   */
  batchRead(
    portalId: number,
    type: CrmObjectType,
    ids: string[],
    properties: string[],
    options?: { propertiesWithHistory?: string[] },
  ): Promise<CrmRecord[]>;
  /** Writes property values (batched by 100). */
  batchUpdate(
    portalId: number,
    type: CrmObjectType,
    inputs: { id: string; properties: Record<string, string> }[],
  ): Promise<BatchUpdateResult>;
  /** Associated ids of each `from` record (batched; every page of each record followed). */
  associations(
    portalId: number,
    from: CrmObjectType,
    to: CrmObjectType,
    fromIds: string[],
  ): Promise<Map<string, string[]>>;

  /** Every owner of the account, all pages read: the active ones and those who left. */
  owners(portalId: number): Promise<CrmOwner[]>;

  /** An active user of the account by the id the CRM names them by; null for anyone else. */
  findUser(portalId: number, userId: string): Promise<CrmUser | null>;
  /**
   * The account's roles, for its admin to choose who may start plays from the card. Absent where
   * the CRM grants the plays itself (`CrmUser.playsGranted`).
   */
  listRoles?(portalId: number): Promise<CrmRole[]>;

  /**
   * The account's live deal and ticket pipelines with their stages. Absent where records carry
   * their closed and won state themselves (Salesforce's IsClosed, IsWon).
   */
  pipelines?(portalId: number): Promise<CrmPipeline[]>;

  /** Opens a ticket associated with the contact; returns the ticket's id. */
  createTicket(portalId: number, ticket: TicketSpec): Promise<string>;
  /** Completes a workflow action that answered BLOCK, successfully, with its output fields. */
  completeActionCallback(
    portalId: number,
    callbackId: string,
    outputFields: Record<string, string>,
  ): Promise<void>;

  /**
   * Sets the per-install secret with which the app's own code inside the CRM (Salesforce's package)
   * authenticates its calls to this server; `package_missing` while that code is not installed.
   * Absent for CRMs that sign their calls with the app's client secret (HubSpot).
   */
  setOrgSecret?(portalId: number, secret: string): Promise<'set' | 'package_missing'>;

  /**
   * This CRM's record vocabulary: what to fetch, and how its records become warehouse rows; with
   * the portal's pipeline stages, when it has any, deals and tickets take their state from them.
   */
  recordSpecs(rule: ChurnRule, stages?: PipelineStages): RecordSpec[];
  /** Records one `batchUpdate` call carries to the CRM (HubSpot: 100; Salesforce: 200). */
  readonly writeBatchSize: number;
  /**
   * What this CRM calls each field the app writes on a contact; a company's score fields carry the
   * same names as a contact's.
   */
  readonly fieldNames: Readonly<Record<WrittenField, string>>;

  /** Creates the group and the properties that are missing; leaves existing ones alone. */
  ensureProperties(
    portalId: number,
    objectType: PropertyObjectType,
    group: PropertyGroupSpec,
    properties: PropertySpec[],
  ): Promise<EnsurePropertiesReport>;
}
