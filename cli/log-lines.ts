/**
 * The demo's log, for a person at a terminal: each pino record as one line
 * (`12:03:04 warn  portal 1: rate limited, retrying in 2 s (retryInMs=2000)`), printed above the
 * progress bars. `LOG_FORMAT=json` keeps pino's JSON records, for machines reading the output.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { printLine } from './progress.js';

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const COLOURS: Record<string, string> = { warn: '\u001b[33m', error: '\u001b[31m', fatal: '\u001b[31m' };
const RESET = '\u001b[0m';

/** Said by the line itself (time, level, portal, message) or of no use to a reader. */
const SHOWN_APART = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'portalId', 'err', 'error']);
/** Details after the message are cut here: the line stays a line. */
const MAX_DETAILS = 160;

interface LoggedError {
  message?: unknown;
  code?: unknown;
}

function clock(time: unknown): string {
  const at = typeof time === 'number' ? new Date(time) : new Date();
  return [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

function errorText(value: unknown): string | null {
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? value : null;
  const { message, code } = value as LoggedError;
  if (typeof message !== 'string' || message === '') return null;
  return typeof code === 'string' || typeof code === 'number' ? `${message} [${code}]` : message;
}

function details(record: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (SHOWN_APART.has(key) || value === null || value === undefined) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      parts.push(`${key}=${String(value)}`);
    }
  }
  const text = parts.join(', ');
  return text.length > MAX_DETAILS ? `${text.slice(0, MAX_DETAILS - 1)}…` : text;
}

/** One pino record as one line; a line that is not a record comes back as it was. */
export function formatLogRecord(line: string, colour = false): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return line.trimEnd();
    record = parsed as Record<string, unknown>;
  } catch {
    return line.trimEnd();
  }
  const level = LEVELS[Number(record.level)] ?? 'log';
  const portal = typeof record.portalId === 'number' ? `portal ${record.portalId}: ` : '';
  const message = typeof record.msg === 'string' ? record.msg : '';
  const error = errorText(record.err) ?? errorText(record.error);
  const extra = details(record);
  const text = [`${portal}${message}`, error ? `: ${error}` : '', extra ? ` (${extra})` : ''].join('');
  const label = level.padEnd(5);
  const shownLevel = colour && COLOURS[level] ? `${COLOURS[level]}${label}${RESET}` : label;
  return `${clock(record.time)} ${shownLevel} ${text.replace(/\s*\n\s*/g, ' ')}`;
}

/** Where the demo's logger writes: through `printLine`, so the progress bars stay whole. */
export function terminalLogDestination(format: 'lines' | 'json'): DestinationStream {
  const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) {
        if (line.trim() === '') continue;
        printLine(format === 'json' ? line : formatLogRecord(line, colour));
      }
    },
  };
}

/** The demo's logger: one-line records unless LOG_FORMAT=json asks for pino's JSON. */
export function createDemoLogger(level: string, name: string): Logger {
  const format = process.env.LOG_FORMAT === 'json' ? 'json' : 'lines';
  return pino({ name, level }, terminalLogDestination(format));
}
