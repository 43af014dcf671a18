import { describe, it, expect, beforeAll } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  loadRavenStack,
  parseCsv,
  RavenStackFormatError,
  type LoadSummary,
} from '../../sandbox/ravenstack.js';
import { historyOf } from '../../sandbox/property-history.js';
import { SandboxStore, type CrmRecord, type PortalData } from '../../sandbox/store.js';

const DIR = fileURLToPath(new URL('../../../shared/datasets/behavioural/', import.meta.url));
const present = existsSync(join(DIR, 'ravenstack_accounts.csv'));
if (!present) console.warn(`RavenStack data absent (${DIR}): loader tests skipped`);
const withData = present ? describe : describe.skip;

/** Data rows of a RavenStack table, parsed independently of the loader. */
function table(name: string): Record<string, string>[] {
  const [header, ...rows] = readFileSync(join(DIR, `ravenstack_${name}.csv`), 'utf8')
    .trim()
    .split(/\r?\n/)
    .map((line) => line.split(','));
  return rows.map((cells) => Object.fromEntries(header!.map((column, i) => [column, cells[i] ?? ''])));
}

describe('CSV parsing', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, over LF or CRLF', () => {
    const text = '\ufeffid,text,n\r\n1,"Hello, ""world""",3\r\n2,"two\nlines",\r\n3,plain,5';
    expect(parseCsv(text)).toEqual([
      ['id', 'text', 'n'],
      ['1', 'Hello, "world"', '3'],
      ['2', 'two\nlines', ''],
      ['3', 'plain', '5'],
    ]);
    expect(parseCsv('a,b\n1,2\n\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(() => parseCsv('a\n"open')).toThrow(RavenStackFormatError);
  });
});

withData('RavenStack loader', () => {
  let portal: PortalData;
  let summary: LoadSummary;
  const NOW = new Date('2026-06-01T00:00:00.000Z');

  beforeAll(() => {
    portal = new SandboxStore().createPortal(606);
    summary = loadRavenStack(portal, { dir: DIR, now: NOW });
  });

  it('turns every row into a record: counts match the CSV files', () => {
    const accounts = table('accounts').length;
    expect(portal.recordsOf('companies').size).toBe(accounts);
    expect(portal.recordsOf('contacts').size).toBe(accounts);
    expect(portal.recordsOf('deals').size).toBe(table('subscriptions').length);
    expect(portal.recordsOf('tickets').size).toBe(table('support_tickets').length);
    expect(portal.usage.size).toBe(table('feature_usage').length);
    expect(portal.recordsOf('feedback_submissions').size).toBe(table('churn_events').length);
    expect(summary).toMatchObject({ companies: accounts, contacts: accounts, usageEvents: 25000 });
    const industries = new Set([...portal.recordsOf('companies').values()].map((c) => c.properties.industry));
    expect([...industries].filter((i) => !/^[A-Z_]+$/.test(i ?? ''))).toEqual([]);
  });

  it('shows churned accounts as former customers from their last churn date', () => {
    const churnDates = new Map<string, string>();
    for (const event of table('churn_events')) {
      if ((churnDates.get(event.account_id!) ?? '') < event.churn_date!)
        churnDates.set(event.account_id!, event.churn_date!);
    }
    const flagged = table('accounts').filter((a) => a.churn_flag === 'TRUE');
    expect(summary.churnedAccounts).toBe(flagged.length);
    const contacts = [...portal.recordsOf('contacts').values()];
    const byCompany = new Map(contacts.map((c) => [c.properties.company, c]));
    for (const account of flagged) {
      const contact = byCompany.get(account.account_name)!;
      expect(contact.properties.lifecyclestage).toBe('other');
      const churnDay = churnDates.get(account.account_id!);
      if (churnDay) {
        const shifted = new Date(Date.parse(churnDay) + summary.shiftDays * 86_400_000).toISOString();
        expect(contact.properties.hs_lifecyclestage_other_date).toBe(shifted);
      }
    }
    const stillCustomers = contacts.filter((c) => c.properties.lifecyclestage === 'customer');
    expect(stillCustomers).toHaveLength(table('accounts').length - flagged.length);
  });

  it("dates each account's lifecycle in its contact's and company's property history", () => {
    const companies = new Map([...portal.recordsOf('companies').values()].map((c) => [c.properties.name, c]));
    const contacts = [...portal.recordsOf('contacts').values()];
    const left = contacts.filter((c) => c.properties.lifecyclestage === 'other');
    expect(left.length).toBe(summary.churnedAccounts);
    const stages = (record: CrmRecord) =>
      historyOf(record, 'lifecyclestage').map((e) => [e.value, e.timestamp]);
    for (const contact of left) {
      const since = new Date(contact.properties.hs_lifecyclestage_customer_date!);
      const until = new Date(contact.properties.hs_lifecyclestage_other_date!);
      const story = [
        ['other', until],
        ['customer', since],
        ['lead', since],
      ];
      expect(stages(contact)).toEqual(story);
      expect(stages(companies.get(contact.properties.company)!)).toEqual(story);
      expect(historyOf(contact, 'hs_lifecyclestage_other_date').map((e) => e.timestamp)).toEqual([until]);
    }
    const stayed = contacts.find((c) => c.properties.lifecyclestage === 'customer')!;
    const since = new Date(stayed.properties.hs_lifecyclestage_customer_date!);
    expect(stages(stayed)).toEqual([
      ['customer', since],
      ['lead', since],
    ]);
  });

  it('moves the dates so the data ends at now, and keeps the feedback text', () => {
    const usageEnd = Math.max(...[...portal.usage].map((e) => e.occurredAt.getTime()));
    expect(usageEnd).toBeLessThanOrEqual(NOW.getTime());
    expect(NOW.getTime() - usageEnd).toBeLessThan(2 * 86_400_000);
    const comments = new Set(
      [...portal.recordsOf('feedback_submissions').values()].map((f) => f.properties.hs_content),
    );
    for (const text of new Set(table('churn_events').map((c) => c.feedback_text)))
      expect(comments.has(text)).toBe(true);
  });

  it('associates deals, tickets and exit surveys with the account contact and company', () => {
    for (const type of ['deals', 'tickets', 'feedback_submissions'] as const) {
      for (const record of portal.recordsOf(type).values()) {
        expect(portal.associationsOf(type, record.id, 'contacts')).toHaveLength(1);
      }
    }
    const contact = [...portal.recordsOf('contacts').values()][0]!;
    const company = portal.associationsOf('contacts', contact.id, 'companies')[0]!;
    expect(portal.associationsOf('companies', company.toId, 'deals').length).toBe(
      portal.associationsOf('contacts', contact.id, 'deals').length,
    );
  });

  it('rejects a damaged file with its name, line and column, and loads nothing', () => {
    const broken = mkdtempSync(join(tmpdir(), 'ravenstack-'));
    try {
      cpSync(DIR, broken, { recursive: true });
      const file = join(broken, 'ravenstack_support_tickets.csv');
      const lines = readFileSync(file, 'utf8').split('\n');
      lines[3] = lines[3]!.replace(/,(low|medium|high|urgent),/, ',sometimes,');
      writeFileSync(file, lines.join('\n'));
      const empty = new SandboxStore().createPortal(607);
      expect(() => loadRavenStack(empty, { dir: broken })).toThrow(/support_tickets\.csv line 4: priority/);
      expect(empty.recordsOf('contacts').size).toBe(0);

      writeFileSync(file, readFileSync(join(DIR, 'ravenstack_support_tickets.csv')));
      const churns = join(broken, 'ravenstack_churn_events.csv');
      writeFileSync(churns, readFileSync(churns, 'utf8').replace(/\nC-(\w+),A-\w+,/, '\nC-$1,A-nobody,'));
      expect(() => loadRavenStack(empty, { dir: broken })).toThrow(/not in the data/);
      expect(empty.recordsOf('contacts').size).toBe(0);

      // A history runs forward: an account cannot leave before it signed up.
      const flagged = new Set(
        table('accounts')
          .filter((a) => a.churn_flag === 'TRUE')
          .map((a) => a.account_id),
      );
      const leaver = table('churn_events').find((c) => flagged.has(c.account_id))!.account_id!;
      const original = readFileSync(join(DIR, 'ravenstack_churn_events.csv'), 'utf8');
      writeFileSync(
        churns,
        original.replaceAll(new RegExp(`,${leaver},\\d{4}-\\d{2}-\\d{2},`, 'g'), `,${leaver},2000-01-01,`),
      );
      expect(() => loadRavenStack(empty, { dir: broken })).toThrow(
        new RegExp(`${leaver} churned on 2000-01-01, before it signed up`),
      );
      expect(empty.recordsOf('contacts').size).toBe(0);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});
