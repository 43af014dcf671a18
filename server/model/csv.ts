import { ModelDataError } from './errors.js';

/** A CSV file as text cells: the header, then each data row with the file line it starts on. */
export interface CsvTable {
  /** How errors name the file. */
  source: string;
  header: string[];
  rows: string[][];
  /** 1-based line in the file where each data row starts (quoted fields may span lines). */
  lines: number[];
}

/**
 * Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF, a leading BOM). Every row must
 * have as many fields as the header; a blank line at the end is ignored. Errors name the line.
 */
export function parseCsv(text: string, source = 'the file'): CsvTable {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') {
    throw new ModelDataError('csv_empty', `${source} is empty: expected a header line and data rows`);
  }
  const records: string[][] = [];
  const lines: number[] = [];
  let field = '';
  let record: string[] = [];
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let i = 0;
  const n = text.length;
  const endRecord = () => {
    record.push(field);
    field = '';
    // A line holding nothing at all is skipped; a line of empty fields is a row of blanks.
    if (!(record.length === 1 && record[0] === '')) {
      records.push(record);
      lines.push(recordLine);
    }
    record = [];
  };
  while (i < n) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          throw new ModelDataError(
            'csv_malformed',
            `${source}, line ${line}: unexpected text after a closing quote`,
            { line },
          );
        }
        continue;
      }
      if (ch === '\n') line++;
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
      i++;
    } else if (ch === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (ch === '\r' || ch === '\n') {
      endRecord();
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
    } else {
      field += ch;
      i++;
    }
  }
  if (quoted) {
    throw new ModelDataError(
      'csv_malformed',
      `${source}, line ${recordLine}: a quoted field is never closed`,
      { line: recordLine },
    );
  }
  if (field !== '' || record.length > 0) endRecord();

  // Text of empty quoted fields only (`""`) holds no line at all.
  if (records.length === 0) {
    throw new ModelDataError('csv_empty', `${source} is empty: expected a header line and data rows`);
  }
  const header = records.shift()!.map((name) => name.trim());
  lines.shift();
  const seen = new Set<string>();
  header.forEach((name, index) => {
    if (name === '') {
      throw new ModelDataError('csv_header', `${source}: column ${index + 1} of the header has no name`, {
        line: 1,
      });
    }
    if (seen.has(name)) {
      throw new ModelDataError('csv_header', `${source}: the header names column "${name}" twice`, {
        line: 1,
        column: name,
      });
    }
    seen.add(name);
  });
  if (records.length === 0) {
    throw new ModelDataError('csv_empty', `${source} has a header but no data rows`, { line: 2 });
  }
  records.forEach((row, r) => {
    if (row.length !== header.length) {
      throw new ModelDataError(
        'csv_ragged',
        `${source}, line ${lines[r]}: ${row.length} fields, but the header has ${header.length}`,
        { line: lines[r]! },
      );
    }
  });
  return { source, header, rows: records, lines };
}
