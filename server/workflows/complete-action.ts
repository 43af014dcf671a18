/**
 * The CRM side of a treated contact's action, run by a job through the portal's rate limiter:
 * the offer code or loyalty balance written to the contact, the support ticket opened with the
 * contact's reasons, then (for workflow steps) HubSpot's callback completed with the outputs.
 * Safe to run again after a crash: property writes carry absolute values, a ticket is opened under
 * the action's own key (so a create whose answer was lost, or a job run again before the ticket's id
 * was stored, finds the same ticket instead of opening a second), its id is remembered before the
 * callback, and a completed action is skipped.
 */
import type { Kysely } from 'kysely';
import type { CrmConnector } from '../crm/connector.js';
import { CrmRequestError } from '../crm/errors.js';
import type { RetentionField } from '../crm/warehouse-records.js';
import { json } from '../db/json.js';
import type { Database } from '../db/schema.js';
import type { Reason } from '../model/index.js';
import { isMeaningfulReason } from '../scoring/reason-text.js';
import { describeReason, recommendAction } from '../scoring/recommendation.js';
import { scoreText } from '../scoring/score-points.js';
import type { OutputFields } from './perform-action.js';

export interface CompleteActionDeps {
  db: Kysely<Database>;
  connector: CrmConnector;
  /** Pause between tries when HubSpot does not yet know the callback (it answered 404). */
  callbackRetryMs?: number;
}

export type CompletionResult = 'completed' | 'already_completed' | 'gone';

export async function completeRetentionAction(
  deps: CompleteActionDeps,
  actionId: number,
): Promise<CompletionResult> {
  const action = await deps.db
    .selectFrom('retention_actions')
    .selectAll()
    .where('id', '=', actionId)
    .executeTakeFirst();
  if (!action) return 'gone';
  if (action.status === 'completed') return 'already_completed';
  const { portal_id: portalId, contact_id: contactId } = action;
  const outputs = { ...(action.outputs as OutputFields) };

  switch (action.action) {
    case 'send-retention-offer':
      await writeContact(deps, portalId, contactId, { retention_offer_code: String(outputs.offer_code) });
      break;
    case 'loyalty-reward': {
      const total = await deps.db
        .selectFrom('loyalty_ledger')
        .select((eb) => eb.fn.sum<number>('points').as('points'))
        .where('portal_id', '=', portalId)
        .where('contact_id', '=', contactId)
        .executeTakeFirstOrThrow();
      await writeContact(deps, portalId, contactId, { loyalty_points: String(Number(total.points ?? 0)) });
      break;
    }
    case 'proactive-support':
      if (outputs.ticket_id === undefined) {
        outputs.ticket_id = await deps.connector.createTicket(portalId, {
          idempotencyKey: ticketKey(action),
          ...(await supportTicket(deps.db, portalId, contactId)),
        });
        await deps.db
          .updateTable('retention_actions')
          .set({ outputs: json(outputs) })
          .where('id', '=', actionId)
          .execute();
      }
      break;
  }

  if (action.source === 'workflow' && action.callback_id) {
    await completeCallback(deps, { ...action, callback_id: action.callback_id }, outputs);
  }
  await deps.db
    .updateTable('retention_actions')
    .set({ status: 'completed', completed_at: new Date() })
    .where('id', '=', actionId)
    .execute();
  return 'completed';
}

/**
 * The key the action's ticket is opened under: the action's id, with the time it was recorded so
 * that a warehouse started afresh (its ids counting from 1 again) never meets the tickets an
 * earlier one opened in the same CRM.
 */
function ticketKey(action: { id: number; created_at: Date }): string {
  return `churn-radar-action-${action.id}-${action.created_at.getTime().toString(36)}`;
}

/** Writes the app's fields on the contact, under the names the CRM gives them. */
async function writeContact(
  deps: CompleteActionDeps,
  portalId: number,
  contactId: string,
  values: Partial<Record<RetentionField, string>>,
): Promise<void> {
  const properties = Object.fromEntries(
    Object.entries(values).map(([field, value]) => [
      deps.connector.fieldNames[field as RetentionField],
      value,
    ]),
  );
  const result = await deps.connector.batchUpdate(portalId, 'contacts', [{ id: contactId, properties }]);
  const failure = result.failed[0];
  if (failure) throw new Error(`The CRM refused to update contact ${contactId}: ${failure.message}`);
}

/**
 * HubSpot learns that a step is waiting only once it has read our BLOCK answer, so a completion that
 * races ahead of it is refused with a 404: a few short retries cover that; after them the job's
 * own retries take over. HubSpot also answers 404 for a callback it no longer waits for: when an
 * earlier completion of this action may have landed (its answer was lost, or a worker died before
 * recording it), that 404 means the step is already complete. A job attempt whose every try was
 * refused outright sent nothing that landed, and says so (`callback_sent_at` back to null): else
 * a busy CRM, slow to read our BLOCK answer, would have the next attempt take its 404s for a
 * completion that landed, and the step would wait in HubSpot until it expired.
 */
async function completeCallback(
  deps: CompleteActionDeps,
  action: { id: number; portal_id: number; callback_id: string; callback_sent_at: Date | null },
  outputs: OutputFields,
): Promise<void> {
  const outputFields: Record<string, string> = {};
  for (const [name, value] of Object.entries(outputs)) outputFields[name] = String(value);
  const sentBefore = action.callback_sent_at !== null;
  if (!sentBefore) {
    await deps.db
      .updateTable('retention_actions')
      .set({ callback_sent_at: new Date() })
      .where('id', '=', action.id)
      .where('callback_sent_at', 'is', null)
      .execute();
  }
  const pause = deps.callbackRetryMs ?? 250;
  let mayHaveLanded = sentBefore;
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.connector.completeActionCallback(action.portal_id, action.callback_id, outputFields);
      return;
    } catch (error) {
      if (!(error instanceof CrmRequestError) || error.httpStatus !== 404) throw error;
      mayHaveLanded ||= error.afterUncertainAttempt;
      // Still unknown after the retries that cover the race: done before, or not yet waiting.
      if (attempt >= 4) {
        if (mayHaveLanded) return;
        await deps.db
          .updateTable('retention_actions')
          .set({ callback_sent_at: null })
          .where('id', '=', action.id)
          .execute();
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, pause * attempt));
    }
  }
}

/** The ticket for the owner: the contact's latest score, its top reasons and what to talk about. */
async function supportTicket(db: Kysely<Database>, portalId: number, contactId: string) {
  const [score, contact] = await Promise.all([
    db
      .selectFrom('scores')
      .select(['probability', 'tier', 'reasons'])
      .where('portal_id', '=', portalId)
      .where('contact_id', '=', contactId)
      .orderBy('scored_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst(),
    db
      .selectFrom('contacts')
      .select(['owner_id', 'first_name', 'last_name', 'email'])
      .where('portal_id', '=', portalId)
      .where('id', '=', contactId)
      .executeTakeFirst(),
  ]);
  const name = [contact?.first_name, contact?.last_name].filter(Boolean).join(' ');
  const who = name || contact?.email || `contact ${contactId}`;
  const reasons = ((score?.reasons ?? []) as Reason[])
    .filter((r) => r.contribution > 0 && isMeaningfulReason(r))
    .slice(0, 3);
  const tier = (score?.tier ?? 'high') as 'low' | 'medium' | 'high';
  const play = recommendAction(reasons, tier);
  const lines = [
    score
      ? `Churn risk: ${scoreText(score.probability)} / 100 (${score.tier}).`
      : 'Churn risk: not scored yet.',
    '',
    'Top reasons:',
    ...(reasons.length > 0 ? reasons.map((r) => `- ${describeReason(r)}`) : ['- none recorded']),
    '',
    'Suggested talking points:',
    `- ${play.title} (${play.because}).`,
    ...reasons.map((r) => `- Ask about "${r.label.toLowerCase()}" and what would help.`),
    '- Confirm what they need from us in the next 30 days, and agree a follow-up date.',
  ];
  return {
    contactId,
    subject: `Proactive check-in: ${who}`,
    content: lines.join('\n'),
    priority: tier === 'high' ? ('HIGH' as const) : ('MEDIUM' as const),
    ...(contact?.owner_id ? { ownerId: contact.owner_id } : {}),
  };
}
