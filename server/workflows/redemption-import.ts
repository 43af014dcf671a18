/**
 * A billing system's CSV of offer redemptions (`code,redeemed_at,value`), as large as a year of
 * billing: read as it streams in, a batch of rows at a time, into staged rows (`receiving`, seen by
 * no one); a row that does not read stops the import with its line, and the staged rows go, so a
 * bad file changes nothing. A worker then applies the rows in batches (a few statements per
 * batch), keeping each row's outcome, so progress can be shown and a rerun after a crash redeems
 * nothing twice.
 */
import { parse } from 'csv-parse';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Writable } from 'node:stream';
import type { Database, RedemptionOutcome } from '../db/schema.js';
import { AppError, BadRequestError, NotFoundError, PayloadTooLargeError } from '../errors.js';
import { judgeRedemption, redemptionSchema } from './redemptions.js';
import { normaliseOfferCode } from './secrets.js';

/** Rows written per statement while the file streams in. */
const STAGE_BATCH = 1000;
/** Rows applied per transaction by the worker. */
export const APPLY_BATCH = 1000;
/** The largest file taken: about two million rows of `code,redeemed_at,value`. */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;
/** A CSV record longer than this is not a redemption. */
const MAX_RECORD_BYTES = 4096;
/** Refused rows listed in a report (all are counted). */
const REFUSED_LISTED = 100;

interface StagedRow {
  line: number;
  code: string;
  redeemedAt: Date | null;
  value: number | null;
}

/** Reads one CSV record into a redemption, or says which field is wrong on which line. */
function readRow(
  record: string[],
  line: number,
  columns: { code: number; date: number; value: number },
): StagedRow {
  const cell = (at: number) => (at >= 0 ? (record[at] ?? '').trim() : '');
  const input = {
    code: cell(columns.code),
    ...(cell(columns.date) ? { redeemedAt: cell(columns.date) } : {}),
    ...(cell(columns.value) ? { value: Number(cell(columns.value)) } : {}),
  };
  const result = redemptionSchema.safeParse(input);
  if (!result.success) {
    const first = result.error.issues[0]!;
    const field = first.path[0] === 'redeemedAt' ? 'redeemed_at' : first.path.join('.');
    throw new BadRequestError(`The redemptions CSV, line ${line}: ${field} ${first.message}.`);
  }
  return {
    line,
    code: normaliseOfferCode(result.data.code),
    redeemedAt: result.data.redeemedAt ?? null,
    value: result.data.value ?? null,
  };
}

async function insertStaged(
  db: Kysely<Database>,
  portalId: number,
  importId: number,
  rows: StagedRow[],
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('redemption_import_rows')
    .values(
      rows.map((r) => ({
        portal_id: portalId,
        import_id: importId,
        line: r.line,
        code: r.code,
        redeemed_at: r.redeemedAt,
        value: r.value,
        status: null,
        message: null,
      })),
    )
    .execute();
}

function drainedOrClosed(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** Counts the bytes that pass, and stops the stream past the limit. */
async function* limited(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  maxBytes: number,
) {
  let bytes = 0;
  for await (const chunk of source) {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (bytes > maxBytes) {
      throw new PayloadTooLargeError(
        `The redemptions CSV is larger than ${Math.round(maxBytes / 1024 / 1024)} MB; send it in parts.`,
      );
    }
    yield chunk;
  }
}

/**
 * Reads a redemptions CSV from a stream into a new import of the portal, waiting to be applied
 * (`queued`). Memory holds one batch of rows; a bad row or an oversized file throws (400 or 413)
 * and leaves nothing behind.
 */
export async function receiveRedemptionsCsv(
  db: Kysely<Database>,
  portalId: number,
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  options: { maxBytes?: number } = {},
): Promise<{ importId: number; rows: number }> {
  const { id: importId } = await db
    .insertInto('redemption_imports')
    .values({ portal_id: portalId, status: 'receiving' })
    .returning('id')
    .executeTakeFirstOrThrow();
  try {
    const parser = parse({
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: MAX_RECORD_BYTES,
      info: true,
    });
    const input = limited(source, options.maxBytes ?? MAX_IMPORT_BYTES);
    // The file is written into the parser while its records are read out below; either side
    // stopping (a bad row, a file too large) destroys the parser, which stops the other.
    const feeding = (async () => {
      try {
        for await (const chunk of input) {
          if (parser.destroyed) return;
          if (!parser.write(chunk)) await drainedOrClosed(parser);
        }
        if (!parser.destroyed) parser.end();
      } catch (error) {
        parser.destroy(error as Error);
      }
    })();
    let columns: { code: number; date: number; value: number } | null = null;
    let batch: StagedRow[] = [];
    let rows = 0;
    try {
      for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
        if (!columns) {
          const at = (name: string) => item.record.findIndex((h) => h.trim().toLowerCase() === name);
          columns = { code: at('code'), date: at('redeemed_at'), value: at('value') };
          if (columns.code < 0) throw new BadRequestError('The redemptions CSV needs a "code" column.');
          continue;
        }
        batch.push(readRow(item.record, item.info.lines, columns));
        rows++;
        if (batch.length === STAGE_BATCH) {
          await insertStaged(db, portalId, importId, batch);
          batch = [];
        }
      }
    } catch (error) {
      parser.destroy();
      if (error instanceof AppError) throw error;
      // csv-parse's own errors (an unclosed quote, a record too long) carry the line they stopped at.
      const line = (error as { lines?: number }).lines;
      throw new BadRequestError(
        `The redemptions CSV could not be read${line ? ` at line ${line}` : ''}: ${(error as Error).message.replace(/^Invalid Record Length: |^[A-Z_]+: /, '')}`,
      );
    } finally {
      await feeding;
    }
    if (!columns)
      throw new BadRequestError('The redemptions CSV is empty: expected a header line with "code".');
    await insertStaged(db, portalId, importId, batch);
    await db
      .updateTable('redemption_imports')
      .set(rows === 0 ? { status: 'succeeded', rows, finished_at: new Date() } : { status: 'queued', rows })
      .where('id', '=', importId)
      .execute();
    return { importId, rows };
  } catch (error) {
    await db.deleteFrom('redemption_imports').where('id', '=', importId).execute();
    throw error;
  }
}

interface OfferRow {
  id: number;
  code: string;
  created_at: Date;
  expires_at: Date;
  redeemed_at: Date | null;
}

async function applyBatch(
  trx: Transaction<Database>,
  portalId: number,
  importId: number,
  rows: StagedRow[],
  receivedAt: Date,
): Promise<void> {
  const offers = await trx
    .selectFrom('retention_offers')
    .select(['id', 'code', 'created_at', 'expires_at', 'redeemed_at'])
    .where('portal_id', '=', portalId)
    .where('code', 'in', [...new Set(rows.map((r) => r.code))])
    .execute();
  const byCode = new Map<string, OfferRow>(offers.map((o) => [o.code, o]));
  const outcomes: { line: number; status: RedemptionOutcome; message: string | null }[] = [];
  const redeem: {
    id: number;
    at: Date;
    value: number | null;
    outcome: { status: RedemptionOutcome };
  }[] = [];
  for (const row of rows) {
    const offer = byCode.get(row.code);
    const at = row.redeemedAt ?? receivedAt;
    const verdict = judgeRedemption(offer, row.code, at, receivedAt);
    if (verdict.status === 'redeemable') {
      // A second row of the same code in this file is already redeemed by the first.
      offer!.redeemed_at = at;
      const outcome = { line: row.line, status: 'redeemed' as RedemptionOutcome, message: null };
      redeem.push({ id: offer!.id, at, value: row.value, outcome });
      outcomes.push(outcome);
    } else {
      outcomes.push({ line: row.line, status: verdict.status, message: verdict.message ?? null });
    }
  }
  if (redeem.length > 0) {
    const done = await sql<{ id: number }>`
      update retention_offers o
         set redeemed_at = v.at, redeemed_value = v.value
        from (values ${sql.join(redeem.map((r) => sql`(${r.id}::integer, ${r.at}::timestamptz, ${r.value}::double precision)`))}) as v(id, at, value)
       where o.id = v.id and o.redeemed_at is null
   returning o.id`.execute(trx);
    // Redeemed a moment ago by a single report: this row found it already redeemed.
    const updated = new Set(done.rows.map((r) => Number(r.id)));
    for (const r of redeem) if (!updated.has(r.id)) r.outcome.status = 'already_redeemed';
  }
  await sql`
    update redemption_import_rows r
       set status = v.status, message = v.message
      from (values ${sql.join(outcomes.map((o) => sql`(${o.line}::integer, ${o.status}::text, ${o.message}::text)`))}) as v(line, status, message)
     where r.import_id = ${importId}
       and r.line between ${rows[0]!.line} and ${rows[rows.length - 1]!.line}
       and r.line = v.line`.execute(trx);
  await trx
    .updateTable('redemption_imports')
    .set({ rows_done: sql`rows_done + ${rows.length}` })
    .where('id', '=', importId)
    .execute();
}

/**
 * Applies an import's rows not yet applied, a batch per transaction, in file order. Safe to run
 * again after a crash: applied rows keep their outcome and are skipped.
 */
export async function applyRedemptionImport(
  db: Kysely<Database>,
  importId: number,
  options: { batchSize?: number; onProgress?: (done: number, rows: number) => void | Promise<void> } = {},
): Promise<'applied' | 'gone' | 'not_ready'> {
  const job = await db
    .selectFrom('redemption_imports')
    .select(['portal_id', 'status', 'rows', 'created_at'])
    .where('id', '=', importId)
    .executeTakeFirst();
  if (!job) return 'gone';
  if (job.status === 'receiving') return 'not_ready';
  if (job.status === 'succeeded') return 'applied';
  await db.updateTable('redemption_imports').set({ status: 'running' }).where('id', '=', importId).execute();
  const size = options.batchSize ?? APPLY_BATCH;
  // Walks the file once in line order (the primary key's), skipping rows a crashed run applied.
  let after = 0;
  for (;;) {
    const pending = await db
      .selectFrom('redemption_import_rows')
      .select(['line', 'code', 'redeemed_at', 'value'])
      .where('import_id', '=', importId)
      .where('line', '>', after)
      .where('status', 'is', null)
      .orderBy('line')
      .limit(size)
      .execute();
    if (pending.length === 0) break;
    after = pending[pending.length - 1]!.line;
    const rows = pending.map((r) => ({
      line: r.line,
      code: r.code,
      redeemedAt: r.redeemed_at,
      value: r.value,
    }));
    await db.transaction().execute((trx) => applyBatch(trx, job.portal_id, importId, rows, job.created_at));
    const { rows_done } = await db
      .selectFrom('redemption_imports')
      .select('rows_done')
      .where('id', '=', importId)
      .executeTakeFirstOrThrow();
    await options.onProgress?.(rows_done, job.rows);
  }
  // The count from the rows themselves: a batch that ran twice (a crash after its commit) is one.
  await db
    .updateTable('redemption_imports')
    .set({
      status: 'succeeded',
      finished_at: new Date(),
      rows_done: sql`(select count(*)::integer from redemption_import_rows where import_id = ${importId} and status is not null)`,
    })
    .where('id', '=', importId)
    .execute();
  return 'applied';
}

/** Marks an import failed with why (its job ran out of attempts). */
export async function failRedemptionImport(
  db: Kysely<Database>,
  importId: number,
  why: string,
): Promise<void> {
  await db
    .updateTable('redemption_imports')
    .set({ status: 'failed', error: why.slice(0, 500), finished_at: new Date() })
    .where('id', '=', importId)
    .where('status', '!=', 'succeeded')
    .execute();
}

export interface RedemptionImportReport {
  id: number;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  rows: number;
  rowsDone: number;
  counts: Record<RedemptionOutcome, number>;
  /** The first refused rows by line, with why; `refusedTotal` counts them all. */
  refused: { line: number; code: string; status: RedemptionOutcome; message?: string }[];
  refusedTotal: number;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

/** An import of the portal, with its progress and outcome; another portal's is not found. */
export async function redemptionImportReport(
  db: Kysely<Database>,
  portalId: number,
  importId: number,
): Promise<RedemptionImportReport> {
  const job = await db
    .selectFrom('redemption_imports')
    .selectAll()
    .where('id', '=', importId)
    .where('portal_id', '=', portalId)
    .where('status', '!=', 'receiving')
    .executeTakeFirst();
  if (!job) throw new NotFoundError(`No redemptions import ${importId} in this portal.`);
  const grouped = await db
    .selectFrom('redemption_import_rows')
    .select(['status', sql<number>`count(*)::integer`.as('n')])
    .where('import_id', '=', importId)
    .where('status', 'is not', null)
    .groupBy('status')
    .execute();
  const counts: Record<RedemptionOutcome, number> = {
    redeemed: 0,
    already_redeemed: 0,
    expired: 0,
    unknown_code: 0,
    date_out_of_range: 0,
  };
  for (const g of grouped) counts[g.status!] = Number(g.n);
  const refused = await db
    .selectFrom('redemption_import_rows')
    .select(['line', 'code', 'status', 'message'])
    .where('import_id', '=', importId)
    .where('status', 'is not', null)
    .where('status', '!=', 'redeemed')
    .orderBy('line')
    .limit(REFUSED_LISTED)
    .execute();
  return {
    id: job.id,
    status: job.status as RedemptionImportReport['status'],
    rows: job.rows,
    rowsDone: job.rows_done,
    counts,
    refused: refused.map((r) => ({
      line: r.line,
      code: r.code,
      status: r.status!,
      ...(r.message ? { message: r.message } : {}),
    })),
    refusedTotal: Object.values(counts).reduce((a, b) => a + b, 0) - counts.redeemed,
    error: job.error,
    createdAt: job.created_at.toISOString(),
    finishedAt: job.finished_at?.toISOString() ?? null,
  };
}
