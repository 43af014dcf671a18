/**
 * Reads the RavenStack CSV files: a small RFC 4180 parser, then each row checked against its
 * table's columns with zod, so a damaged file fails with its name, line and column.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export class RavenStackFormatError extends Error {
  readonly code = 'RAVENSTACK_FORMAT';
}

/** Parses RFC 4180 CSV: quoted fields with commas, doubled quotes and line breaks; LF or CRLF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let i = start; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') field += text[i++];
      else quoted = false;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (quoted) throw new RavenStackFormatError('unterminated quoted field');
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows.filter((r) => r.length > 1 || r[0] !== '');
}

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a YYYY-MM-DD date');
const flag = z.enum(['TRUE', 'FALSE']).transform((v) => v === 'TRUE');
const count = z.coerce.number().finite().nonnegative();

const ACCOUNT = z.object({
  account_id: z.string().min(1),
  account_name: z.string().min(1),
  industry: z.string(),
  country: z.string(),
  signup_date: day,
  plan_tier: z.string().min(1),
  seats: count,
  churn_flag: flag,
});
const SUBSCRIPTION = z.object({
  subscription_id: z.string().min(1),
  account_id: z.string().min(1),
  start_date: day,
  plan_tier: z.string().min(1),
  mrr_amount: count,
  arr_amount: count,
  billing_frequency: z.enum(['monthly', 'annual']),
});
const USAGE = z.object({
  usage_id: z.string().min(1),
  subscription_id: z.string().min(1),
  usage_date: day,
  feature_name: z.string().min(1),
  usage_duration_secs: count,
});
const TICKET = z.object({
  ticket_id: z.string().min(1),
  account_id: z.string().min(1),
  submitted_at: day,
  closed_at: day.or(z.literal('')),
  resolution_time_hours: count.or(z.literal('')),
  priority: z.enum(['low', 'medium', 'high', 'urgent']),
  first_response_time_minutes: count.or(z.literal('')),
  satisfaction_score: z.string(),
  escalation_flag: flag,
});
const CHURN = z.object({
  churn_event_id: z.string().min(1),
  account_id: z.string().min(1),
  churn_date: day,
  reason_code: z.string(),
  feedback_text: z.string(),
});

function readTable<S extends z.ZodObject>(dir: string, name: string, schema: S): z.infer<S>[] {
  const file = join(dir, `ravenstack_${name}.csv`);
  const [header, ...rows] = parseCsv(readFileSync(file, 'utf8'));
  if (!header) throw new RavenStackFormatError(`${file} is empty`);
  return rows.map((cells, i) => {
    const parsed = schema.safeParse(Object.fromEntries(header.map((column, j) => [column, cells[j] ?? ''])));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new RavenStackFormatError(`${file} line ${i + 2}: ${issue.path.join('.')}: ${issue.message}`);
    }
    return parsed.data;
  });
}

export interface RavenStackTables {
  accounts: z.infer<typeof ACCOUNT>[];
  subscriptions: z.infer<typeof SUBSCRIPTION>[];
  usage: z.infer<typeof USAGE>[];
  tickets: z.infer<typeof TICKET>[];
  churns: z.infer<typeof CHURN>[];
}

export function readRavenStack(dir: string): RavenStackTables {
  return {
    accounts: readTable(dir, 'accounts', ACCOUNT),
    subscriptions: readTable(dir, 'subscriptions', SUBSCRIPTION),
    usage: readTable(dir, 'feature_usage', USAGE),
    tickets: readTable(dir, 'support_tickets', TICKET),
    churns: readTable(dir, 'churn_events', CHURN),
  };
}

/** Every row must point at an account (or subscription) that exists, before anything is written. */
export function checkReferences(tables: RavenStackTables): void {
  const accounts = new Set(tables.accounts.map((a) => a.account_id));
  const subscriptions = new Set(tables.subscriptions.map((s) => s.subscription_id));
  const orphan =
    tables.subscriptions.find((s) => !accounts.has(s.account_id))?.subscription_id ??
    tables.tickets.find((t) => !accounts.has(t.account_id))?.ticket_id ??
    tables.churns.find((c) => !accounts.has(c.account_id))?.churn_event_id ??
    tables.usage.find((u) => !subscriptions.has(u.subscription_id))?.usage_id;
  if (orphan)
    throw new RavenStackFormatError(`${orphan} refers to an account or subscription that is not in the data`);
}
