/**
 * A retention action on one contact, from a workflow step or the risk card: the contact is put in
 * treatment or control for the campaign, the treatment's own records are made (offer code, survey
 * link, loyalty points) and the CRM work it needs (a property, a ticket) is queued. Everything is
 * keyed by the request key (HubSpot's callbackId): a replay answers what the first call answered
 * and creates nothing.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../db/schema.js';
import { json } from '../db/json.js';
import { BadRequestError } from '../errors.js';
import { loadPortalSettings } from '../settings/portal-settings.js';
import type { WorkQueue } from '../work-queue.js';
import {
  ACTION_INPUTS,
  type ActionInputs,
  type LoyaltyInputs,
  type OfferInputs,
  type RetentionActionName,
} from './action-inputs.js';
import { assignGroup, type Group } from './holdout.js';
import { newOfferCode, openSurveyToken, surveyTokenFor } from './secrets.js';

export interface RetentionDeps {
  db: Kysely<Database>;
  /** Where the CRM work of a treated contact is handed on. */
  work: Pick<WorkQueue, 'finishRetentionAction'>;
  /** Where customers reach this server (survey links). */
  publicUrl: string;
  /** The key survey links' tokens are derived with (never stored, so a link is given only once made). */
  surveyKey: Buffer;
}

export interface RetentionActionRequest {
  portalId: number;
  contactId: string;
  action: RetentionActionName;
  /** HubSpot's callbackId for a workflow step; any unique key for other callers. */
  requestKey: string;
  inputs: Record<string, unknown>;
  /** `workflow` completes HubSpot's callback when the CRM work is done; `flow` (Salesforce Flow, answered in-line) and `manual` do not. */
  source?: 'workflow' | 'flow' | 'manual';
}

export type OutputFields = Record<string, string | number>;

export interface RetentionActionResult {
  id: number;
  group: Group;
  /** SUCCESS: done; BLOCK: CRM work is queued and a workflow step is completed by callback. */
  state: 'SUCCESS' | 'BLOCK';
  outputFields: OutputFields;
  /** True when the request key had been seen: nothing was created. */
  replayed: boolean;
}

/** How long a survey link stays open. */
const SURVEY_VALID_DAYS = 30;
const DAY_MS = 86_400_000;

/** The inputs of an action, parsed, or a 400 naming each problem. */
export function parseActionInputs<A extends RetentionActionName>(
  action: A,
  inputs: Record<string, unknown>,
): ActionInputs[A] {
  const parsed = (ACTION_INPUTS[action] as unknown as z.ZodType<ActionInputs[A]>).safeParse(inputs);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => ({
    field: i.path.join('.') || 'inputFields',
    message: i.message,
  }));
  throw new BadRequestError(
    `Invalid inputs for ${action}: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}.`,
    problems,
  );
}

export async function performRetentionAction(
  deps: RetentionDeps,
  request: RetentionActionRequest,
): Promise<RetentionActionResult> {
  const inputs = parseActionInputs(request.action, request.inputs);
  const earlier = await findByKey(deps.db, request.portalId, request.requestKey);
  if (earlier) return replay(deps, earlier);

  const holdout =
    inputs.holdout_percent ?? (await loadPortalSettings(deps.db, request.portalId)).defaultHoldoutPercent;
  const group = assignGroup(request.portalId, inputs.campaign, request.contactId, holdout);
  const created = await deps.db.transaction().execute(async (tx) => {
    const row = await tx
      .insertInto('retention_actions')
      .values({
        portal_id: request.portalId,
        contact_id: request.contactId,
        action: request.action,
        campaign_id: inputs.campaign,
        callback_id: request.requestKey,
        group,
        source: request.source ?? 'workflow',
        inputs: json({ ...inputs, holdout_percent: holdout }),
      })
      .onConflict((oc) => oc.constraint('retention_actions_callback').doNothing())
      .returning(['id', 'created_at'])
      .executeTakeFirst();
    // A concurrent call with the same key won the insert: answer as a replay.
    if (!row) return undefined;
    const outcome =
      group === 'control'
        ? { outputFields: { group } as OutputFields, crmWork: false }
        : await treat(tx, deps, request, inputs, row);
    await tx
      .updateTable('retention_actions')
      .set({
        outputs: json(outcome.outputFields),
        status: outcome.crmWork ? 'pending' : 'completed',
        ...(outcome.crmWork ? {} : { completed_at: new Date() }),
      })
      .where('id', '=', row.id)
      .execute();
    return { id: row.id, ...outcome };
  });
  if (!created) return replay(deps, (await findByKey(deps.db, request.portalId, request.requestKey))!);
  if (created.crmWork) await deps.work.finishRetentionAction(created.id);
  return {
    id: created.id,
    group,
    state: created.crmWork ? 'BLOCK' : 'SUCCESS',
    outputFields: withSurveyLink(deps, { ...request, id: created.id, group }, created.outputFields),
    replayed: false,
  };
}

type ActionRef = { portalId: number; id: number; action: string; group: Group };

const hasSurveyLink = (action: ActionRef) =>
  action.action === 'request-feedback' && action.group === 'treatment';

/**
 * The outputs as answered: a treated feedback request's survey link is added here, from its derived
 * token (or the token kept encrypted for a link made before tokens were derived), and is never
 * among the outputs stored.
 */
function withSurveyLink(
  deps: RetentionDeps,
  action: ActionRef,
  stored: OutputFields,
  keptToken?: string,
): OutputFields {
  if (!hasSurveyLink(action) || 'survey_url' in stored) return stored;
  const token = keptToken ?? surveyTokenFor(deps.surveyKey, action.portalId, action.id).token;
  return { survey_url: `${deps.publicUrl.replace(/\/+$/, '')}/s/${token}`, ...stored };
}

/** The random token of a link made before tokens were derived, which its request keeps encrypted. */
async function keptSurveyToken(deps: RetentionDeps, action: ActionRef): Promise<string | undefined> {
  if (!hasSurveyLink(action)) return undefined;
  const request = await deps.db
    .selectFrom('survey_requests')
    .select('token_enc')
    .where('portal_id', '=', action.portalId)
    .where('retention_action_id', '=', action.id)
    .executeTakeFirst();
  return request?.token_enc
    ? openSurveyToken(deps.surveyKey, action.portalId, action.id, request.token_enc)
    : undefined;
}

type Treatment = { outputFields: OutputFields; crmWork: boolean };

async function treat(
  tx: Transaction<Database>,
  deps: RetentionDeps,
  request: RetentionActionRequest,
  inputs: ActionInputs[RetentionActionName],
  row: { id: number; created_at: Date },
): Promise<Treatment> {
  switch (request.action) {
    case 'send-retention-offer':
      return createOffer(tx, request, inputs as OfferInputs, row);
    case 'request-feedback': {
      const { hash } = surveyTokenFor(deps.surveyKey, request.portalId, row.id);
      await tx
        .insertInto('survey_requests')
        .values({
          portal_id: request.portalId,
          retention_action_id: row.id,
          contact_id: request.contactId,
          token_hash: hash,
          expires_at: new Date(row.created_at.getTime() + SURVEY_VALID_DAYS * DAY_MS),
        })
        .execute();
      return { outputFields: { group: 'treatment' }, crmWork: false };
    }
    case 'proactive-support':
      // The ticket's id is an output: it is known once the CRM has created it.
      return { outputFields: { group: 'treatment' }, crmWork: true };
    case 'loyalty-reward':
      return awardPoints(tx, request, inputs as LoyaltyInputs, row);
  }
}

async function createOffer(
  tx: Transaction<Database>,
  request: RetentionActionRequest,
  inputs: OfferInputs,
  row: { id: number; created_at: Date },
): Promise<Treatment> {
  const expiresAt = new Date(row.created_at.getTime() + inputs.validity_days * DAY_MS);
  const code = newOfferCode();
  await tx
    .insertInto('retention_offers')
    .values({
      portal_id: request.portalId,
      retention_action_id: row.id,
      contact_id: request.contactId,
      campaign_id: inputs.campaign,
      code,
      offer_type: inputs.offer_type,
      discount_percent: inputs.offer_type === 'discount' ? (inputs.discount_percent ?? null) : null,
      validity_days: inputs.validity_days,
      expires_at: expiresAt,
    })
    .execute();
  return {
    outputFields: { offer_code: code, offer_expires_at: expiresAt.toISOString(), group: 'treatment' },
    crmWork: true,
  };
}

/** Points up to what is left of the cap in the current period; the balance is the ledger's sum. */
async function awardPoints(
  tx: Transaction<Database>,
  request: RetentionActionRequest,
  inputs: LoyaltyInputs,
  row: { id: number; created_at: Date },
): Promise<Treatment> {
  // One award at a time per contact, so two concurrent rewards cannot both fit under the cap.
  await sql`select pg_advisory_xact_lock(hashtext(${`loyalty:${request.portalId}:${request.contactId}`}))`.execute(
    tx,
  );
  const since = new Date(row.created_at.getTime() - inputs.period_days * DAY_MS);
  const ledger = tx
    .selectFrom('loyalty_ledger')
    .where('portal_id', '=', request.portalId)
    .where('contact_id', '=', request.contactId);
  const inPeriod = await ledger
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('points'), sql<number>`0`).as('points'))
    .where('awarded_at', '>', since)
    .executeTakeFirstOrThrow();
  const awarded = Math.max(0, Math.min(inputs.points, inputs.cap_per_period - Number(inPeriod.points)));
  await tx
    .insertInto('loyalty_ledger')
    .values({
      portal_id: request.portalId,
      contact_id: request.contactId,
      retention_action_id: row.id,
      points: awarded,
      awarded_at: row.created_at,
    })
    .execute();
  const total = await ledger
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('points'), sql<number>`0`).as('points'))
    .executeTakeFirstOrThrow();
  return {
    outputFields: { points_awarded: awarded, loyalty_balance: Number(total.points), group: 'treatment' },
    crmWork: true,
  };
}

interface StoredAction {
  id: number;
  portal_id: number;
  action: string;
  group: Group;
  status: string;
  outputs: Record<string, unknown>;
}

function findByKey(db: Kysely<Database>, portalId: number, requestKey: string) {
  return db
    .selectFrom('retention_actions')
    .select(['id', 'portal_id', 'action', 'group', 'status', 'outputs'])
    .where('portal_id', '=', portalId)
    .where('callback_id', '=', requestKey)
    .executeTakeFirst();
}

/** What the first call answered; unfinished CRM work is queued again (the same job, if still there). */
async function replay(deps: RetentionDeps, stored: StoredAction): Promise<RetentionActionResult> {
  const done = stored.status === 'completed';
  if (!done) await deps.work.finishRetentionAction(stored.id);
  const action = { portalId: stored.portal_id, id: stored.id, action: stored.action, group: stored.group };
  return {
    id: stored.id,
    group: stored.group,
    state: done ? 'SUCCESS' : 'BLOCK',
    outputFields: withSurveyLink(
      deps,
      action,
      stored.outputs as OutputFields,
      await keptSurveyToken(deps, action),
    ),
    replayed: true,
  };
}
