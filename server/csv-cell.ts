/**
 * Cells of the CSV files this product writes (the at-risk export, `churn score`). Text that a
 * spreadsheet would run as a formula is written with a leading apostrophe, after OWASP's rule for
 * CSV injection: a cell starting with =, +, -, @, a tab or a carriage return. Quoting follows
 * RFC 4180.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** Text made inert for a spreadsheet: a leading apostrophe where it could start a formula. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * One cell: empty for a missing value, a number as a number (a negative one too, since the
 * spreadsheet reads it as a value), text made inert and quoted when it holds a comma, quote or
 * line break.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const safe = neutraliseFormula(value);
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One line of cells, comma-separated. */
export function csvLine(values: readonly (string | number | null | undefined)[]): string {
  return values.map(csvCell).join(',');
}
