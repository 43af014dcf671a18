import { describe, it, expect, beforeAll } from '@jest/globals';
import {
  FORMER_CUSTOMER_STAGE,
  generatePortal,
  type GenerationSummary,
} from '../../sandbox/generator/index.js';
import { SandboxStore, type CrmRecord, type ObjectType, type PortalData } from '../../sandbox/store.js';

const DAY = 86_400_000;
const NOW = new Date('2026-03-01T00:00:00.000Z');
const CONTACTS = 3000;

const ms = (value: string | null | undefined): number => (value ? Date.parse(value) : NaN);

describe('generated customers look like a real portal', () => {
  let portal: PortalData;
  let summary: GenerationSummary;
  const progress: number[] = [];
  let changesSeen = 0;

  beforeAll(() => {
    const store = new SandboxStore();
    store.onAnyChange(() => changesSeen++);
    portal = store.createPortal(77);
    summary = generatePortal(portal, {
      contacts: CONTACTS,
      seed: 2024,
      now: NOW,
      onProgress: (done, total) => {
        expect(total).toBe(CONTACTS);
        progress.push(done);
      },
    });
  });

  const records = (type: ObjectType): CrmRecord[] => [...portal.recordsOf(type).values()];
  const contactOf = (type: ObjectType, id: string) => portal.associationsOf(type, id, 'contacts');

  it('loads quietly, reports progress to the end, and counts what it wrote', () => {
    expect(changesSeen).toBe(0);
    expect(portal.emitChanges).toBe(true);
    expect(progress.at(-1)).toBe(CONTACTS);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(summary.contacts).toBe(portal.recordsOf('contacts').size);
    expect(summary.tickets).toBe(portal.recordsOf('tickets').size);
    expect(summary.usageEvents).toBe(portal.usage.size);
    expect(summary.companies).toBeGreaterThan(CONTACTS * 0.2);
    expect(portal.properties.get('contacts')!.has('plan')).toBe(true);
  });

  it('churns roughly a fifth of its customers a year, shown as former customers', () => {
    const yearAgo = NOW.getTime() - 365 * DAY;
    let base = 0;
    let churned = 0;
    for (const contact of records('contacts')) {
      const since = ms(contact.properties.hs_lifecyclestage_customer_date);
      const left = ms(contact.properties.hs_lifecyclestage_other_date);
      if (!(since <= yearAgo) || left <= yearAgo) continue;
      base++;
      if (left <= NOW.getTime()) churned++;
    }
    expect(base).toBeGreaterThan(1000);
    expect(churned / base).toBeGreaterThan(0.15);
    expect(churned / base).toBeLessThan(0.25);
  });

  it('shows each churn weeks after the decision, as a lifecycle change and a lost renewal', () => {
    let visible = 0;
    for (const truth of portal.truth.values()) {
      const contact = portal.recordsOf('contacts').get(truth.contactId)!;
      if (!truth.churnVisibleAt) {
        expect(contact.properties.lifecyclestage).toBe('customer');
        continue;
      }
      visible++;
      const lag = truth.churnVisibleAt.getTime() - truth.churnDecidedAt!.getTime();
      expect(lag).toBeGreaterThanOrEqual(14 * DAY);
      expect(lag).toBeLessThanOrEqual(56 * DAY);
      expect(contact.properties.lifecyclestage).toBe(FORMER_CUSTOMER_STAGE);
      expect(contact.properties.hs_lifecyclestage_other_date).toBe(truth.churnVisibleAt.toISOString());
      const deals = portal.associationsOf('contacts', truth.contactId, 'deals');
      const lost = deals.map((d) => portal.recordsOf('deals').get(d.toId)!.properties);
      const renewedAfterDeciding = lost.filter(
        (d) => d.dealstage === 'closedwon' && ms(d.closedate) > truth.churnDecidedAt!.getTime(),
      );
      expect(renewedAfterDeciding).toEqual([]);
      expect(
        lost.some(
          (d) =>
            d.dealstage === 'closedlost' && d.closedate === contact.properties.hs_lifecyclestage_other_date,
        ),
      ).toBe(true);
    }
    expect(visible).toBe(summary.churnVisible);
  });

  it('changes behaviour once a customer has decided, before the CRM shows it', () => {
    const sessionsBefore = new Map<string, number>();
    const sessionsAfter = new Map<string, number>();
    const churners = [...portal.truth.values()].filter((t) => t.churnVisibleAt);
    const window = new Map(churners.map((t) => [t.contactId, t]));
    for (const event of portal.usage) {
      const truth = window.get(event.contactId);
      if (!truth || event.type !== 'session') continue;
      const at = event.occurredAt.getTime();
      const decided = truth.churnDecidedAt!.getTime();
      if (at >= decided - 12 * 7 * DAY && at < decided - 4 * 7 * DAY) {
        sessionsBefore.set(event.contactId, (sessionsBefore.get(event.contactId) ?? 0) + 1);
      } else if (at >= decided)
        sessionsAfter.set(event.contactId, (sessionsAfter.get(event.contactId) ?? 0) + 1);
    }
    let perWeekBefore = 0;
    let perWeekAfter = 0;
    for (const truth of churners) {
      perWeekBefore += (sessionsBefore.get(truth.contactId) ?? 0) / 8;
      const weeks = (truth.churnVisibleAt!.getTime() - truth.churnDecidedAt!.getTime()) / (7 * DAY);
      perWeekAfter += (sessionsAfter.get(truth.contactId) ?? 0) / weeks;
    }
    expect(perWeekAfter).toBeLessThan(perWeekBefore * 0.35);
  });

  it('sends emails that are opened at a plausible rate and sometimes answered', () => {
    const outgoing = records('emails').filter((e) => e.properties.hs_email_direction === 'EMAIL');
    const delivered = outgoing.filter((e) => e.properties.hs_email_status === 'SENT');
    const opened = delivered.filter((e) => e.properties.hs_email_open_count === '1');
    expect(opened.length / delivered.length).toBeGreaterThan(0.25);
    expect(opened.length / delivered.length).toBeLessThan(0.65);
    for (const email of opened.slice(0, 500)) {
      expect(ms(email.properties.hs_email_last_open_date)).toBeGreaterThan(ms(email.properties.hs_timestamp));
    }
    const replies = records('emails').filter((e) => e.properties.hs_email_direction === 'INCOMING_EMAIL');
    expect(replies.length).toBeGreaterThan(delivered.length * 0.03);
    expect(replies.every((r) => r.properties.hs_email_subject!.startsWith('Re: '))).toBe(true);
    expect(outgoing.some((e) => e.properties.hs_email_status === 'BOUNCED')).toBe(true);
  });

  it('files tickets at a plausible pace, with every priority, open and closed, some reopened', () => {
    const tickets = records('tickets');
    const customerYears = [...portal.truth.values()].reduce((sum, truth) => {
      const contact = portal.recordsOf('contacts').get(truth.contactId)!;
      const start = Math.max(ms(contact.properties.hs_lifecyclestage_customer_date), summary.from.getTime());
      const end = truth.churnVisibleAt?.getTime() ?? NOW.getTime();
      return sum + Math.max(0, end - start) / (365 * DAY);
    }, 0);
    expect(tickets.length / customerYears).toBeGreaterThan(0.8);
    expect(tickets.length / customerYears).toBeLessThan(4);
    const priorities = new Set(tickets.map((t) => t.properties.hs_ticket_priority));
    expect([...priorities].sort()).toEqual(['HIGH', 'LOW', 'MEDIUM', 'URGENT']);
    const closed = tickets.filter((t) => t.properties.hs_pipeline_stage === '4');
    expect(closed.length).toBeGreaterThan(tickets.length * 0.8);
    expect(closed.length).toBeLessThan(tickets.length);
    for (const ticket of closed)
      expect(ms(ticket.properties.closed_date)).toBeGreaterThan(ms(ticket.properties.createdate));
    expect(tickets.filter((t) => t.properties.reopen_count !== '0').length).toBeGreaterThan(
      tickets.length * 0.03,
    );
  });

  it('records NPS answers from 0 to 10, deals with amounts, and usage for customers only', () => {
    const scores = records('feedback_submissions').map((f) => Number(f.properties.hs_response_value));
    expect(scores.every((s) => Number.isInteger(s) && s >= 0 && s <= 10)).toBe(true);
    expect(new Set(scores).size).toBeGreaterThan(8);
    const deals = records('deals');
    expect(deals.every((d) => Number(d.properties.amount) > 0)).toBe(true);
    const salesPipeline = deals.filter((d) => d.properties.pipeline === 'default');
    expect(new Set(salesPipeline.map((d) => d.properties.dealstage))).toEqual(
      new Set(['closedwon', 'closedlost', 'contractsent']),
    );
    const prospects = records('contacts').filter((c) => !portal.truth.has(c.id));
    expect(prospects.length).toBeGreaterThan(0);
    expect(prospects.every((c) => c.properties.lifecyclestage !== 'customer')).toBe(true);
    const users = new Set([...portal.usage].map((e) => e.contactId));
    expect(prospects.some((c) => users.has(c.id))).toBe(false);
  });

  it('ties every email, ticket, deal and answer to one contact, and business records to the company', () => {
    const loose: string[] = [];
    let dealsOfDeleted = 0;
    for (const type of ['emails', 'tickets', 'deals', 'feedback_submissions'] as const) {
      for (const record of records(type)) {
        const contacts = contactOf(type, record.id);
        // A deal outlives its contact's deletion for privacy, as in HubSpot; nothing else does.
        if (type === 'deals' && contacts.length === 0) {
          dealsOfDeleted++;
          continue;
        }
        if (contacts.length !== 1) loose.push(`${type} ${record.id}: ${contacts.length} contacts`);
        if (type !== 'tickets' && type !== 'deals') continue;
        const company = portal.associationsOf('contacts', contacts[0]!.toId, 'companies')[0]?.toId;
        const linked = portal.associationsOf(type, record.id, 'companies').map((a) => a.toId);
        if (linked.join() !== (company ?? '')) loose.push(`${type} ${record.id}: companies ${linked.join()}`);
      }
    }
    expect(loose).toEqual([]);
    if (summary.deleted.length === 0) expect(dealsOfDeleted).toBe(0);
  });
});
