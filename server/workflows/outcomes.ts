/**
 * Whether retention campaigns work: for every campaign and action, churn within 30, 60 and 90 days
 * of enrolment among treated contacts and among the held-out control, the difference (the uplift:
 * churn avoided per treated contact) with a 95 % Newcombe interval, offers redeemed, and what each
 * customer saved cost. Churn follows the portal's own rule (`churnAfter`); a contact counts in a
 * window only once the window has ended, and only if it was an active customer when enrolled.
 * Beside them, apart, what advisors marked by hand on the treated contacts (saved or lost): their
 * word, which never enters the measured rates.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { churnAfter } from '../features/labels.js';
import type { Group } from './holdout.js';

export const OUTCOME_WINDOWS_DAYS = [30, 60, 90] as const;
const DAY_MS = 86_400_000;
const Z95 = 1.959963984540054;

export interface Proportion {
  /** Contacts whose window has ended and who were customers when enrolled. */
  observed: number;
  churned: number;
  /** churned / observed, or null with nobody observed. */
  rate: number | null;
}

export interface WindowEffect {
  days: number;
  treatment: Proportion;
  control: Proportion;
  /** Control churn minus treatment churn: the share of treated customers the action kept. */
  uplift: number | null;
  ci95: { low: number; high: number } | null;
  /** Enrolled contacts whose window has not ended yet. */
  pending: number;
}

export interface CampaignEffect {
  campaignId: string;
  action: string;
  enrolled: Record<Group, number>;
  firstEnrolledAt: string;
  windows: WindowEffect[];
  offers: { issued: number; redeemed: number; redemptionRate: number | null; redeemedValue: number } | null;
  /** Treated customers kept, by the longest window with an uplift: uplift × treated observed. */
  savedCustomers: number | null;
  /** Redeemed offer value per saved customer; null without offers, value, or a positive uplift. */
  costPerSavedCustomer: number | null;
  /**
   * Treated contacts whose latest saved-or-lost mark from the dashboard's contact view was made
   * after enrolment and not undone by `asOf`. An advisor's word, not a measurement: it has no
   * control group and is never part of the churn rates or the uplift above.
   */
  advisorOutcomes: { saved: number; lost: number };
}

export interface RetentionEffectReport {
  portalId: number;
  asOf: string;
  windowsDays: number[];
  campaigns: CampaignEffect[];
}

/** Wilson's score interval for a proportion. */
export function wilsonInterval(successes: number, n: number, z = Z95): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Newcombe's hybrid score interval (his method 10) for p1 − p2: Wilson intervals of each
 * proportion combined; unlike Wald's, it stays inside [−1, 1] and behaves with small groups and
 * rates near 0 or 1.
 */
export function newcombeInterval(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  z = Z95,
): { low: number; high: number } {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const a = wilsonInterval(x1, n1, z);
  const b = wilsonInterval(x2, n2, z);
  const d = p1 - p2;
  return {
    low: d - Math.sqrt((p1 - a.low) ** 2 + (b.high - p2) ** 2),
    high: d + Math.sqrt((a.high - p1) ** 2 + (p2 - b.low) ** 2),
  };
}

interface Enrolment {
  contactId: string;
  group: Group;
  at: Date;
}

export async function retentionEffect(
  db: Kysely<Database>,
  portalId: number,
  options: { asOf?: Date } = {},
): Promise<RetentionEffectReport> {
  const asOf = options.asOf ?? new Date();
  const rows = await db
    .selectFrom('retention_actions')
    .select(['campaign_id', 'action', 'contact_id', 'group', 'created_at'])
    .where('portal_id', '=', portalId)
    .where('created_at', '<=', asOf)
    .orderBy('created_at')
    .orderBy('id')
    .execute();

  // A contact's first enrolment in a campaign's action is the one measured.
  const campaigns = new Map<
    string,
    { campaignId: string; action: string; enrolments: Map<string, Enrolment> }
  >();
  for (const row of rows) {
    const key = JSON.stringify([row.campaign_id, row.action]);
    let campaign = campaigns.get(key);
    if (!campaign) {
      campaign = { campaignId: row.campaign_id, action: row.action, enrolments: new Map() };
      campaigns.set(key, campaign);
    }
    if (!campaign.enrolments.has(row.contact_id)) {
      campaign.enrolments.set(row.contact_id, {
        contactId: row.contact_id,
        group: row.group,
        at: row.created_at,
      });
    }
  }

  const marks = await advisorMarks(db, portalId, asOf);
  const report: CampaignEffect[] = [];
  for (const campaign of campaigns.values()) {
    const enrolments = [...campaign.enrolments.values()];
    const labels = await churnAfter(
      db,
      portalId,
      new Map(enrolments.map((e) => [e.contactId, e.at])),
      OUTCOME_WINDOWS_DAYS,
    );
    const windows = OUTCOME_WINDOWS_DAYS.map((days, index) =>
      windowEffect(enrolments, labels, days, index, asOf),
    );
    const offers =
      campaign.action === 'send-retention-offer'
        ? await offerTotals(db, portalId, campaign.campaignId)
        : null;
    const measured = [...windows].reverse().find((w) => w.uplift !== null);
    const saved = measured ? measured.uplift! * measured.treatment.observed : null;
    report.push({
      campaignId: campaign.campaignId,
      action: campaign.action,
      enrolled: {
        treatment: enrolments.filter((e) => e.group === 'treatment').length,
        control: enrolments.filter((e) => e.group === 'control').length,
      },
      firstEnrolledAt: enrolments[0]!.at.toISOString(),
      windows,
      offers,
      savedCustomers: saved,
      costPerSavedCustomer:
        offers && offers.redeemedValue > 0 && saved !== null && saved > 0
          ? offers.redeemedValue / saved
          : null,
      advisorOutcomes: countMarks(enrolments, marks),
    });
  }
  return { portalId, asOf: asOf.toISOString(), windowsDays: [...OUTCOME_WINDOWS_DAYS], campaigns: report };
}

function windowEffect(
  enrolments: Enrolment[],
  labels: Map<string, (0 | 1 | null)[]>,
  days: number,
  index: number,
  asOf: Date,
): WindowEffect {
  const counts = { treatment: { observed: 0, churned: 0 }, control: { observed: 0, churned: 0 } };
  let pending = 0;
  for (const e of enrolments) {
    if (e.at.getTime() + days * DAY_MS > asOf.getTime()) {
      pending++;
      continue;
    }
    const label = labels.get(e.contactId)?.[index];
    if (label === undefined || label === null) continue;
    counts[e.group].observed++;
    counts[e.group].churned += label;
  }
  const proportion = (c: { observed: number; churned: number }): Proportion => ({
    ...c,
    rate: c.observed === 0 ? null : c.churned / c.observed,
  });
  const t = counts.treatment;
  const c = counts.control;
  const measurable = t.observed > 0 && c.observed > 0;
  return {
    days,
    treatment: proportion(t),
    control: proportion(c),
    uplift: measurable ? c.churned / c.observed - t.churned / t.observed : null,
    ci95: measurable ? newcombeInterval(c.churned, c.observed, t.churned, t.observed) : null,
    pending,
  };
}

type AdvisorMark = { outcome: 'saved' | 'lost'; at: Date };

/** Each contact's latest saved-or-lost mark standing at `asOf` (made by then, not undone by then). */
async function advisorMarks(db: Kysely<Database>, portalId: number, asOf: Date) {
  const rows = await db
    .selectFrom('contact_outcomes')
    .select(['contact_id', 'outcome', 'created_at'])
    .where('portal_id', '=', portalId)
    .where('outcome', 'in', ['saved', 'lost'])
    .where('created_at', '<=', asOf)
    .where((eb) => eb.or([eb('undone_at', 'is', null), eb('undone_at', '>', asOf)]))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const latest = new Map<string, AdvisorMark>();
  for (const row of rows) {
    latest.set(row.contact_id, { outcome: row.outcome as AdvisorMark['outcome'], at: row.created_at });
  }
  return latest;
}

function countMarks(enrolments: Enrolment[], marks: Map<string, AdvisorMark>) {
  const counts = { saved: 0, lost: 0 };
  for (const e of enrolments) {
    const mark = e.group === 'treatment' ? marks.get(e.contactId) : undefined;
    if (mark && mark.at.getTime() >= e.at.getTime()) counts[mark.outcome]++;
  }
  return counts;
}

async function offerTotals(db: Kysely<Database>, portalId: number, campaignId: string) {
  const row = await db
    .selectFrom('retention_offers')
    .select((eb) => [
      eb.fn.countAll<number>().as('issued'),
      eb.fn.count<number>('redeemed_at').as('redeemed'),
      eb.fn.sum<number>('redeemed_value').as('value'),
    ])
    .where('portal_id', '=', portalId)
    .where('campaign_id', '=', campaignId)
    .executeTakeFirstOrThrow();
  const issued = Number(row.issued);
  const redeemed = Number(row.redeemed);
  return {
    issued,
    redeemed,
    redemptionRate: issued === 0 ? null : redeemed / issued,
    redeemedValue: Number(row.value ?? 0),
  };
}
