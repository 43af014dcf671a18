/**
 * CSV in the dialect a Bulk API 2.0 job asked for: its column delimiter (COMMA, TAB, PIPE,
 * SEMICOLON, CARET, BACKQUOTE) and line ending (LF, CRLF). Rows arrive as RFC 4180 CSV with commas
 * and `\n`; each field is read and written again, quoted when it holds the new delimiter, a quote
 * or a line break.
 */

export const COLUMN_DELIMITERS = {
  BACKQUOTE: '`',
  CARET: '^',
  COMMA: ',',
  PIPE: '|',
  SEMICOLON: ';',
  TAB: '\t',
} as const;
export type ColumnDelimiter = keyof typeof COLUMN_DELIMITERS;

export const LINE_ENDINGS = { LF: '\n', CRLF: '\r\n' } as const;
export type LineEnding = keyof typeof LINE_ENDINGS;

/** Splits RFC 4180 text (commas, `\n` between rows) into rows of fields. */
function parseRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char !== '"') field += char;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  if (field !== '' || row.length) rows.push([...row, field]);
  return rows;
}

/** `csv` (commas and `\n`) written again with the job's delimiter and line ending. */
export function toDialect(csv: string, delimiter: ColumnDelimiter, lineEnding: LineEnding): string {
  if (delimiter === 'COMMA' && lineEnding === 'LF') return csv;
  const separator = COLUMN_DELIMITERS[delimiter];
  const newline = LINE_ENDINGS[lineEnding];
  const quote = (value: string) =>
    value.includes(separator) || /["\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
  return parseRows(csv)
    .map((row) => row.map(quote).join(separator) + newline)
    .join('');
}
