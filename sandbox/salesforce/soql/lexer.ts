/**
 * The SOQL tokenizer: turns query text into identifiers (field paths such as `Account.Name`
 * included), quoted strings, numbers, unquoted date and datetime literals, and symbols. It reads
 * the text once, left to right; a character that starts no token is a MALFORMED_QUERY there.
 */
import { unexpectedToken, queryError } from './errors.js';

interface TokenBase {
  /** Offset of the token's first character in the query text. */
  start: number;
  /** The token as written (`<EOF>` for the end). */
  text: string;
}

export type Token = TokenBase &
  (
    | { kind: 'identifier' }
    /**
     * `value` has the escapes decoded; `wildcards` holds the offsets in `value` of each `%` and
     * `_` written without a backslash, the ones LIKE reads as wildcards.
     */
    | { kind: 'string'; value: string; wildcards: number[] }
    | { kind: 'number'; value: number }
    /** `YYYY-MM-DD`. */
    | { kind: 'date'; value: string }
    /** Milliseconds since the epoch. */
    | { kind: 'datetime'; value: number }
    | { kind: 'symbol' }
    | { kind: 'eof' }
  );

const IDENTIFIER = /[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*/y;
const NUMBER = /-?\d+(?:\.\d+)?/y;
const DATE = /(\d{4})-(\d{2})-(\d{2})/y;
const TIME = /T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?/y;
const ZONE = /Z|([+-])(\d{2}):(\d{2})/y;
/** What is shown as the unexpected token when a datetime's zone is missing or badly written. */
const WORD = /[^\s(),]*/y;
const SYMBOLS = ['<=', '>=', '!=', '<>', '=', '<', '>', '(', ')', ',', ':'];

/** Escapes SOQL strings accept; `\%` and `\_` are for LIKE, where they stand for a plain `%` and `_`. */
const ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
  '%': '%',
  _: '_',
};

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 12;
}

function match(pattern: RegExp, text: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(text);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (isSpace(code)) {
      at++;
      continue;
    }
    const token = readToken(text, at);
    tokens.push(token);
    at = token.start + token.text.length;
  }
  tokens.push({ kind: 'eof', start: text.length, text: '<EOF>' });
  return tokens;
}

function readToken(text: string, at: number): Token {
  const char = text[at] ?? '';
  if (char === "'") return readString(text, at);
  if (/\d/.test(char)) {
    const temporal = readTemporal(text, at);
    if (temporal) return temporal;
  }
  if (/[\d-]/.test(char)) {
    const number = match(NUMBER, text, at);
    if (number) return { kind: 'number', start: at, text: number[0], value: Number(number[0]) };
  }
  const identifier = match(IDENTIFIER, text, at);
  if (identifier) return { kind: 'identifier', start: at, text: identifier[0] };
  for (const symbol of SYMBOLS) {
    if (text.startsWith(symbol, at)) return { kind: 'symbol', start: at, text: symbol };
  }
  throw unexpectedToken(text, at, char);
}

function readString(text: string, start: number): Token {
  let value = '';
  const wildcards: number[] = [];
  let at = start + 1;
  while (at < text.length) {
    const char = text[at] as string;
    if (char === "'") {
      return { kind: 'string', start, text: text.slice(start, at + 1), value, wildcards };
    }
    if (char === '\\') {
      const next = text[at + 1] ?? '';
      const escaped = ESCAPES[next];
      if (escaped !== undefined) {
        value += escaped;
        at += 2;
        continue;
      }
      if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) {
        value += String.fromCharCode(parseInt(text.slice(at + 2, at + 6), 16));
        at += 6;
        continue;
      }
      throw queryError(
        text,
        start,
        'MALFORMED_QUERY',
        `Invalid string literal '${text.slice(start + 1, at + 2)}'. Illegal character sequence '\\${next}' in string literal.`,
      );
    }
    if (char === '%' || char === '_') wildcards.push(value.length);
    value += char;
    at++;
  }
  throw unexpectedToken(text, start, text.slice(start));
}

/**
 * A date (`2026-12-02`) or datetime (`2026-12-02T10:00:00Z`, `…T10:00:00.000+01:00`); null when
 * the text here is not one (a plain number then). A datetime needs a zone: `Z` or `±hh:mm`.
 */
function readTemporal(text: string, start: number): Token | null {
  const date = match(DATE, text, start);
  if (!date) return null;
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
  let end = start + date[0].length;
  const time = match(TIME, text, end);
  const validDate = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
  if (!time) {
    if (!validDate) throw unexpectedToken(text, start, date[0]);
    return { kind: 'date', start, text: date[0], value: date[0] };
  }
  end += time[0].length;
  const zone = match(ZONE, text, end);
  if (!zone) {
    const rest = match(WORD, text, end)?.[0] ?? '';
    throw unexpectedToken(text, end, rest === '' ? '<EOF>' : rest);
  }
  end += zone[0].length;
  const [hour, minute, second] = [Number(time[1]), Number(time[2]), Number(time[3])];
  const millis = time[4] ? Number(time[4].padEnd(3, '0')) : 0;
  const sign = zone[1] === '-' ? -1 : 1;
  const offsetMinutes = zone[1] ? sign * (Number(zone[2]) * 60 + Number(zone[3])) : 0;
  const literal = text.slice(start, end);
  if (!validDate || hour > 23 || minute > 59 || second > 59 || Math.abs(offsetMinutes) > 14 * 60) {
    throw unexpectedToken(text, start, literal);
  }
  const value = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  return { kind: 'datetime', start, text: literal, value };
}
