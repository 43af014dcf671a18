/** The demo's log records as a person reads them at a terminal: one line each, warnings and errors kept. */
import { describe, expect, it } from '@jest/globals';
import { formatLogRecord } from '../../cli/log-lines.js';

const at = new Date(2026, 0, 5, 12, 3, 4).getTime();
const record = (fields: Record<string, unknown>) =>
  JSON.stringify({ time: at, pid: 1, hostname: 'vm', name: 'demo', ...fields });

describe('a log record at the demo’s terminal', () => {
  it.each([
    [
      'a warning about a portal',
      { level: 40, portalId: 1, retryInMs: 2000, msg: 'rate limited, retrying in 2 s' },
      '12:03:04 warn  portal 1: rate limited, retrying in 2 s (retryInMs=2000)',
    ],
    [
      'an error with its cause',
      {
        level: 50,
        err: { type: 'Error', message: 'connect ECONNREFUSED', stack: 'Error: …\n at x' },
        msg: 'sync failed',
      },
      '12:03:04 error sync failed: connect ECONNREFUSED',
    ],
    [
      'an info record whose objects stay out of the line',
      { level: 30, portalId: 2, mode: 'full', results: [{ type: 'contacts' }], msg: 'sync finished' },
      '12:03:04 info  portal 2: sync finished (mode=full)',
    ],
    ['a message over several lines', { level: 30, msg: 'first\n  second' }, '12:03:04 info  first second'],
  ])('%s is one line', (_case, fields, line) => {
    expect(formatLogRecord(record(fields))).toBe(line);
  });

  it('colours warnings and errors only when asked, and passes on what is not a record', () => {
    expect(formatLogRecord(record({ level: 40, msg: 'slow' }), true)).toBe(
      '12:03:04 \u001b[33mwarn \u001b[0m slow',
    );
    expect(formatLogRecord(record({ level: 30, msg: 'ok' }), true)).toBe('12:03:04 info  ok');
    expect(formatLogRecord('Building the dashboard\n')).toBe('Building the dashboard');
  });

  it('keeps a long line a line', () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field${i}`, i]));
    const line = formatLogRecord(record({ level: 30, msg: 'busy', ...many }));
    expect(line).not.toContain('\n');
    expect(line.length).toBeLessThan(200);
    expect(line).toMatch(/…\)$/);
  });
});
