import { describe, it, expect } from '@jest/globals';
import { UsageEventLog, type UsageEvent } from '../../sandbox/usage-events.js';

const AT = Date.parse('2026-01-01T00:00:00.000Z');

/** An event as the generator writes it: its id from its contact, `feature` last when there is one. */
function generated(contactId: string, serial: number, feature?: string): UsageEvent {
  const event: UsageEvent = {
    eventId: `${contactId}-${serial}`,
    contactId,
    email: `${contactId}@example.com`,
    type: feature ? 'feature_use' : 'session',
    minutes: serial / 10 + 0.1,
    occurredAt: new Date(AT + serial * 60_000),
  };
  if (feature) event.feature = feature;
  return event;
}

function logOf(events: UsageEvent[]): UsageEventLog {
  const log = new UsageEventLog();
  for (const event of events) log.add(event);
  return log;
}

describe('the usage event log', () => {
  const events: UsageEvent[] = [
    ...Array.from({ length: 1500 }, (_, serial) =>
      generated('101', serial, serial % 7 === 0 ? 'reports' : undefined),
    ),
    ...Array.from({ length: 1500 }, (_, serial) => generated('102', serial)),
    // RavenStack's events: their own ids, `feature` before `minutes`.
    {
      eventId: 'U-1c6c24',
      contactId: '103',
      email: 'c@example.com',
      type: 'feature_use',
      feature: 'feature_20',
      minutes: 83.4,
      occurredAt: new Date(AT),
    },
    // Ids that only look like `${contactId}-${serial}`.
    { ...generated('104', 1), eventId: '104-01' },
    { ...generated('104', 2), eventId: '105-2' },
    { ...generated('104', 3), eventId: '104-99999999999' },
  ];

  it('gives back the events it was given, keys in the same order', () => {
    const log = logOf(events);
    expect(log.size).toBe(events.length);
    expect(JSON.stringify([...log])).toBe(JSON.stringify(events));
    expect(log.at(3000)).toEqual(events[3000]);
    expect(JSON.stringify(log.slice(-3))).toBe(JSON.stringify(events.slice(-3)));
    expect(log.slice(10, 5)).toEqual([]);
    expect(log.ofContact('102')).toEqual(events.filter((e) => e.contactId === '102'));
    log.trim();
    expect(JSON.stringify([...log])).toBe(JSON.stringify(events));
  });

  it('moves a merged contact’s events to the survivor, ids unchanged', () => {
    const log = logOf(events);
    log.moveContacts(new Map([['101', '102']]), (id) => (id === '102' ? 'survivor@example.com' : null));
    expect(log.ofContact('101')).toEqual([]);
    const moved = log.ofContact('102');
    expect(moved).toHaveLength(3000);
    expect(moved[0]).toEqual({ ...events[0], contactId: '102', email: 'survivor@example.com' });
    log.add(generated('102', 1500));
    expect(log.at(log.size - 1)).toEqual(generated('102', 1500));
  });

  it('removes every event of deleted contacts, in place', () => {
    const log = logOf(events);
    expect(log.removeContacts(new Set(['101', '104']))).toBe(1503);
    expect(JSON.stringify([...log])).toBe(
      JSON.stringify(events.filter((e) => e.contactId !== '101' && e.contactId !== '104')),
    );
  });

  it('copies or moves the events of known contacts to another log, under their new ids', () => {
    const renamed = (id: string) => (id === '102' || id === '103' ? `sf-${id}` : undefined);
    const expected = events
      .filter((e) => renamed(e.contactId))
      .map((e) => ({ ...e, contactId: renamed(e.contactId)! }));
    const source = logOf(events);
    const copy = new UsageEventLog();
    source.transferTo(copy, renamed, { move: false });
    expect(JSON.stringify([...copy])).toBe(JSON.stringify(expected));
    expect(source.size).toBe(events.length);
    const moved = new UsageEventLog();
    source.transferTo(moved, renamed, { move: true });
    expect(JSON.stringify([...moved])).toBe(JSON.stringify(expected));
    expect(JSON.stringify([...source])).toBe(JSON.stringify(events.filter((e) => !renamed(e.contactId))));
  });
});
