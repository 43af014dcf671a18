/**
 * What the connector contract asks of a CRM: its sandbox, the product installed in it through the
 * CRM's real OAuth, ways to act on the CRM behind the connector's back, and each call as the CRM saw
 * it. HubSpot's driver is ./hubspot-driver.ts; another CRM joins the suite with a driver of its own.
 */
import type { Kysely } from 'kysely';
import type { CrmConnector, CrmObjectType } from '../../server/crm/connector.js';
import type { Database } from '../../server/db/schema.js';

export interface ConnectorDriver {
  /** The CRM's name, as the suite's title says it. */
  name: string;
  /** Starts the CRM's sandbox and the product configured for it (its Redis, warehouse, token vault). */
  start(): Promise<ContractEnvironment>;
  fixtures: ContractFixtures;
  /** The CRM's page and batch sizes, as its connector uses them. */
  limits: ContractLimits;
  /** The status of the CRM's "slow down" answer (HubSpot: 429; Salesforce: 403, too many calls at once). */
  rateLimitStatus: number;
  /**
   * Contract tests, by name, that this CRM is known to fail today, each with the bug that makes it
   * fail. They run as `it.failing`: the suite turns red the day the bug is fixed, so the entry goes.
   */
  knownFailures?: Record<string, string>;
}

export interface ContractEnvironment {
  /**
   * A new account holding `contacts` generated contacts (few properties each), with the app
   * installed through the CRM's OAuth consent and the tokens in the product's vault.
   */
  installPortal(options: { contacts: number }): Promise<ContractPortal>;
  /** The product's warehouse, where the sync functions write. */
  db: Kysely<Database>;
  stop(): Promise<void>;
}

export interface ContractPortal {
  /** The product's id for the portal: what every connector method takes. */
  portalId: number;
  connector: CrmConnector;
  sandbox: SandboxControls;
  /** The calls made into the CRM (the connector's and its OAuth refreshes), as the CRM saw them. */
  wire: WireLog;
}

/** A record as the CRM stores it, read behind the connector's back. */
export interface StoredRecord {
  properties: Record<string, string | null>;
  archived: boolean;
}

/** Acting on the CRM directly, as its users, its clock and its faults would; never through the connector. */
export interface SandboxControls {
  /** The ids of the type's live records. */
  recordIds(type: CrmObjectType): Promise<string[]>;
  createRecord(type: CrmObjectType, properties: Record<string, string>): Promise<string>;
  updateRecord(type: CrmObjectType, id: string, properties: Record<string, string>): Promise<void>;
  /** Deletes as a user does in the CRM: the record is archived (recoverable), not purged. */
  deleteRecord(type: CrmObjectType, id: string): Promise<void>;
  /** Undefined when the CRM never had the record. */
  readRecord(type: CrmObjectType, id: string): Promise<StoredRecord | undefined>;
  /** Sets records' last-modified time: what the CRM's "changed since" reads filter and sort on. */
  setModifiedAt(type: CrmObjectType, changes: { id: string; at: Date }[]): Promise<void>;
  /**
   * The portal's next `calls` API calls are refused with the CRM's rate-limit answer (429 with
   * Retry-After); resolves with the wait each refusal asks for.
   */
  rateLimitNextCalls(calls: number): Promise<{ retryAfterMs: number }>;
  /** The access token the product holds stops working before the expiry it was issued with. */
  expireAccessToken(): Promise<void>;
  /** The admin removes the app from the account: its access and refresh tokens stop working. */
  revokeInstall(): Promise<void>;
  /** A new user of the account, someone records can be assigned to; their ids as the CRM gives them. */
  addOwner(person: { firstName: string; lastName: string; email: string }): Promise<{
    id: string;
    userId: string;
  }>;
  /** The user leaves: deactivated (HubSpot archives the owner), no longer assignable. */
  deactivateOwner(id: string): Promise<void>;
  /** The ids of the account's active owners. */
  ownerIds(): Promise<string[]>;
  /** The ids of the owners who left (deactivated users), whom records may still name. */
  leftOwnerIds(): Promise<string[]>;
}

export type WireCallKind = 'list' | 'search' | 'batch-read' | 'batch-update' | 'token-refresh' | 'other';

/** One HTTP call into the CRM, as the CRM saw it. */
export interface WireCall {
  kind: WireCallKind;
  /** The CRM's answer; undefined while none has come. */
  status: number | undefined;
  /** The record ids a batch call carried. */
  ids: string[];
  /** A read that asked for property history. */
  withHistory: boolean;
}

export interface WireLog {
  /** A point in the log: `since(mark)` gives the calls made after it. */
  mark(): number;
  since(mark: number): WireCall[];
}

export interface ContractLimits {
  /** Records a list page holds at most. */
  listPage: number;
  /** Records a changed-since page holds at most. */
  changedPage: number;
  /** Ids one batch read carries, without and with history. */
  read: number;
  historyRead: number;
  /** Records one batch update carries. */
  write: number;
  /** Owners a page of the CRM's owner list holds. */
  ownersPage: number;
}

/** Property names and refusals in the CRM's own vocabulary; the contract never names one. */
export interface ContractFixtures {
  /** A writable text property of contacts. */
  textProperty: string;
  /** A contact property whose history the CRM keeps (generated contacts have a value). */
  historyProperty: string;
  /** A value the CRM refuses for a property, and words of its refusal. */
  invalidValue: { property: string; value: string; message: RegExp };
  /** A property the CRM never lets an app write, and words of its refusal. */
  readOnly: { property: string; value: string; message: RegExp };
}
