/**
 * What the risk card's buttons do: ask for a retention play on the contact, or say the score looks
 * wrong. Both are keyed by a key the card makes per click, so a request HubSpot retries (it retries
 * once on a 5xx or a dropped connection) records one thing, and the second answer names the first.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { json } from '../../db/json.js';
import { NotFoundError } from '../../errors.js';

export const CARD_PLAYS = ['offer', 'survey', 'check_in'] as const;
export type CardPlay = (typeof CARD_PLAYS)[number];

/** The retention action each card play starts, by the workflow action's name. */
export const PLAY_ACTIONS: Record<CardPlay, string> = {
  offer: 'send-retention-offer',
  survey: 'request-feedback',
  check_in: 'proactive-support',
};

/** Requests from the card are grouped under this campaign in the retention report. */
export const CARD_CAMPAIGN = 'card';

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
  status: string;
  requestedAt: string;
  /** True when this key had been seen: nothing new was recorded. */
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

/**
 * Records the play as a retention action in treatment (an advisor chose this customer, so no
 * holdout applies), pending until the action is carried out.
 */
export async function requestPlay(db: Kysely<Database>, request: PlayRequest): Promise<PlayAnswer> {
  await requireContact(db, request.portalId, request.contactId);
  const inserted = await db
    .insertInto('retention_actions')
    .values({
      portal_id: request.portalId,
      contact_id: request.contactId,
      action: PLAY_ACTIONS[request.play],
      campaign_id: CARD_CAMPAIGN,
      callback_id: playKey(request.requestKey),
      group: 'treatment',
      status: 'pending',
      inputs: json({ requestedBy: request.userId, play: request.play }),
    })
    .onConflict((oc) => oc.constraint('retention_actions_callback').doNothing())
    .returning(['id', 'status', 'created_at'])
    .executeTakeFirst();
  const row =
    inserted ??
    (await db
      .selectFrom('retention_actions')
      .select(['id', 'status', 'created_at'])
      .where('portal_id', '=', request.portalId)
      .where('callback_id', '=', playKey(request.requestKey))
      .executeTakeFirstOrThrow());
  return {
    id: row.id,
    play: request.play,
    status: row.status,
    requestedAt: row.created_at.toISOString(),
    replayed: !inserted,
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
