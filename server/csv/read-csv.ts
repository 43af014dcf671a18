/**
 * Reading CSV files for the whole product: RFC 4180 (quoted fields, doubled quotes, CRLF or LF,
 * a leading byte-order mark) through csv-parse, into a table of text cells whose rows know the
 * file line they start on. A file is read as a stream, so only the table is held, never the text.
 * Every row must have as many fields as the header; blank lines are skipped; errors name the line.
 */
import { createReadStream } from 'node:fs';
import { parse, type Options } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { AppError } from '../errors.js';

/** A CSV file as text cells: the header, then each data row with the file line it starts on. */
export interface CsvTable {
  /** How errors name the file. */
  source: string;
  header: string[];
  rows: string[][];
  /** 1-based line in the file where each data row starts (quoted fields may span lines). */
  lines: number[];
}

/** A file that is not a table: empty, malformed, a bad header or a ragged row. */
export class CsvFormatError extends AppError {
  constructor(
    code: 'csv_empty' | 'csv_malformed' | 'csv_header' | 'csv_ragged' | 'file_unreadable',
    message: string,
    readonly where: { line?: number; column?: string } = {},
  ) {
    super(400, code, message, where);
  }
}

const OPTIONS: Options = {
  bom: true,
  info: true,
  // Each record's own text, to count the lines it spans (csv-parse's line count takes a CRLF
  // inside a quoted field for two lines).
  raw: true,
  // Checked here, so the message names the row's first line and both counts.
  relax_column_count: true,
  // A quote inside an unquoted field (5'10") is kept as text.
  relax_quotes: true,
  skip_empty_lines: true,
};

interface ParsedRecord {
  record: string[];
  raw: string;
}

/** Collects records into a table, checking the header and each row as they come. */
class TableBuilder {
  private header: string[] | null = null;
  private readonly rows: string[][] = [];
  private readonly lines: number[] = [];
  /** One copy of each short repeated value ("Yes", "Month-to-month"): a big file's table stays small. */
  private readonly interned = new Map<string, string>();
  /** Line breaks in the text of the records read so far. */
  private breaks = 0;

  constructor(private readonly source: string) {}

  private intern(cell: string): string {
    if (cell.length > 32) return cell;
    const known = this.interned.get(cell);
    if (known !== undefined) return known;
    if (this.interned.size < 200_000) this.interned.set(cell, cell);
    return cell;
  }

  add({ record, raw }: ParsedRecord): void {
    // Blank lines skipped before the record come first in its text.
    const line = 1 + this.breaks + lineBreaks(raw, true);
    this.breaks += lineBreaks(raw, false);
    // A field of nothing but `""` on its own line holds no data.
    if (record.length === 1 && record[0] === '') return;
    if (!this.header) {
      this.header = readHeader(record, this.source);
      return;
    }
    if (record.length !== this.header.length) {
      throw new CsvFormatError(
        'csv_ragged',
        `${this.source}, line ${line}: ${record.length} fields, but the header has ${this.header.length}`,
        { line },
      );
    }
    for (let i = 0; i < record.length; i++) record[i] = this.intern(record[i]!);
    this.rows.push(record);
    this.lines.push(line);
  }

  /** Where the record after the last one read starts (blank lines aside). */
  nextLine(): number {
    return 1 + this.breaks;
  }

  finish(): CsvTable {
    if (!this.header) {
      throw new CsvFormatError('csv_empty', `${this.source} is empty: expected a header line and data rows`);
    }
    if (this.rows.length === 0) {
      throw new CsvFormatError('csv_empty', `${this.source} has a header but no data rows`, { line: 2 });
    }
    return { source: this.source, header: this.header, rows: this.rows, lines: this.lines };
  }
}

function readHeader(record: string[], source: string): string[] {
  const header = record.map((name) => name.trim());
  const seen = new Set<string>();
  header.forEach((name, index) => {
    if (name === '') {
      throw new CsvFormatError('csv_header', `${source}: column ${index + 1} of the header has no name`, {
        line: 1,
      });
    }
    if (seen.has(name)) {
      throw new CsvFormatError('csv_header', `${source}: the header names column "${name}" twice`, {
        line: 1,
        column: name,
      });
    }
    seen.add(name);
  });
  return header;
}

/** CRLF, CR or LF, each one break: in all of `text`, or in its leading run of breaks only. */
function lineBreaks(text: string, leadingOnly: boolean): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 13) {
      count++;
      if (text.charCodeAt(i + 1) === 10) i++;
    } else if (ch === 10) count++;
    else if (leadingOnly) break;
  }
  return count;
}

/** csv-parse's own refusals (an unclosed quote, text after a closing quote), with their line. */
function malformed(error: unknown, source: string, builder: TableBuilder): CsvFormatError {
  if (error instanceof CsvFormatError) return error;
  if ((error as { code?: string }).code === 'CSV_QUOTE_NOT_CLOSED') {
    // csv-parse names the line the file ended on; the row to fix is the one the quote opened in.
    const line = builder.nextLine();
    return new CsvFormatError('csv_malformed', `${source}, line ${line}: a quoted field is never closed`, {
      line,
    });
  }
  const line = (error as { lines?: number }).lines;
  const what = (error as Error).message.replace(/^[A-Za-z ]+: /, '');
  return new CsvFormatError(
    'csv_malformed',
    `${source}${line ? `, line ${line}` : ''}: ${what.charAt(0).toLowerCase()}${what.slice(1)}`,
    line ? { line } : {},
  );
}

/** Reads CSV text already in memory. */
export function parseCsv(text: string, source = 'the file'): CsvTable {
  const builder = new TableBuilder(source);
  try {
    // Each record goes to the table as it is parsed (so an error knows where it stopped), and
    // none is kept twice.
    parseSync(text, {
      ...OPTIONS,
      // With `info` and `raw` on, csv-parse hands each record with its text (its types say cells).
      on_record: (record: string[]) => {
        builder.add(record as unknown as ParsedRecord);
        return null;
      },
    });
  } catch (error) {
    throw malformed(error, source, builder);
  }
  return builder.finish();
}

/** Reads a CSV file as a stream (bounded by the table it builds, not the file's text). */
export async function readCsvFile(path: string, source = path): Promise<CsvTable> {
  const builder = new TableBuilder(source);
  const parser = parse(OPTIONS);
  const file = createReadStream(path);
  // A file that cannot be read ends the parse with the file's error.
  file.on('error', (error) => parser.destroy(error));
  file.pipe(parser);
  try {
    for await (const record of parser as AsyncIterable<ParsedRecord>) builder.add(record);
  } catch (error) {
    parser.destroy();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      const why =
        code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : 'permission denied';
      throw new CsvFormatError('file_unreadable', `cannot read ${path}: ${why}`);
    }
    throw malformed(error, source, builder);
  }
  return builder.finish();
}
