import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import { AppError } from '../../server/errors.js';
import { scoreSentiments, type SentimentScore } from '../../server/features/sentiment/index.js';
import { parseCsv } from '../../server/csv/read-csv.js';

/** A text to score and the file line it came from, so output can be matched back to the input. */
interface InputText {
  line: number;
  text: string;
}

/** An input the user must fix: printed as one line, with a non-zero exit. */
class SentimentInputError extends Error {}

const optionsSchema = z
  .object({
    csv: z.string().min(1, '--csv needs a file name').optional(),
    text: z.string().min(1, '--text needs a column name').optional(),
    textFile: z.string().min(1, '--text-file needs a file name').optional(),
    json: z.boolean().default(false),
  })
  .refine((o) => (o.csv === undefined) !== (o.textFile === undefined), {
    message: 'give either --csv FILE --text COLUMN or --text-file FILE',
  })
  .refine((o) => o.csv === undefined || o.text !== undefined, {
    message: '--csv needs --text COLUMN: the column that holds the text to score',
  })
  .refine((o) => o.textFile === undefined || o.text === undefined, {
    message: '--text names a CSV column; with --text-file every line is a text',
  });

export function registerSentiment(program: Command): void {
  program
    .command('sentiment')
    .description('Score the sentiment of texts: compound score in [-1, 1] and negative/neutral/positive')
    .option('--csv <file>', 'a CSV file with a header line')
    .option('--text <column>', 'the CSV column holding the text')
    .option('--text-file <file>', 'a text file, one text per line (blank lines are skipped)')
    .option('--json', 'print JSON lines, one object per text, instead of a table')
    .action(async (raw: unknown) => {
      const parsed = optionsSchema.safeParse(raw);
      if (!parsed.success) {
        fail(parsed.error.issues.map((issue) => issue.message).join('; '), 2);
      }
      const options = parsed.data;
      try {
        const inputs = options.csv
          ? readCsvTexts(options.csv, await readInput(options.csv), options.text!)
          : readLineTexts(options.textFile!, await readInput(options.textFile!));
        const scores = scoreSentiments(inputs.map((input) => input.text));
        process.stdout.write(options.json ? asJsonLines(inputs, scores) : asTable(inputs, scores));
      } catch (error) {
        if (error instanceof SentimentInputError || error instanceof AppError) fail(error.message, 1);
        throw error;
      }
    });
}

async function readInput(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a folder'
          : code === 'EACCES'
            ? 'permission denied'
            : (error as Error).message;
    throw new SentimentInputError(`cannot read ${file}: ${why}`);
  }
}

function readCsvTexts(file: string, content: string, column: string): InputText[] {
  const table = parseCsv(content, file);
  const index = table.header.indexOf(column);
  if (index < 0) {
    throw new SentimentInputError(`${file} has no column "${column}" (columns: ${table.header.join(', ')})`);
  }
  return table.rows.map((row, r) => ({ line: table.lines[r]!, text: row[index]! }));
}

function readLineTexts(file: string, content: string): InputText[] {
  const texts = content
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((text, i) => ({ line: i + 1, text }))
    .filter((input) => input.text.trim() !== '');
  if (texts.length === 0) throw new SentimentInputError(`${file} is empty: no text to score`);
  return texts;
}

function asJsonLines(inputs: InputText[], scores: SentimentScore[]): string {
  return inputs
    .map((input, i) => `${JSON.stringify({ line: input.line, ...scores[i]!, text: input.text })}\n`)
    .join('');
}

const TEXT_WIDTH = 60;

function asTable(inputs: InputText[], scores: SentimentScore[]): string {
  const lineWidth = Math.max(4, String(inputs.at(-1)?.line ?? 0).length);
  const rows = inputs.map((input, i) => {
    const { compound, label } = scores[i]!;
    const text = input.text.replace(/\s+/g, ' ').trim();
    const shown = text.length > TEXT_WIDTH ? `${text.slice(0, TEXT_WIDTH - 1)}…` : text;
    return `${String(input.line).padStart(lineWidth)}  ${compound.toFixed(4).padStart(8)}  ${label.padEnd(8)}  ${shown}`;
  });
  const counts = { negative: 0, neutral: 0, positive: 0 };
  for (const score of scores) counts[score.label]++;
  return [
    `${'line'.padStart(lineWidth)}  compound  label     text`,
    ...rows,
    `${inputs.length} texts: ${counts.negative} negative, ${counts.neutral} neutral, ${counts.positive} positive`,
    '',
  ].join('\n');
}

function fail(message: string, exitCode: number): never {
  process.stderr.write(`churn sentiment: ${message}\n`);
  process.exit(exitCode);
}
