import { describe, it, expect } from '@jest/globals';
import { generatePortal } from '../../sandbox/generator/index.js';
import { SandboxStore, type ObjectType, type PortalData, type UsageEvent } from '../../sandbox/store.js';
import { trainLogistic } from '../support/logistic.js';
import { rocAuc } from '../support/roc-auc.js';

const DAY = 86_400_000;
const NOW = new Date('2026-03-01T00:00:00.000Z');
const HORIZON = 90 * DAY;
/** Cutoffs a year apart at most, each leaving a full horizon before the end of the history. */
const CUTOFFS = [120, 240, 360].map((days) => NOW.getTime() - days * DAY);

const ms = (value: string | null | undefined): number => (value ? Date.parse(value) : NaN);

/**
 * What a CRM shows about one contact as of `cutoff`, from events before it only: email opens
 * and replies, tickets, NPS, product usage now against before, tenure, billing. Null when the
 * contact was not a customer at the cutoff (not yet, or visibly gone).
 */
function aggregates(portal: PortalData, usage: UsageEvent[], id: string, cutoff: number): number[] | null {
  const contact = portal.recordsOf('contacts').get(id)!.properties;
  const since = ms(contact.hs_lifecyclestage_customer_date);
  if (!(since < cutoff) || ms(contact.hs_lifecyclestage_other_date) <= cutoff) return null;
  const related = (type: ObjectType) =>
    portal.associationsOf('contacts', id, type).map((a) => portal.recordsOf(type).get(a.toId)!.properties);
  const recent = (at: number, days: number) => at < cutoff && at >= cutoff - days * DAY;

  let sent = 0;
  let opened = 0;
  let replies = 0;
  let lastOpen = since;
  for (const email of related('emails')) {
    const at = ms(email.hs_timestamp);
    if (email.hs_email_direction === 'INCOMING_EMAIL') {
      if (recent(at, 90)) replies++;
      continue;
    }
    const openedAt = ms(email.hs_email_last_open_date);
    if (recent(at, 90)) sent++;
    if (recent(at, 90) && openedAt < cutoff) opened++;
    if (openedAt < cutoff) lastOpen = Math.max(lastOpen, openedAt);
  }
  let tickets = 0;
  let urgent = 0;
  let openTickets = 0;
  for (const ticket of related('tickets')) {
    const at = ms(ticket.createdate);
    if (!(at < cutoff)) continue;
    if (recent(at, 90)) tickets++;
    if (recent(at, 90) && /HIGH|URGENT/.test(ticket.hs_ticket_priority!)) urgent++;
    if (!(ms(ticket.closed_date) < cutoff)) openTickets++;
  }
  let nps = 7.5;
  let npsAt = 0;
  for (const answer of related('feedback_submissions')) {
    const at = ms(answer.hs_submission_timestamp);
    if (at < cutoff && at > npsAt) [nps, npsAt] = [Number(answer.hs_response_value), at];
  }
  let sessionsNow = 0;
  let sessionsBefore = 0;
  let minutesNow = 0;
  let minutesBefore = 0;
  let lastUse = since;
  for (const event of usage) {
    const at = event.occurredAt.getTime();
    if (event.type !== 'session' || at >= cutoff) continue;
    lastUse = Math.max(lastUse, at);
    if (recent(at, 28)) [sessionsNow, minutesNow] = [sessionsNow + 1, minutesNow + event.minutes];
    else if (recent(at, 84))
      [sessionsBefore, minutesBefore] = [sessionsBefore + 1, minutesBefore + event.minutes];
  }
  const tenureDays = (cutoff - since) / DAY;
  const daysToRenewal = (Math.ceil(tenureDays / 365.25) * 365.25 - tenureDays) % 365.25;
  return [
    Math.log1p(tenureDays),
    sent ? opened / sent : 0.5,
    opened,
    replies,
    Math.log1p((cutoff - lastOpen) / DAY),
    tickets,
    urgent,
    openTickets,
    nps,
    sessionsNow,
    sessionsBefore / 2,
    Math.log1p(minutesNow) - Math.log1p(minutesBefore / 2),
    Math.log1p((cutoff - lastUse) / DAY),
    contact.billing_period === 'monthly' ? 1 : 0,
    contact.billing_period === 'annual' && daysToRenewal < 100 ? 1 : 0,
  ];
}

describe('the generated churn', () => {
  it('is learnable but not trivial from what the CRM shows (ROC-AUC 0.70–0.90 on a held-out half)', () => {
    const portal = new SandboxStore().createPortal(55);
    generatePortal(portal, { contacts: 4000, seed: 1234, now: NOW });
    const usageOf = new Map<string, UsageEvent[]>();
    for (const event of portal.usage) {
      const list = usageOf.get(event.contactId);
      if (list) list.push(event);
      else usageOf.set(event.contactId, [event]);
    }

    const train = { rows: [] as number[][], labels: [] as boolean[] };
    const test = { rows: [] as number[][], labels: [] as boolean[] };
    for (const cutoff of CUTOFFS) {
      for (const [id, truth] of portal.truth) {
        const row = aggregates(portal, usageOf.get(id) ?? [], id, cutoff);
        if (!row) continue;
        // Decided by the end of the horizon: including those who already made up their minds
        // but whose churn the CRM does not show yet.
        const label = truth.churnDecidedAt !== null && truth.churnDecidedAt.getTime() <= cutoff + HORIZON;
        // Split by customer, so no one is in both halves.
        const half = Number(id) % 2 === 0 ? train : test;
        half.rows.push(row);
        half.labels.push(label);
      }
    }
    const positives = test.labels.filter(Boolean).length;
    expect(positives).toBeGreaterThan(150);
    expect(positives / test.labels.length).toBeLessThan(0.2);

    const model = trainLogistic(train.rows, train.labels, { l2: 0.01, iterations: 400 });
    const auc = rocAuc(
      test.rows.map((row) => model.predict(row)),
      test.labels,
    );
    console.log(`held-out ROC-AUC of a logistic regression on CRM aggregates: ${auc.toFixed(3)}`);
    expect(auc).toBeGreaterThan(0.7);
    expect(auc).toBeLessThan(0.9);
  });
});

describe('the measuring tools', () => {
  it('rank like ROC-AUC should: 1 when perfect, 0 when reversed, ½ on ties', () => {
    const labels = [false, false, true, true];
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], labels)).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], labels)).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], labels)).toBe(0.5);
    expect(rocAuc([0.1, 0.6, 0.4, 0.9], labels)).toBe(0.75);
  });

  it('fit a logistic regression that finds the signal and ignores noise', () => {
    const rows: number[][] = [];
    const labels: boolean[] = [];
    for (let i = 0; i < 2000; i++) {
      const signal = ((i * 7919) % 1000) / 100 - 5;
      const noise = ((i * 104729) % 997) / 99.7;
      rows.push([signal, 1000 + noise]);
      labels.push(signal + Math.sin(i) * 2 > 0);
    }
    const model = trainLogistic(rows, labels);
    expect(model.weights[0]).toBeGreaterThan(0.5);
    expect(Math.abs(model.weights[1]!)).toBeLessThan(0.05);
    expect(model.predict([4, 1005])).toBeGreaterThan(0.9);
    expect(model.predict([-4, 1005])).toBeLessThan(0.1);
  });
});
