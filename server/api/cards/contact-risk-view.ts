/**
 * Everything the risk card shows about one contact, read from the warehouse in one go: the current
 * score with its model, the weekly trend, the top reasons in plain words, the next best action and
 * the upcoming renewal. The card (HubSpot-signed) and the dashboard's contact view (session) answer
 * with this same object; each does its own authentication before calling it.
 */
import { sql, type Kysely } from 'kysely';
import { CRM_OBJECT_TYPES } from '../../crm/connector.js';
import { executePrepared } from '../../db/prepared-statement.js';
import type { Database } from '../../db/schema.js';
import { NotFoundError } from '../../errors.js';
import { describeEvidence, type ChurnEvidence } from '../../features/customer-status.js';
import type { Reason } from '../../model/index.js';
import { isMeaningfulReason } from '../../scoring/reason-text.js';
import { describeReason, recommendAction, type Recommendation } from '../../scoring/recommendation.js';
import { scoreChange, scorePoints } from '../../scoring/score-points.js';
import { nextRenewal, openRenewalDeals } from '../dashboard/latest-scores.js';

export type RiskTier = 'low' | 'medium' | 'high';

export interface CardReason {
  feature: string;
  /** Plain words with the customer's value: "3 support tickets open". */
  text: string;
  direction: 'raises' | 'lowers';
  contribution: number;
}

export interface ContactRiskView {
  /** `syncing`: the portal's first sync has not finished; `not_scored`: synced, no score yet. */
  /**
   * `scored`: an active customer with a churn score. `churned`: a customer who left (see `customer`),
   * and `prospect`: someone who never bought; neither has a churn score. `syncing`: the portal's
   * first sync has not finished; `not_scored`: synced, not looked at by a run yet.
   */
  status: 'scored' | 'churned' | 'prospect' | 'not_scored' | 'syncing';
  /** Whether the contact is a customer, as the last run or rescoring saw it; null before any. */
  customer: {
    status: 'prospect' | 'active' | 'churned';
    /** When the current (or last) time as a customer began. */
    since: string | null;
    /** When a churned customer left; null when the CRM does not date it. */
    leftOn: string | null;
    /** What showed that they left, in words. */
    evidence: string | null;
  } | null;
  contactId: string;
  contact: { name: string | null; email: string | null } | null;
  /** How far the portal's first sync got; null when the contact is scored (it is then not read). */
  sync: { complete: boolean; objectTypesDone: number; objectTypesTotal: number } | null;
  score: {
    id: number;
    /** 0–100, the calibrated probability in percent. */
    value: number;
    probability: number;
    tier: RiskTier;
    scoredAt: string;
    model: { id: number; version: number; family: string; isStarter: boolean; label: string };
  } | null;
  /** Score points gained (+) or lost (−) since the last score of the week before; null without one. */
  trend: { change: number; previous: number; previousScoredAt: string } | null;
  /** The last score of each week that has one, oldest first, at most `HISTORY_WEEKS`. */
  history: { week: string; score: number }[];
  reasons: CardReason[];
  recommendation: Recommendation | null;
  /**
   * The next renewal, by the rule the at-risk list shows (`nextRenewal`): the first open renewal
   * deal (its amount at risk, its name), else the billing anniversary (the contact's deals won in
   * the last 12 months at risk, as the list's value). Null for one who is not an active customer.
   */
  renewal: { date: string; valueAtRisk: number | null; dealName: string | null } | null;
}

export const HISTORY_WEEKS = 12;
const TOP_REASONS = 3;
const WEEK_MS = 7 * 86_400_000;

/** Monday 00:00 UTC of the week holding `at`. */
export function weekStart(at: Date): Date {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * 86_400_000);
}

const percent = scorePoints;

/** The strongest reasons either way, in plain words; a missing value is never a reason. */
export function cardReasons(reasons: readonly Reason[], count = TOP_REASONS): CardReason[] {
  return [...reasons]
    .filter((r) => r.contribution !== 0 && isMeaningfulReason(r))
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
    .slice(0, count)
    .map((r) => ({
      feature: r.feature,
      text: describeReason(r),
      direction: r.contribution > 0 ? 'raises' : 'lowers',
      contribution: r.contribution,
    }));
}

export function modelLabel(model: { family: string; version: number; is_starter: boolean }): string {
  return model.is_starter ? 'Starter model' : `${model.family} model v${model.version}`;
}

async function syncState(db: Kysely<Database>, portalId: number): Promise<ContactRiskView['sync']> {
  const rows = await db
    .selectFrom('sync_cursors')
    .select('object_type')
    .where('portal_id', '=', portalId)
    .where('full_sync_completed_at', 'is not', null)
    .execute();
  const done = new Set(rows.map((r) => r.object_type));
  const objectTypesDone = CRM_OBJECT_TYPES.filter((type) => done.has(type)).length;
  return {
    complete: objectTypesDone === CRM_OBJECT_TYPES.length,
    objectTypesDone,
    objectTypesTotal: CRM_OBJECT_TYPES.length,
  };
}

interface ScoreRow {
  id: number;
  probability: number;
  tier: string;
  reasons: unknown[];
  scored_at: Date;
  model_id: number;
  version: number;
  family: string;
  is_starter: boolean;
}

/** Scores newest first, from `since` on (or the latest one alone when `since` is null). */
function scoreRows(
  db: Kysely<Database>,
  portalId: number,
  contactId: string,
  since: Date | null,
): Promise<ScoreRow[]> {
  const query = db
    .selectFrom('scores as s')
    .innerJoin('models as m', 'm.id', 's.model_id')
    .select([
      's.id',
      's.probability',
      's.tier',
      's.reasons',
      's.scored_at',
      'm.id as model_id',
      'm.version',
      'm.family',
      'm.is_starter',
    ])
    .where('s.portal_id', '=', portalId)
    .where('s.contact_id', '=', contactId)
    .orderBy('s.scored_at', 'desc')
    .orderBy('s.id', 'desc');
  return (since ? query.where('s.scored_at', '>=', since) : query.limit(1)).execute();
}

/** Monday of the first week the chart shows, when the last score is at `until`. */
const historyStart = (until: Date) => new Date(weekStart(until).getTime() - (HISTORY_WEEKS - 1) * WEEK_MS);

/**
 * The current score and those of the weeks before it, newest first. Weekly scoring keeps the
 * current score recent, so one range scan of `scores_contact_time` nearly always answers both;
 * only a contact not scored for weeks needs a second look.
 */
async function scoresWithHistory(db: Kysely<Database>, portalId: number, contactId: string, now: Date) {
  const recent = await scoreRows(db, portalId, contactId, historyStart(now));
  if (recent.length > 0) return recent;
  const [latest] = await scoreRows(db, portalId, contactId, null);
  if (!latest) return [];
  return scoreRows(db, portalId, contactId, historyStart(latest.scored_at));
}

/** A score's time and probability: what the weekly chart needs of the scores before the latest. */
type HistoryRow = Pick<ScoreRow, 'scored_at' | 'probability'>;

/**
 * A contact with its next renewal and its latest score since the chart's first week (nulls
 * without one), and the times and probabilities of all its scores since then, newest first.
 */
interface ContactScoreRow extends Nullable<ScoreRow> {
  email: string | null;
  firstname: string | null;
  lastname: string | null;
  renewal_at: Date | null;
  yearly_value: number | null;
  deal_name: string | null;
  deal_amount: number | null;
  deal_close_date: Date | null;
  customer_status: 'prospect' | 'active' | 'churned' | null;
  customer_since: Date | null;
  customer_left_at: Date | null;
  customer_evidence: unknown;
  history_at: Date[] | null;
  history_probability: number[] | null;
}

type Nullable<T> = { [K in keyof T]: T[K] | null };

/**
 * The contact, its next renewal (with the open renewal deal, when that is what it is), its latest
 * score since `since` and the history of its scores since then, in one statement and one row: the
 * card is opened with every contact record, and on the embedded database each statement, and each
 * row of a result, costs more than the index lookups in it. Only the name is read from the synced
 * properties, which can hold hundreds of them. The value at stake without a deal is the list's:
 * the contact's deals won in the last 12 months. No row: no such contact. Planning it costs more
 * than running it, so it is prepared once per session.
 */
function contactWithScores(
  db: Kysely<Database>,
  portalId: number,
  contactId: string,
  since: Date,
): Promise<ContactScoreRow[]> {
  const query = sql<ContactScoreRow>`
    select c.email, c.first_name as firstname, c.last_name as lastname,
      cs.status as customer_status, cs.since as customer_since, cs.left_at as customer_left_at,
      cs.evidence as customer_evidence,
      rn.renewal_at, rn.yearly_value,
      r.name as deal_name, r.amount as deal_amount, r.close_date as deal_close_date,
      s.id, s.probability, s.tier, s.reasons, s.scored_at,
      m.id as model_id, m.version, m.family, m.is_starter,
      h.history_at, h.history_probability
    from contacts c
    left join lateral (
      select ${nextRenewal} as renewal_at,
        (select sum(d.amount)::float8 from associations a
          join deals d on d.portal_id = a.portal_id and d.id = a.to_id
          where a.portal_id = c.portal_id and a.from_type = 'contacts' and a.from_id = c.id
            and a.to_type = 'deals' and d.is_closed_won = true
            and d.close_date >= now() - interval '365 days') as yearly_value) rn on true
    left join lateral (
      select d.name, d.amount, d.close_date ${openRenewalDeals}
      order by d.close_date, d.id
      limit 1) r on true
    left join customer_status cs on cs.portal_id = c.portal_id and cs.contact_id = c.id
    left join lateral (
      select s.id, s.probability, s.tier, s.reasons, s.scored_at, s.model_id from scores s
      where s.portal_id = c.portal_id and s.contact_id = c.id and s.scored_at >= ${since}
      order by s.scored_at desc, s.id desc
      limit 1) s on true
    left join models m on m.id = s.model_id
    left join lateral (
      select array_agg(h.scored_at order by h.scored_at desc, h.id desc) as history_at,
        array_agg(h.probability order by h.scored_at desc, h.id desc) as history_probability
      from scores h
      where h.portal_id = c.portal_id and h.contact_id = c.id and h.scored_at >= ${since}) h on true
    where c.portal_id = ${portalId} and c.id = ${contactId} and not c.archived`;
  return executePrepared(db, 'card_view', query);
}

const amount = (value: number | null) => (value === null ? null : Number(value));

function renewalOf(row: ContactScoreRow): ContactRiskView['renewal'] {
  if (!row.renewal_at) return null;
  const date = new Date(row.renewal_at);
  // The rule takes the first open renewal deal when there is one: then the renewal is that deal.
  const isDeal = row.deal_close_date !== null && new Date(row.deal_close_date).getTime() === date.getTime();
  return {
    date: date.toISOString(),
    valueAtRisk: (isDeal ? amount(row.deal_amount) : null) ?? amount(row.yearly_value),
    dealName: isDeal ? row.deal_name : null,
  };
}

const isScored = (row: ContactScoreRow): row is ContactScoreRow & ScoreRow => row.id !== null;

/** The history the contact's row carries, newest first. */
function historyOf(row: ContactScoreRow): HistoryRow[] {
  const at = row.history_at ?? [];
  return at.map((scoredAt, i) => ({ scored_at: scoredAt, probability: row.history_probability![i]! }));
}

/** The last score of each week, oldest first, from rows newest first. */
function weeklyHistory(rows: readonly HistoryRow[]) {
  const byWeek = new Map<number, { week: Date; probability: number; scoredAt: Date }>();
  for (const row of rows) {
    const week = weekStart(row.scored_at);
    // Newest first: the first row seen in a week is that week's last score.
    if (!byWeek.has(week.getTime())) {
      byWeek.set(week.getTime(), { week, probability: row.probability, scoredAt: row.scored_at });
    }
  }
  return [...byWeek.values()].sort((a, b) => a.week.getTime() - b.week.getTime());
}

function contactName(row: { email: string | null; firstname: string | null; lastname: string | null }) {
  const name = [row.firstname, row.lastname].filter(Boolean).join(' ').trim();
  return { name: name || null, email: row.email };
}

function customerOf(row: ContactScoreRow): ContactRiskView['customer'] {
  if (row.customer_status === null) return null;
  const evidence = (
    typeof row.customer_evidence === 'string' ? JSON.parse(row.customer_evidence) : row.customer_evidence
  ) as ChurnEvidence | null;
  const iso = (at: Date | null) => (at ? new Date(at).toISOString() : null);
  return {
    status: row.customer_status,
    since: iso(row.customer_since),
    leftOn: iso(row.customer_left_at),
    evidence: evidence ? describeEvidence(evidence) : null,
  };
}

/**
 * The card's content for a contact of a portal. Throws NotFoundError when the portal has finished
 * syncing and has no such contact; a portal still syncing answers `syncing` instead, because the
 * contact may simply not have arrived yet.
 */
export async function contactRiskView(
  db: Kysely<Database>,
  portalId: number,
  contactId: string,
  now = new Date(),
): Promise<ContactRiskView> {
  const [contact] = await contactWithScores(db, portalId, contactId, historyStart(now));
  const customer = contact ? customerOf(contact) : null;
  // Someone who left or never bought has no churn score: the card says which, and when they left.
  if (contact && customer && customer.status !== 'active') {
    return {
      contactId,
      status: customer.status === 'churned' ? 'churned' : 'prospect',
      customer,
      contact: contactName(contact),
      sync: null,
      score: null,
      trend: null,
      history: [],
      reasons: [],
      recommendation: null,
      renewal: null,
    };
  }
  // A contact not scored in the chart's weeks, or one the sync has not brought yet: look further.
  const scores: { latest: ScoreRow | undefined; history: readonly HistoryRow[] } =
    contact && isScored(contact)
      ? { latest: contact, history: historyOf(contact) }
      : await scoresWithHistory(db, portalId, contactId, now).then((rows) => ({
          latest: rows[0],
          history: rows,
        }));
  const { latest } = scores;
  // Only a missing contact or score depends on the sync: most views skip reading it.
  const sync = contact && latest ? null : await syncState(db, portalId);
  if (!contact && sync?.complete) throw new NotFoundError(`This portal has no contact ${contactId}.`);
  const empty = {
    contactId,
    customer,
    contact: contact ? contactName(contact) : null,
    sync,
    score: null,
    trend: null,
    history: [],
    reasons: [],
    recommendation: null,
    renewal: contact ? renewalOf(contact) : null,
  };
  if (!latest) return { ...empty, status: sync?.complete ? 'not_scored' : 'syncing' };

  const history = weeklyHistory(scores.history);
  const current = percent(latest.probability);
  const thisWeek = weekStart(latest.scored_at).getTime();
  const lastWeek = [...history].reverse().find((h) => h.week.getTime() < thisWeek);
  const reasons = latest.reasons as Reason[];
  const tier = latest.tier as RiskTier;
  return {
    ...empty,
    status: 'scored',
    score: {
      id: latest.id,
      value: current,
      probability: latest.probability,
      tier,
      scoredAt: latest.scored_at.toISOString(),
      model: {
        id: latest.model_id,
        version: latest.version,
        family: latest.family,
        isStarter: latest.is_starter,
        label: modelLabel(latest),
      },
    },
    trend: lastWeek
      ? {
          change: scoreChange(current, percent(lastWeek.probability)),
          previous: percent(lastWeek.probability),
          previousScoredAt: lastWeek.scoredAt.toISOString(),
        }
      : null,
    history: history.map((h) => ({ week: h.week.toISOString().slice(0, 10), score: percent(h.probability) })),
    reasons: cardReasons(reasons),
    recommendation: recommendAction(reasons, tier),
  };
}
