import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Row types of the warehouse, one interface per table. Timestamps read as Date; jsonb columns are
 * written as JSON text (see `json()` in ./json.ts) so both drivers store the same thing.
 */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;
type JsonWithDefault<T> = ColumnType<T, string | undefined, string>;
/** bigint columns read as JS numbers (the drivers are configured so). */
type BigId = ColumnType<number, number, number>;

export type CrmKind = 'hubspot' | 'salesforce';

export interface PortalsTable {
  id: Generated<number>;
  crm: CrmKind;
  external_id: string;
  name: ColumnType<string, string | undefined, string>;
  domain: string | null;
  status: ColumnType<string, string | undefined, string>;
  time_zone: ColumnType<string, string | undefined, string>;
  settings: JsonWithDefault<Record<string, unknown>>;
  installed_at: CreatedTimestamp;
  uninstalled_at: Timestamp | null;
  created_at: CreatedTimestamp;
  updated_at: CreatedTimestamp;
}

export interface OauthTokensTable {
  portal_id: BigId;
  access_token_enc: string;
  refresh_token_enc: string;
  expires_at: Timestamp;
  scopes: JsonWithDefault<string[]>;
  /** The install's own API origin, when its CRM gives one (Salesforce's instance_url). */
  api_base: string | null;
  installed_by_user_id: string | null;
  updated_at: CreatedTimestamp;
}

/** A portal's latest data-quality or exploratory report, or why it could not be made. */
export interface PortalReportsTable {
  portal_id: BigId;
  kind: 'quality' | 'explore';
  /** The portal's data version (latest sync or settings change) the report was computed from. */
  data_version: string;
  report: Json<unknown> | null;
  error: Json<{ code: string; message: string }> | null;
  computed_at: Timestamp;
  duration_ms: number;
}

/** A CSV of offer redemptions from billing: read in by the request, applied by a worker. */
export interface RedemptionImportsTable {
  id: Generated<number>;
  portal_id: BigId;
  status: 'receiving' | 'queued' | 'running' | 'succeeded' | 'failed';
  rows: ColumnType<number, number | undefined, number>;
  rows_done: ColumnType<number, number | undefined, number>;
  /** Why the import stopped, when it failed. */
  error: string | null;
  created_at: CreatedTimestamp;
  finished_at: Timestamp | null;
}

/** One row of a redemptions CSV, with its outcome once applied (null until then). */
export interface RedemptionImportRowsTable {
  portal_id: BigId;
  import_id: BigId;
  line: number;
  code: string;
  redeemed_at: Timestamp | null;
  value: number | null;
  status: RedemptionOutcome | null;
  message: string | null;
}

export type RedemptionOutcome =
  | 'redeemed'
  | 'already_redeemed'
  | 'expired'
  | 'unknown_code'
  /** Dated before the offer was issued, or more than a day ahead of now. */
  | 'date_out_of_range';

/**
 * A person the CRM assigns records to, read whole at each sync; `user_id` is the CRM user, and
 * `active` is false for one who left (whom records may still name).
 */
export interface OwnersTable {
  portal_id: BigId;
  id: string;
  name: string;
  email: string | null;
  user_id: string | null;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  synced_at: CreatedTimestamp;
}

/** One stage of a portal's deal or ticket pipeline, and what it means for the records in it. */
export interface PipelineStagesTable {
  portal_id: BigId;
  object_type: 'deals' | 'tickets';
  pipeline_id: string;
  pipeline_label: string;
  pipeline_order: number;
  stage_id: string;
  stage_label: string;
  stage_order: number;
  is_closed: boolean;
  /** Deals: closed and won; null for tickets. */
  is_won: boolean | null;
  metadata: JsonWithDefault<Record<string, string>>;
  synced_at: CreatedTimestamp;
}

export type OrgCredentialStatus = 'set' | 'rotating' | 'awaiting_package' | 'failed';

/** The SHA-256 of the secret a CRM install's own code calls this server with. */
export interface OrgCredentialsTable {
  portal_id: BigId;
  secret_sha256: string | null;
  status: OrgCredentialStatus;
  detail: string | null;
  updated_at: CreatedTimestamp;
}

interface CrmObjectColumns {
  portal_id: BigId;
  id: string;
  properties: JsonWithDefault<Record<string, string | null>>;
  created_at: Timestamp | null;
  updated_at: Timestamp | null;
  archived: ColumnType<boolean, boolean | undefined, boolean>;
  synced_at: CreatedTimestamp;
}

export interface ContactsTable extends CrmObjectColumns {
  email: string | null;
  first_name: ColumnType<string | null, string | null | undefined, string | null>;
  last_name: ColumnType<string | null, string | null | undefined, string | null>;
  /** The CRM's own stage name, as it shows it. */
  lifecycle_stage: string | null;
  /** Where the contact stands in the customer life cycle, in neutral terms. */
  stage_kind: ColumnType<'prospect' | 'customer' | 'former' | null, string | null | undefined, string | null>;
  /** When the CRM says it became a customer (its latest time). */
  customer_since: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** When the CRM says it became a former customer. */
  former_since: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  plan: ColumnType<string | null, string | null | undefined, string | null>;
  /** `annual` or `monthly` when the CRM says; renewals follow it. */
  billing_period: ColumnType<string | null, string | null | undefined, string | null>;
  segment: ColumnType<string | null, string | null | undefined, string | null>;
  country: ColumnType<string | null, string | null | undefined, string | null>;
  owner_id: string | null;
  company_id: string | null;
  /** The CRM's history of the properties the churn rule reads, oldest first; null when not fetched. */
  property_history: ColumnType<
    Record<string, { value: string | null; at: string }[]> | null,
    string | null | undefined,
    string | null
  >;
}

export interface CompaniesTable extends CrmObjectColumns {
  name: string | null;
  domain: string | null;
  stage_kind: ColumnType<'prospect' | 'customer' | 'former' | null, string | null | undefined, string | null>;
  former_since: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  employees: ColumnType<number | null, number | null | undefined, number | null>;
  industry: ColumnType<string | null, string | null | undefined, string | null>;
  country: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface EmailsTable extends CrmObjectColumns {
  direction: string | null;
  /** The CRM's own status value, as it names it. */
  status: string | null;
  /** Neutral: the outgoing email bounced (its address no longer receives mail). */
  bounced: ColumnType<boolean, boolean | undefined, boolean>;
  subject: string | null;
  body: string | null;
  sent_at: Timestamp | null;
  opened_at: Timestamp | null;
  replied_at: Timestamp | null;
  /** Compound sentiment in [-1, 1] of an inbound email's text; null until scored. */
  sentiment: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface TicketsTable extends CrmObjectColumns {
  subject: string | null;
  content: string | null;
  priority: string | null;
  stage: string | null;
  is_closed: ColumnType<boolean, boolean | undefined, boolean>;
  closed_at: Timestamp | null;
  /** Compound sentiment in [-1, 1] of the subject and content; null until scored. */
  sentiment: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface DealsTable extends CrmObjectColumns {
  name: string | null;
  amount: number | null;
  stage: string | null;
  deal_type: string | null;
  /** A renewal of an existing customer, by the CRM's deal type. */
  is_renewal: ColumnType<boolean | null, boolean | null | undefined, boolean | null>;
  is_closed_won: boolean | null;
  is_closed_lost: boolean | null;
  close_date: Timestamp | null;
}

export interface FeedbackTable extends CrmObjectColumns {
  survey_type: string | null;
  score: number | null;
  comment: string | null;
  submitted_at: Timestamp | null;
  /** Compound sentiment in [-1, 1] of the comment; null until scored. */
  sentiment: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface UsageEventsTable {
  portal_id: BigId;
  event_id: string;
  /** The CRM contact; null while an event named by email waits for that contact to be synced. */
  contact_id: string | null;
  /** Lower-cased, when the product named the contact by email. */
  contact_email: string | null;
  type: string;
  feature: string | null;
  minutes: ColumnType<number, number | undefined, number>;
  properties: JsonWithDefault<Record<string, unknown>>;
  occurred_at: Timestamp;
  received_at: CreatedTimestamp;
}

/** One per portal: what the product's usage feed authenticates with. Only a hash of the key is kept. */
export interface UsageApiKeysTable {
  portal_id: BigId;
  /** The key's first characters, shown to the admin to tell keys apart; also how a key is looked up. */
  key_prefix: string;
  key_hash: string;
  created_at: CreatedTimestamp;
  rotated_at: Timestamp | null;
}

export interface AssociationsTable {
  portal_id: BigId;
  from_type: string;
  from_id: string;
  to_type: string;
  to_id: string;
  type_id: number | null;
  /** Every type of the link, from `from_id` to `to_id` (empty when the CRM names none). */
  type_ids: Generated<number[]>;
  /** Whether the CRM calls the link primary (a contact's primary company). */
  is_primary: Generated<boolean>;
}

export interface SyncCursorsTable {
  portal_id: BigId;
  object_type: string;
  cursor: string | null;
  last_modified_at: Timestamp | null;
  full_sync_completed_at: Timestamp | null;
  updated_at: CreatedTimestamp;
}

export interface ModelsTable {
  id: Generated<number>;
  portal_id: BigId;
  version: number;
  family: string;
  status: ColumnType<string, string | undefined, string>;
  is_starter: ColumnType<boolean, boolean | undefined, boolean>;
  feature_spec: Json<unknown>;
  params: JsonWithDefault<Record<string, unknown>>;
  metrics: JsonWithDefault<Record<string, unknown>>;
  artifact: Json<unknown> | null;
  trained_at: CreatedTimestamp;
  activated_at: Timestamp | null;
  /** The score and feature distributions of the training rows, for drift checks. */
  reference: ColumnType<unknown, string | null | undefined, string | null>;
}

export interface ScoresTable {
  id: Generated<number>;
  portal_id: BigId;
  contact_id: string;
  model_id: BigId;
  probability: number;
  tier: string;
  reasons: JsonWithDefault<unknown[]>;
  scored_at: CreatedTimestamp;
  /** The scoring run; null for a rescoring between runs. */
  run_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** `cycle` (a run) or what caused a rescoring between runs (`event`, `survey`, …). */
  trigger: ColumnType<string, string | undefined, string>;
}

export interface ScoringRunsTable {
  id: Generated<number>;
  portal_id: BigId;
  trigger: string;
  job_id: string | null;
  status: ColumnType<'running' | 'succeeded' | 'failed', 'running' | 'succeeded' | 'failed' | undefined>;
  phase: ColumnType<string, string | undefined, string>;
  model_id: BigId | null;
  as_of: Timestamp | null;
  chunks: ColumnType<number, number | undefined, number>;
  contacts_total: ColumnType<number, number | undefined, number>;
  thresholds: Json<unknown> | null;
  drift: Json<unknown> | null;
  summary: JsonWithDefault<Record<string, unknown>>;
  error: string | null;
  started_at: CreatedTimestamp;
  finished_at: Timestamp | null;
}

export interface ScoringRunChunksTable {
  portal_id: BigId;
  run_id: BigId;
  chunk: number;
  first_contact_id: string;
  last_contact_id: string;
  scored: number | null;
  feature_counts: Json<unknown> | null;
  scored_at: Timestamp | null;
  writeback_started_at: Timestamp | null;
  written: number | null;
  write_failures: number | null;
  written_at: Timestamp | null;
}

export interface CrmWritebacksTable {
  portal_id: BigId;
  /** The kind of CRM record written: its contact's or its company's score fields. */
  object_type: 'contacts' | 'companies';
  /** The contact's or company's CRM id. */
  record_id: string;
  /** The score properties as the CRM last confirmed them. */
  written: Json<Record<string, string>> | null;
  written_at: Timestamp | null;
  /** The values of the last failed attempt, and why it failed; null once a write succeeds. */
  failed_values: Json<Record<string, string>> | null;
  failure: string | null;
  failed_attempts: ColumnType<number, number | undefined, number>;
  failed_at: Timestamp | null;
}

/** What one company's reasons hold: a kind, the reason in words, and the points it adds. */
export interface AccountReasonRow {
  kind: string;
  text: string;
  /** Percentage points of the account's risk this reason accounts for. */
  points: number;
}

/** A company's risk of leaving as a scoring run set it (server/scoring/account-scores.ts). */
export interface AccountScoresTable {
  portal_id: BigId;
  company_id: string;
  run_id: BigId;
  probability: number;
  tier: 'low' | 'medium' | 'high';
  reasons: JsonWithDefault<AccountReasonRow[]>;
  /** Active customers among its contacts, scored by the run. */
  active_contacts: number;
  /** The contact whose risk counts most: the one bringing the most revenue. */
  decision_maker_id: string | null;
  /** Revenue won from the account in the year before the run. */
  value: number | null;
  /** The account's next open renewal, when it has one, and its amount. */
  renewal_at: Timestamp | null;
  renewal_value: number | null;
  scored_at: Timestamp;
}

export interface RetentionActionsTable {
  id: Generated<number>;
  portal_id: BigId;
  contact_id: string;
  action: string;
  campaign_id: string;
  callback_id: string | null;
  group: 'treatment' | 'control';
  status: ColumnType<string, string | undefined, string>;
  inputs: JsonWithDefault<Record<string, unknown>>;
  outputs: JsonWithDefault<Record<string, unknown>>;
  outcome: string | null;
  created_at: CreatedTimestamp;
  completed_at: Timestamp | null;
  /** When the workflow callback's completion was first sent (it may have landed since). */
  callback_sent_at: Timestamp | null;
  /** `workflow` (completes a CRM callback) or `manual` (performed from the risk card). */
  source: ColumnType<string, string | undefined, string>;
}

export interface RetentionOffersTable {
  id: Generated<number>;
  portal_id: BigId;
  retention_action_id: BigId;
  contact_id: string;
  campaign_id: string;
  code: string;
  offer_type: string;
  discount_percent: number | null;
  validity_days: number;
  expires_at: Timestamp;
  created_at: CreatedTimestamp;
  redeemed_at: Timestamp | null;
  /** What the redeemed offer cost, in the portal's currency, when known. */
  redeemed_value: number | null;
}

export interface SurveyRequestsTable {
  id: Generated<number>;
  portal_id: BigId;
  retention_action_id: BigId | null;
  contact_id: string;
  token_hash: string;
  /** Only for links made before tokens were derived: their random token, encrypted (survey key). */
  token_enc: string | null;
  created_at: CreatedTimestamp;
  expires_at: Timestamp;
  answered_at: Timestamp | null;
  feedback_id: string | null;
}

export interface LoyaltyLedgerTable {
  id: Generated<number>;
  portal_id: BigId;
  contact_id: string;
  retention_action_id: BigId;
  points: number;
  awarded_at: CreatedTimestamp;
}

export interface WebhookEventsTable {
  portal_id: BigId;
  event_id: string;
  subscription_type: string;
  object_id: string | null;
  occurred_at: Timestamp;
  payload: Json<Record<string, unknown>>;
  received_at: CreatedTimestamp;
  processed_at: Timestamp | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  portal_id: BigId | null;
  actor: string;
  action: string;
  details: JsonWithDefault<Record<string, unknown>>;
  at: CreatedTimestamp;
}

/** A dashboard sign-in; `id` is the SHA-256 of the cookie's token. */
export interface SessionsTable {
  id: string;
  portal_id: BigId;
  user_id: string;
  user_email: string | null;
  csrf_token: string;
  created_at: CreatedTimestamp;
  expires_at: Timestamp;
}

/** "This looks wrong" on a score, from the risk card. */
export interface ScoreFeedbackTable {
  id: Generated<number>;
  portal_id: BigId;
  contact_id: string;
  score_id: BigId | null;
  user_id: string;
  comment: string | null;
  /** Sent by the card with each click: a retried request finds the row the first one made. */
  request_key: string;
  created_at: CreatedTimestamp;
}

/** The latest score of each contact, kept by a trigger on `scores` (migration 0006). */
export interface CurrentScoresTable {
  portal_id: BigId;
  contact_id: string;
  model_id: BigId;
  probability: number;
  tier: string;
  reasons: Json<unknown[]>;
  scored_at: Timestamp;
  /** The contact's last score in an earlier week: what "since last week" compares with. */
  previous_probability: number | null;
  previous_tier: string | null;
  previous_scored_at: Timestamp | null;
}

/** An advisor's mark on a contact at risk (migration 0013): kept, leaving, or snoozed until a date. */
export interface ContactOutcomesTable {
  id: Generated<number>;
  portal_id: BigId;
  contact_id: string;
  outcome: 'saved' | 'lost' | 'snoozed';
  note: string | null;
  user_id: string;
  /** Sent by the view with each click: a retried request finds the row the first one made. */
  request_key: string;
  created_at: CreatedTimestamp;
  /** When a snooze ends; null for the other marks. */
  until: Timestamp | null;
  undone_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  undone_by: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Each contact's customer status as of the last run or rescoring that looked at it. */
export interface CustomerStatusTable {
  portal_id: BigId;
  contact_id: string;
  status: 'prospect' | 'active' | 'churned';
  /** When the current (or last) customer episode began. */
  since: Timestamp | null;
  left_at: Timestamp | null;
  /** What showed the churn (see ChurnEvidence in server/features/customer-status.ts). */
  evidence: ColumnType<unknown, string | null, string | null>;
  as_of: Timestamp;
  run_id: ColumnType<number | null, number | null | undefined, number | null>;
}

/** Per portal and ISO week (UTC): the last score of each contact scored that week, summed. */
export interface ScoreWeeklyTotalsTable {
  portal_id: BigId;
  week: ColumnType<Date, string, string>;
  contacts: number;
  high: number;
  medium: number;
  probability_sum: number;
}

export interface Database {
  portals: PortalsTable;
  oauth_tokens: OauthTokensTable;
  contacts: ContactsTable;
  companies: CompaniesTable;
  emails: EmailsTable;
  tickets: TicketsTable;
  deals: DealsTable;
  feedback: FeedbackTable;
  usage_events: UsageEventsTable;
  usage_api_keys: UsageApiKeysTable;
  associations: AssociationsTable;
  sync_cursors: SyncCursorsTable;
  models: ModelsTable;
  scores: ScoresTable;
  scoring_runs: ScoringRunsTable;
  scoring_run_chunks: ScoringRunChunksTable;
  crm_writebacks: CrmWritebacksTable;
  account_scores: AccountScoresTable;
  retention_actions: RetentionActionsTable;
  retention_offers: RetentionOffersTable;
  survey_requests: SurveyRequestsTable;
  loyalty_ledger: LoyaltyLedgerTable;
  webhook_events: WebhookEventsTable;
  audit_log: AuditLogTable;
  sessions: SessionsTable;
  current_scores: CurrentScoresTable;
  score_weekly_totals: ScoreWeeklyTotalsTable;
  score_feedback: ScoreFeedbackTable;
  customer_status: CustomerStatusTable;
  org_credentials: OrgCredentialsTable;
  owners: OwnersTable;
  pipeline_stages: PipelineStagesTable;
  contact_outcomes: ContactOutcomesTable;
  portal_reports: PortalReportsTable;
  redemption_imports: RedemptionImportsTable;
  redemption_import_rows: RedemptionImportRowsTable;
}

export type Portal = Selectable<PortalsTable>;
export type NewPortal = Insertable<PortalsTable>;
export type PortalUpdate = Updateable<PortalsTable>;
export type Contact = Selectable<ContactsTable>;
export type NewContact = Insertable<ContactsTable>;
