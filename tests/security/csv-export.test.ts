import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { csvCell } from '../../server/csv-cell.js';
import { syntheticCustomers, toCsv } from '../model/synthetic.js';
import { dashboardCall } from '../support/dashboard-session.js';
import { CHURN_BIN, HUNG_WAIT_MS, ROOT, tempDir } from '../support/processes.js';
import { startSignedInProduct, type SignedInProduct } from '../support/signed-in-product.js';

const HUB = 932;
/** Text a spreadsheet would run: each of OWASP's formula starts. */
const FORMULAS = ['=1+2', '+1+2', '-1+2', '@SUM(A1:A2)', '\t=1+2', '\r=1+2'];
/** What may never start a cell of a file we write. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** The cells of an RFC 4180 CSV text (quoted fields may hold commas, quotes and line breaks). */
function parseCsvCells(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endRow = () => {
    row.push(cell);
    rows.push(row);
    row = [];
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') endRow();
    else if (c === '\r' && text[i + 1] === '\n') {
      i++;
      endRow();
    } else cell += c;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

let running: SignedInProduct;

beforeAll(async () => {
  running = await startSignedInProduct(HUB, 12);
  const db = running.product.ctx.db.db;
  for (const [i, formula] of FORMULAS.entries()) {
    await db
      .updateTable('contacts')
      .set({ email: formula, first_name: formula })
      .where('portal_id', '=', running.portalId)
      .where('id', '=', `s${i + 1}`)
      .execute();
  }
}, 300_000);
afterAll(async () => {
  await running?.close();
});

describe('a cell a spreadsheet would run as a formula', () => {
  it.each(FORMULAS)('is written inert, with a leading apostrophe: %j', (formula) => {
    const [[cell]] = parseCsvCells(`${csvCell(formula)}\n`) as [[string]];
    expect(cell).toBe(`'${formula}`);
  });

  it('numbers stay numbers, a negative one too', () => {
    expect(csvCell(-0.25)).toBe('-0.25');
    expect(csvCell('plain text')).toBe('plain text');
  });
});

describe('the at-risk export', () => {
  it('never starts a cell with =, +, -, @, a tab or a carriage return', async () => {
    const answer = await dashboardCall(
      running.product.url,
      running.session,
      `/api/v1/portals/${running.portalId}/at-risk.csv?tier=high,medium,low`,
    );
    expect(answer.status).toBe(200);
    const [header, ...rows] = parseCsvCells(answer.text);
    const emailAt = header!.indexOf('email');
    const emails = rows.map((row) => row[emailAt]);
    for (const formula of FORMULAS) expect(emails).toContain(`'${formula}`);
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(FORMULA_START);
  });
});

describe('churn score', () => {
  it('writes ids a spreadsheet would run with a leading apostrophe', async () => {
    const dir = tempDir('churn-security-score-');
    const file = (name: string, content: string) => {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    };
    const modelPath = join(dir, 'model.json');
    const train = await churn([
      'train',
      '--csv',
      file('train.csv', toCsv(syntheticCustomers(300, 61))),
      '--label',
      'churned',
      '--id',
      'id',
      '--family',
      'logistic',
      '--inner-folds',
      '3',
      '--out',
      modelPath,
    ]);
    expect(train.code).toBe(0);
    const fresh = syntheticCustomers(FORMULAS.length, 62).map(({ churned: _, ...rest }, i) => ({
      ...rest,
      id: FORMULAS[i]!,
    }));
    // The ids quoted as CSV, so the tab and carriage return reach the scorer as they are.
    const input = toCsv(fresh as never)
      .split('\n')
      .map((line, i) => (i === 0 || !line ? line : line.replace(/^[^,]*/, `"${FORMULAS[i - 1]!}"`)))
      .join('\n');
    const run = await churn(['score', '--csv', file('new.csv', input), '--model', modelPath]);
    expect(run.code).toBe(0);
    const [, ...rows] = parseCsvCells(run.stdout);
    expect(rows).toHaveLength(FORMULAS.length);
    // Each id as read from the input, made inert.
    for (const row of rows) expect(row[0]).toMatch(/^'[=+\-@\t\r]/);
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(FORMULA_START);
  }, 300_000);
});

/** `node bin/churn.js …args`, with stdout and stderr apart. */
function churn(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CHURN_BIN, ...args],
      { cwd: ROOT, timeout: HUNG_WAIT_MS },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
