/**
 * The personal survey link of a feedback request: one NPS answer (0–10) and a comment, once. The
 * answer is stored as a `feedback` row linked to the contact, its comment scored for sentiment, so
 * the next feature build sees it like any NPS answer synced from the CRM.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { json } from '../db/json.js';
import type { Database } from '../db/schema.js';
import { scoreSentiment } from '../features/sentiment/index.js';
import { storableString } from '../storable-text.js';
import { surveyTokenHash } from './secrets.js';

/** A score as the form sends it: one decimal whole number from 0 to 10, nothing else. */
const SCORE_PATTERN = /^(10|[0-9])$/;

export const surveyAnswerSchema = z.object({
  score: z
    .string('must be a whole number from 0 to 10')
    .trim()
    .regex(SCORE_PATTERN, 'must be a whole number from 0 to 10')
    .transform(Number),
  comment: storableString()
    .trim()
    .max(5000, 'is longer than 5,000 characters')
    .optional()
    .transform((c) => c || undefined),
});
export type SurveyAnswer = z.infer<typeof surveyAnswerSchema>;

export type SurveyState = 'open' | 'answered' | 'expired' | 'unknown';

/** Tokens are 32 url-safe characters; anything else is not ours and is never looked up. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32}$/;

export async function surveyState(
  db: Kysely<Database>,
  token: string,
  now = new Date(),
): Promise<SurveyState> {
  if (!TOKEN_PATTERN.test(token)) return 'unknown';
  const request = await db
    .selectFrom('survey_requests')
    .select(['answered_at', 'expires_at'])
    .where('token_hash', '=', surveyTokenHash(token))
    .executeTakeFirst();
  if (!request) return 'unknown';
  if (request.answered_at) return 'answered';
  return request.expires_at < now ? 'expired' : 'open';
}

/** The company that asks, for the survey's wording: its portal's name; null for a link not ours. */
export async function surveyCompanyName(db: Kysely<Database>, token: string): Promise<string | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const row = await db
    .selectFrom('survey_requests')
    .innerJoin('portals', 'portals.id', 'survey_requests.portal_id')
    .select('portals.name')
    .where('survey_requests.token_hash', '=', surveyTokenHash(token))
    .executeTakeFirst();
  return row?.name ?? null;
}

export type SubmitResult =
  | { status: 'recorded'; portalId: number; contactId: string; feedbackId: string; sentiment: number | null }
  | { status: Exclude<SurveyState, 'open'> };

/** Stores the answer unless the link was used, expired or never existed; single use even under races. */
export async function submitSurveyAnswer(
  db: Kysely<Database>,
  token: string,
  answer: SurveyAnswer,
  now = new Date(),
): Promise<SubmitResult> {
  const state = await surveyState(db, token, now);
  if (state !== 'open') return { status: state };
  const sentiment = answer.comment ? scoreSentiment(answer.comment).compound : null;
  return db.transaction().execute(async (tx) => {
    const claimed = await tx
      .updateTable('survey_requests')
      .set({ answered_at: now })
      .where('token_hash', '=', surveyTokenHash(token))
      .where('answered_at', 'is', null)
      .returning(['id', 'portal_id', 'contact_id'])
      .executeTakeFirst();
    if (!claimed) return { status: 'answered' as const };
    // Not a CRM id: the sync never rewrites this row or its link to the contact.
    const feedbackId = `churn-radar-survey-${claimed.id}`;
    await tx
      .insertInto('feedback')
      .values({
        portal_id: claimed.portal_id,
        id: feedbackId,
        // Our own survey, not a CRM record: no CRM properties, the neutral columns say it all.
        properties: json({}),
        created_at: now,
        updated_at: now,
        survey_type: 'NPS',
        score: answer.score,
        comment: answer.comment ?? null,
        submitted_at: now,
        sentiment,
      })
      .execute();
    await tx
      .insertInto('associations')
      .values({
        portal_id: claimed.portal_id,
        from_type: 'contacts',
        from_id: claimed.contact_id,
        to_type: 'feedback_submissions',
        to_id: feedbackId,
        type_id: null,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
    await tx
      .updateTable('survey_requests')
      .set({ feedback_id: feedbackId })
      .where('id', '=', claimed.id)
      .execute();
    return {
      status: 'recorded' as const,
      portalId: claimed.portal_id,
      contactId: claimed.contact_id,
      feedbackId,
      sentiment,
    };
  });
}
