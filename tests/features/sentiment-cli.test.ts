import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { CHURN_BIN, HUNG_WAIT_MS, ROOT, tempDir } from '../support/processes.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node bin/churn.js sentiment …args` as a user would type it, with stdout and stderr apart. */
function churnSentiment(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CHURN_BIN, 'sentiment', ...args],
      // A bound for a hung process, not a speed verdict: a busy box only takes longer.
      { cwd: ROOT, timeout: HUNG_WAIT_MS },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function writeTemp(name: string, content: string): string {
  const path = join(tempDir('churn-sentiment-'), name);
  writeFileSync(path, content);
  return path;
}

const TICKETS = [
  'id,subject,body',
  '101,Export,"Still waiting for a fix, this is the third time I ask. Unacceptable!"',
  '102,Thanks,"Thank you so much, everything works great now."',
  '103,Invoice,"Invoice for March attached, see you on Monday."',
  // A quoted field spanning two lines, with a doubled quote inside.
  '104,Login,"I can\'t log in.',
  'The ""reset password"" link is broken."',
].join('\n');

describe('churn sentiment', () => {
  // Every run is a real process; they start together because each pays the CLI's start-up time.
  const dir = tempDir('churn-sentiment-');
  const tickets = writeTemp('tickets.csv', TICKETS);
  const missing = join(dir, 'nowhere.csv');
  let runs: Record<'json' | 'table' | 'noColumn' | 'unreadable' | 'empty' | 'noText', Run>;

  beforeAll(async () => {
    const [json, table, noColumn, unreadable, empty, noText] = await Promise.all([
      churnSentiment(['--csv', tickets, '--text', 'body', '--json']),
      churnSentiment([
        '--text-file',
        writeTemp('notes.txt', 'Terrible service, I want a refund.\n\nGreat onboarding call!\n'),
      ]),
      churnSentiment(['--csv', tickets, '--text', 'message']),
      churnSentiment(['--csv', missing, '--text', 'body']),
      churnSentiment(['--text-file', writeTemp('blank.txt', '\n  \n')]),
      churnSentiment(['--csv', tickets]),
    ]);
    runs = { json, table, noColumn, unreadable, empty, noText };
  }, 300_000);

  it("prints JSON lines with each row's line, compound score and label for a CSV column", () => {
    expect(runs.json).toMatchObject({ code: 0, stderr: '' });
    const rows = runs.json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { line: number; compound: number; label: string; text: string });
    expect(rows.map(({ line, label }) => ({ line, label }))).toEqual([
      { line: 2, label: 'negative' },
      { line: 3, label: 'positive' },
      { line: 4, label: 'neutral' },
      { line: 5, label: 'negative' },
    ]);
    expect(rows[3]!.text).toBe('I can\'t log in.\nThe "reset password" link is broken.');
    for (const row of rows) {
      expect(row.compound).toBeGreaterThanOrEqual(-1);
      expect(row.compound).toBeLessThanOrEqual(1);
    }
  });

  it('prints a table with a summary for a file of one text per line, skipping blank lines', () => {
    expect(runs.table.code).toBe(0);
    const lines = runs.table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\s*line\s+compound\s+label\s+text$/);
    expect(lines[1]).toMatch(/^\s*1\s+-0\.\d{4}\s+negative\s+Terrible service, I want a refund\.$/);
    expect(lines[2]).toMatch(/^\s*3\s+0\.\d{4}\s+positive\s+Great onboarding call!$/);
    expect(lines[3]).toBe('2 texts: 1 negative, 0 neutral, 1 positive');
  });

  it('names the missing column and the columns there are, and exits non-zero', () => {
    expect(runs.noColumn.code).not.toBe(0);
    expect(runs.noColumn.stdout).toBe('');
    expect(runs.noColumn.stderr.trim()).toBe(
      `churn sentiment: ${tickets} has no column "message" (columns: id, subject, body)`,
    );
  });

  it('says which file cannot be read, and which one holds no text, exiting non-zero', () => {
    expect(runs.unreadable.code).not.toBe(0);
    expect(runs.unreadable.stderr.trim()).toBe(`churn sentiment: cannot read ${missing}: no such file`);
    expect(runs.empty.code).not.toBe(0);
    expect(runs.empty.stdout).toBe('');
    expect(runs.empty.stderr.trim()).toMatch(/^churn sentiment: .*blank\.txt is empty: no text to score$/);
  });

  it('refuses a CSV without --text, saying what it needs', () => {
    expect(runs.noText.code).not.toBe(0);
    expect(runs.noText.stderr.trim()).toBe(
      'churn sentiment: --csv needs --text COLUMN: the column that holds the text to score',
    );
  });
});
