/**
 * What the risk card's buttons do: start a retention play on the contact, or say the score looks
 * wrong. Both are keyed by a key the card makes per click, so a request HubSpot retries (it retries
 * once on a 5xx or a dropped connection) does one thing, and the second answer names the first.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { json } from '../../db/json.js';
import { NotFoundError } from '../../errors.js';
import type { RetentionActionName } from '../../workflows/action-inputs.js';
import {
  performRetentionAction,
  type OutputFields,
  type RetentionDeps,
} from '../../workflows/perform-action.js';

export const CARD_PLAYS = ['offer', 'survey', 'check_in'] as const;
export type CardPlay = (typeof CARD_PLAYS)[number];

/** Requests from the card are grouped under this campaign in the retention report. */
export const CARD_CAMPAIGN = 'card';

/**
 * The retention action each card play starts, with its inputs. An advisor chose this customer, so
 * no holdout applies; the offer is the one a card can make without asking more: a free month.
 */
const PLAY_ACTIONS: Record<CardPlay, { action: RetentionActionName; inputs: Record<string, unknown> }> = {
  offer: { action: 'send-retention-offer', inputs: { offer_type: 'free_month', validity_days: 30 } },
  survey: { action: 'request-feedback', inputs: {} },
  check_in: { action: 'proactive-support', inputs: {} },
};

export interface PlayRequest {
  portalId: number;
  userId: string;
  contactId: string;
  play: CardPlay;
  requestKey: string;
}

export interface PlayAnswer {
  id: number;
  play: CardPlay;
  /** `pending` while the CRM work (an offer code property, a ticket) is queued; then `completed`. */
  status: 'pending' | 'completed';
  /** What the action made: an offer code, a survey link, … */
  outputs: OutputFields;
  /** True when this key had been seen: nothing new was done. */
  replayed: boolean;
}

export interface FeedbackRequest {
  portalId: number;
  userId: string;
  contactId: string;
  scoreId: number | null;
  comment: string | null;
  requestKey: string;
}

export interface FeedbackAnswer {
  id: number;
  createdAt: string;
  replayed: boolean;
}

/** The card's keys live beside HubSpot's callback ids in one column; the prefix keeps them apart. */
const playKey = (requestKey: string) => `card:${requestKey}`;

async function requireContact(db: Kysely<Database>, portalId: number, contactId: string): Promise<void> {
  const contact = await db
    .selectFrom('contacts')
    .select('id')
    .where('portal_id', '=', portalId)
    .where('id', '=', contactId)
    .executeTakeFirst();
  if (!contact) throw new NotFoundError(`This portal has no contact ${contactId}.`);
}

/** Performs the play as a retention action of the `card` campaign, in treatment, noting who asked. */
export async function requestPlay(deps: RetentionDeps, request: PlayRequest): Promise<PlayAnswer> {
  await requireContact(deps.db, request.portalId, request.contactId);
  const { action, inputs } = PLAY_ACTIONS[request.play];
  const result = await performRetentionAction(deps, {
    portalId: request.portalId,
    contactId: request.contactId,
    action,
    requestKey: playKey(request.requestKey),
    inputs: { ...inputs, campaign: CARD_CAMPAIGN, holdout_percent: 0 },
    source: 'manual',
  });
  if (!result.replayed) {
    await deps.db
      .updateTable('retention_actions')
      .set({ inputs: sql`inputs || ${json({ requestedBy: request.userId, play: request.play })}::jsonb` })
      .where('id', '=', result.id)
      .execute();
  }
  return {
    id: result.id,
    play: request.play,
    status: result.state === 'SUCCESS' ? 'completed' : 'pending',
    outputs: result.outputFields,
    replayed: result.replayed,
  };
}

export async function recordScoreFeedback(
  db: Kysely<Database>,
  request: FeedbackRequest,
): Promise<FeedbackAnswer> {
  await requireContact(db, request.portalId, request.contactId);
  if (request.scoreId !== null) {
    const score = await db
      .selectFrom('scores')
      .select('id')
      .where('id', '=', request.scoreId)
      .where('portal_id', '=', request.portalId)
      .where('contact_id', '=', request.contactId)
      .executeTakeFirst();
    if (!score) throw new NotFoundError(`Contact ${request.contactId} has no score ${request.scoreId}.`);
  }
  const inserted = await db
    .insertInto('score_feedback')
    .values({
      portal_id: request.portalId,
      contact_id: request.contactId,
      score_id: request.scoreId,
      user_id: request.userId,
      comment: request.comment,
      request_key: request.requestKey,
    })
    .onConflict((oc) => oc.constraint('score_feedback_request').doNothing())
    .returning(['id', 'created_at'])
    .executeTakeFirst();
  const row =
    inserted ??
    (await db
      .selectFrom('score_feedback')
      .select(['id', 'created_at'])
      .where('portal_id', '=', request.portalId)
      .where('request_key', '=', request.requestKey)
      .executeTakeFirstOrThrow());
  return { id: row.id, createdAt: row.created_at.toISOString(), replayed: !inserted };
}
