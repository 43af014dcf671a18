/**
 * What every fuzz test shares: how many runs and which seed (fixed unless FUZZ_RUNS / FUZZ_SEED
 * say otherwise), text that is hard to store or print, the checks every answer must pass, and a
 * tally of the answers per property that each file prints once.
 */
import { expect } from '@jest/globals';
import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../server/db/schema.js';
import { ROOT } from '../support/processes.js';

export const FUZZ_SEED = process.env.FUZZ_SEED
  ? Number(process.env.FUZZ_SEED)
  : process.env.FUZZ_RUNS
    ? Date.now() % 1_000_000_007
    : 20_260_515;

/**
 * The runs of a property: `FUZZ_RUNS` when set (never below the file's default), else the default. The default is small:
 * with a fixed seed every `npm test` tries the same inputs, so the wide search is its own run
 * (`npm run test:fuzz`, which also draws a new seed unless `FUZZ_SEED` is given).
 */
export function fuzzRuns(defaultRuns: number): number {
  const asked = Number(process.env.FUZZ_RUNS);
  // A wider search never tries fewer cases than the default (the in-process CSV reader's are large).
  return Number.isInteger(asked) && asked > 0 ? Math.max(asked, defaultRuns) : defaultRuns;
}

/** fast-check's settings for a property: the fixed seed (printed with any failure) and the runs. */
export function fuzzParameters(runs: number): fc.Parameters<unknown> {
  return { numRuns: runs, seed: FUZZ_SEED };
}

/**
 * Text that trips storage and printing: the NUL Postgres refuses in text and jsonb, unpaired
 * surrogates, control characters, any code point, very long runs, and words that name object
 * internals.
 */
export const nastyText: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  { weight: 2, arbitrary: fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfffy', 'ok\udbff') },
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfffy',
    '\ud83d\ude00',
    '\u202e\u0627\u0644',
    '\r\n',
    '__proto__',
    'constructor',
    'toString',
    '../../etc/passwd',
    "'; drop table portals; --",
    '%00',
    '%E0%A4%A',
    'null',
    'NaN',
    '1e309',
    '-0',
  ),
  fc.string({ minLength: 5_000, maxLength: 12_000 }).map((s) => s.padEnd(5_000, 'x')),
);

/** Numbers at the edges: past the safe integers, past what a Date holds, tiny, negative zero. */
export const edgeNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 2,
    8.64e15,
    8.64e15 + 1,
    1e20,
    1e300,
    -0,
    5e-324,
    2 ** 31,
    2 ** 63,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Any JSON value, with nasty text among its strings and keys. */
export const nastyJson: fc.Arbitrary<unknown> = fc.jsonValue({
  maxDepth: 3,
  stringUnit: fc.oneof(
    fc.constantFrom('\u0000', '\ud800', 'é', '"', '\\'),
    fc.string({ minLength: 1, maxLength: 1 }),
  ),
});

/** Bodies that are not JSON at all, or not whole. */
export const brokenJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom('', '[', '{"a":', '[{}', 'undefined', '\u0000', '\ufeff[]', 'NaN', '[1,]', "{'a':1}"),
  fc.json().map((text) => text.slice(0, Math.max(0, text.length - 1)) + '\u0000'),
);

/** Header values fetch can send: visible ASCII and spaces inside. */
export const headerText: fc.Arbitrary<string> = fc
  .string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 90 })
  .filter((s) => s.length > 0);

export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

export async function answerOf(response: Response): Promise<Answer> {
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

/** A frame of a stack trace, or a path on this machine, in what a client reads. */
const LEAKS = [
  /\n\s+at\s/,
  /\bat [\w.<>]+ \([^)]*:\d+:\d+\)/,
  /node_modules\//,
  /file:\/\//,
  /\.tsx?:\d+/,
  new RegExp(ROOT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
];

/** Nothing in the answer tells how the server is built: no stack frames, no paths. */
export function expectNoLeak(text: string): void {
  for (const leak of LEAKS) expect(text).not.toMatch(leak);
}

/** Never a server error; every answer free of stack traces and paths. */
export function expectNoServerError(answer: Answer): void {
  expect(answer.status).toBeGreaterThanOrEqual(200);
  if (answer.status >= 500) throw new Error(`server error ${answer.status}: ${answer.text.slice(0, 500)}`);
  expectNoLeak(answer.text);
}

/** A refusal in the project's shape: a 4xx, JSON `{ error: { code, message } }`, words a person reads. */
export function expectJsonRefusal(
  answer: Answer,
  status?: number | number[],
): { code: string; message: string } {
  expectNoServerError(answer);
  if (status === undefined) {
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
  } else {
    expect([status].flat()).toContain(answer.status);
  }
  expect(answer.contentType).toMatch(/^application\/json/);
  const body = JSON.parse(answer.text) as { error?: { code?: unknown; message?: unknown } };
  expect(body.error).toBeDefined();
  expect(body.error!.code).toMatch(/^[a-z][a-z0-9_]*$/);
  expect(typeof body.error!.message).toBe('string');
  const message = body.error!.message as string;
  expect(message.trim().length).toBeGreaterThan(0);
  expect(message).not.toContain('[object Object]');
  return { code: body.error!.code as string, message };
}

/** A success: 2xx and a JSON body. */
export function expectJsonSuccess<T = unknown>(
  answer: Answer,
  status: number | number[] = [200, 201, 202],
): T {
  expectNoServerError(answer);
  if (![status].flat().includes(answer.status)) {
    throw new Error(
      `expected ${[status].flat().join(' or ')}, got ${answer.status}: ${answer.text.slice(0, 500)}`,
    );
  }
  expect(answer.contentType).toMatch(/^application\/json/);
  return JSON.parse(answer.text) as T;
}

/** Counts the rows of each table: what a refused request must leave as it was. */
export async function rowCounts<T extends string>(
  db: Kysely<Database>,
  tables: readonly T[],
): Promise<Record<T, number>> {
  const counts = {} as Record<T, number>;
  for (const table of tables) {
    const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
    counts[table] = Number(rows[0]!.n);
  }
  return counts;
}

/** Answers seen by one property, by status, for the line each file prints. */
export class AnswerTally {
  readonly statuses = new Map<number, number>();
  runs = 0;

  /** `labels` names outcomes that are not HTTP statuses (read, refused). */
  constructor(
    readonly name: string,
    readonly labels: Record<number, string> = {},
  ) {}

  note(status: number): void {
    this.runs++;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
  }

  line(): string {
    const serverErrors = [...this.statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
    const byStatus = [...this.statuses]
      .sort(([a], [b]) => a - b)
      .map(([s, c]) => `${this.labels[s] ?? s}×${c}`)
      .join(' ');
    const errors = Object.keys(this.labels).length > 0 ? '' : `, ${serverErrors} server errors`;
    return `${this.name}: ${this.runs} runs${errors} (${byStatus})`;
  }
}

/** One line per property, printed once by the file (runs include fast-check's shrinking, if any). */
export function printTallies(file: string, tallies: AnswerTally[]): void {
  console.log([`${file} (seed ${FUZZ_SEED})`, ...tallies.map((t) => `  ${t.line()}`)].join('\n'));
}
