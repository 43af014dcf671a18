/**
 * Writes scores back to the CRM as the five contact properties (and a company's account score as
 * its three), a batch per call through the portal's connector (which owns rate limiting and
 * retries). What the CRM confirmed is recorded per record, so only values that changed are ever
 * sent again, or that the sync found changed in the CRM since (./held-in-crm.ts); records the CRM
 * refused are recorded with its message and sent again next time.
 */
import { sql, type Kysely } from 'kysely';
import type { CrmConnector } from '../crm/connector.js';
import { SCORE_FIELDS, type ScoreField } from '../crm/warehouse-records.js';
import { json } from '../db/json.js';
import type { Database } from '../db/schema.js';
import { describeEvidence } from '../features/customer-status.js';
import { storedStatuses, type StoredStatus } from './customer-statuses.js';
import { isMeaningfulReason } from './reason-text.js';
import { describeReason } from './recommendation.js';
import { scoreText } from './score-points.js';
import { heldInCrm, sameFieldValue, type HeldValues } from './held-in-crm.js';
import { currentScores, type CurrentScore } from './score-contacts.js';

/** The five fields, by the app's own names; the connector says what its CRM calls them. */
export const SCORE_PROPERTIES = SCORE_FIELDS;
export type ScoreProperties = Record<(typeof SCORE_PROPERTIES)[number], string>;

/** The timestamp alone changing does not make a write worth sending. */
const NOT_COMPARED: ReadonlySet<string> = new Set<ScoreField>(['churn_risk_updated_at']);

/** The CRM objects the app writes score fields on. */
export type ScoredObjectType = 'contacts' | 'companies';

/** One record's values, by the app's own field names. */
export interface FieldWrite {
  id: string;
  properties: Partial<Record<ScoreField, string>>;
}

const REASONS_MAX_CHARS = 500;

export function modelLabel(score: Pick<CurrentScore, 'modelVersion' | 'modelFamily' | 'isStarter'>): string {
  return score.isStarter ? `v${score.modelVersion} starter` : `v${score.modelVersion} ${score.modelFamily}`;
}

export function scoreProperties(score: CurrentScore): ScoreProperties {
  const raising = score.reasons.filter((r) => r.contribution > 0 && isMeaningfulReason(r)).slice(0, 3);
  const reasons = raising.length === 0 ? 'No strong risk signals' : raising.map(describeReason).join('; ');
  return {
    churn_risk_score: scoreText(score.probability),
    churn_risk_tier: score.tier,
    churn_risk_reasons: reasons.slice(0, REASONS_MAX_CHARS),
    churn_risk_updated_at: score.scoredAt.toISOString(),
    churn_risk_model: modelLabel(score),
  };
}

const DAY = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});

/** "22 Nov 2026": how the lost list, the card and the CRM give a churn date. */
export function formatDay(at: Date): string {
  return DAY.format(at);
}

/**
 * What the CRM holds for a contact who is not an active customer: no score, a tier a workflow on
 * `high` (or `medium`, `low`) never matches, and in the reasons when and why they left.
 */
export function statusProperties(status: StoredStatus): ScoreProperties {
  const left =
    status.status === 'churned'
      ? `Left ${status.leftAt ? `on ${formatDay(status.leftAt)}` : '(date not in the CRM)'}${
          status.evidence ? `: ${describeEvidence(status.evidence)}` : ''
        }`
      : 'Not a customer yet: no churn score';
  return {
    churn_risk_score: '',
    churn_risk_tier: status.status === 'churned' ? 'churned' : 'prospect',
    churn_risk_reasons: left.slice(0, REASONS_MAX_CHARS),
    churn_risk_updated_at: status.asOf.toISOString(),
    churn_risk_model: '',
  };
}

const comparedFields = (values: FieldWrite['properties']) =>
  (Object.keys(values) as ScoreField[]).filter((field) => !NOT_COMPARED.has(field));

function sameWrite(a: HeldValues | null | undefined, b: FieldWrite['properties']): boolean {
  return !!a && comparedFields(b).every((key) => sameFieldValue(a[key], b[key]));
}

export interface WriteBackResult {
  /** Records sent to the CRM. */
  sent: number;
  written: number;
  failed: { id: string; message: string }[];
  /** Records whose values the CRM already holds. */
  unchanged: number;
  /** Update calls made (each up to 100 records). */
  calls: number;
}

export interface WriteBackOptions {
  /**
   * Read the CRM's current values first and send only records that differ: used when an earlier
   * attempt at the same write may have reached the CRM without being recorded here.
   */
  verify?: boolean;
}

/** Writes the current scores (or status) of these contacts where the CRM does not hold them yet. */
export async function writeBackScores(
  deps: { db: Kysely<Database>; connector: CrmConnector },
  portalId: number,
  contactIds: readonly string[],
  options: WriteBackOptions = {},
): Promise<WriteBackResult> {
  const writes = await propertiesToWrite(deps.db, portalId, contactIds);
  return writeBackFields(deps, portalId, 'contacts', writes, options);
}

/**
 * Writes these records' values where the CRM does not hold them yet, whichever object they are
 * on: compared with what the CRM holds as far as the warehouse knows (or, with `verify`, with what
 * it holds now), sent in the connector's batches, each batch recorded as it lands.
 */
export async function writeBackFields(
  deps: { db: Kysely<Database>; connector: CrmConnector },
  portalId: number,
  objectType: ScoredObjectType,
  writes: readonly FieldWrite[],
  options: WriteBackOptions = {},
): Promise<WriteBackResult> {
  const { db, connector } = deps;
  const result: WriteBackResult = { sent: 0, written: 0, failed: [], unchanged: 0, calls: 0 };
  if (writes.length === 0) return result;
  const names = connector.fieldNames;
  const held = await heldInCrm(
    db,
    portalId,
    objectType,
    writes.map((w) => w.id),
    comparedFields(writes[0]!.properties),
    names,
  );
  let pending = writes.filter((w) => !sameWrite(held.get(w.id), w.properties));
  result.unchanged = writes.length - pending.length;

  if (options.verify && pending.length > 0) {
    const compared = comparedFields(pending[0]!.properties);
    const current = await connector.batchRead(
      portalId,
      objectType,
      pending.map((p) => p.id),
      compared.map((field) => names[field]),
    );
    const inCrm = new Map(
      current.map((r) => [
        r.id,
        Object.fromEntries(compared.map((f) => [f, r.properties[names[f]] ?? null])),
      ]),
    );
    const already = pending.filter((p) => sameWrite(inCrm.get(p.id), p.properties));
    await recordWritten(db, portalId, objectType, already);
    result.unchanged += already.length;
    pending = pending.filter((p) => !already.includes(p));
  }

  // One CRM call per batch, each recorded as it lands, so a resumed chunk sends nothing twice.
  const size = connector.writeBatchSize;
  for (let start = 0; start < pending.length; start += size) {
    const batch = pending.slice(start, start + size);
    const outcome = await connector.batchUpdate(
      portalId,
      objectType,
      batch.map((b) => ({ id: b.id, properties: inCrmNames(b.properties, connector.fieldNames) })),
    );
    result.calls++;
    result.sent += batch.length;
    const failed = new Map(outcome.failed.map((f) => [f.id, f.message]));
    const ok = batch.filter((b) => !failed.has(b.id));
    await recordWritten(db, portalId, objectType, ok);
    await recordFailed(
      db,
      portalId,
      objectType,
      batch.filter((b) => failed.has(b.id)).map((b) => ({ ...b, message: failed.get(b.id)! })),
    );
    result.written += ok.length;
    result.failed.push(...outcome.failed);
  }
  return result;
}

/** The values under the CRM's own field names. */
function inCrmNames(
  values: FieldWrite['properties'],
  names: Readonly<Record<ScoreField, string>>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([field, value]) => [names[field as ScoreField], value ?? '']),
  );
}

/**
 * Each contact's five properties: the current score of an active customer, the status of anyone
 * else. A contact never looked at by a run (no status yet) writes its score if it has one.
 */
async function propertiesToWrite(
  db: Kysely<Database>,
  portalId: number,
  contactIds: readonly string[],
): Promise<{ id: string; properties: ScoreProperties }[]> {
  const statuses = await storedStatuses(db, portalId, contactIds);
  const inactive = [...statuses.values()].filter((s) => s.status !== 'active');
  const scored = contactIds.filter((id) => (statuses.get(id)?.status ?? 'active') === 'active');
  const scores = await currentScores(db, portalId, scored);
  return [
    ...scores.map((s) => ({ id: s.contactId, properties: scoreProperties(s) })),
    ...inactive.map((s) => ({ id: s.contactId, properties: statusProperties(s) })),
  ];
}

async function recordWritten(
  db: Kysely<Database>,
  portalId: number,
  objectType: ScoredObjectType,
  writes: readonly FieldWrite[],
): Promise<void> {
  if (writes.length === 0) return;
  await db
    .insertInto('crm_writebacks')
    .values(
      writes.map((w) => ({
        portal_id: portalId,
        object_type: objectType,
        record_id: w.id,
        written: json(w.properties),
        written_at: sql<Date>`now()`,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['portal_id', 'object_type', 'record_id']).doUpdateSet({
        written: (eb) => eb.ref('excluded.written'),
        written_at: sql<Date>`now()`,
        failed_values: null,
        failure: null,
        failed_attempts: 0,
        failed_at: null,
      }),
    )
    .execute();
}

async function recordFailed(
  db: Kysely<Database>,
  portalId: number,
  objectType: ScoredObjectType,
  failures: readonly (FieldWrite & { message: string })[],
): Promise<void> {
  if (failures.length === 0) return;
  await db
    .insertInto('crm_writebacks')
    .values(
      failures.map((f) => ({
        portal_id: portalId,
        object_type: objectType,
        record_id: f.id,
        failed_values: json(f.properties),
        failure: f.message,
        failed_attempts: 1,
        failed_at: sql<Date>`now()`,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['portal_id', 'object_type', 'record_id']).doUpdateSet({
        failed_values: (eb) => eb.ref('excluded.failed_values'),
        failure: (eb) => eb.ref('excluded.failure'),
        failed_attempts: sql<number>`crm_writebacks.failed_attempts + 1`,
        failed_at: sql<Date>`now()`,
      }),
    )
    .execute();
}

/** Contacts whose last write the CRM refused: sent again by the next write-back. */
export async function failedWriteBacks(
  db: Kysely<Database>,
  portalId: number,
): Promise<{ contactId: string; failure: string; attempts: number }[]> {
  const rows = await db
    .selectFrom('crm_writebacks')
    .select(['record_id', 'failure', 'failed_attempts'])
    .where('portal_id', '=', portalId)
    .where('object_type', '=', 'contacts')
    .where('failure', 'is not', null)
    .orderBy('record_id')
    .execute();
  return rows.map((r) => ({ contactId: r.record_id, failure: r.failure!, attempts: r.failed_attempts }));
}
