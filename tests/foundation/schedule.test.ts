import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { Queues } from '../../server/jobs/queues.js';
import {
  listSchedules,
  removeSchedule,
  upsertWeeklySchedule,
  weeklyCron,
} from '../../server/jobs/schedule.js';

let redis: EmbeddedRedis;
let queues: Queues;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  queues = new Queues({ redisUrl: redis.url, prefix: `sched-${randomBytes(4).toString('hex')}` });
});
afterAll(async () => {
  await queues.close();
  await redis.stop();
});

/** Weekday and wall-clock hour of an instant in a time zone. */
function wallClock(at: Date, timeZone: string): { weekday: string; hour: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { weekday: get('weekday'), hour: Number(get('hour')), minute: Number(get('minute')) };
}

describe('weekly schedules', () => {
  it('writes a cron pattern for the slot', () => {
    expect(weeklyCron({ dayOfWeek: 1, hour: 6, timeZone: 'UTC' })).toBe('0 6 * * 1');
    expect(weeklyCron({ dayOfWeek: 0, hour: 23, minute: 30, timeZone: 'UTC' })).toBe('30 23 * * 0');
  });

  it('runs next at the portal’s local day and hour, whatever the server’s zone', async () => {
    const queue = queues.get('sync');
    const { nextRunAt } = await upsertWeeklySchedule(
      queue,
      'weekly:portal:1',
      { dayOfWeek: 1, hour: 6, timeZone: 'Asia/Tokyo' },
      { name: 'weekly-cycle', data: { portalId: 1 } },
    );
    expect(nextRunAt).not.toBeNull();
    expect(wallClock(nextRunAt!, 'Asia/Tokyo')).toEqual({ weekday: 'Mon', hour: 6, minute: 0 });
    expect(nextRunAt!.getTime()).toBeGreaterThan(Date.now());
    expect(nextRunAt!.getTime() - Date.now()).toBeLessThanOrEqual(7 * 24 * 3600 * 1000);
  });

  it('moving a portal’s slot replaces its schedule instead of adding a second one', async () => {
    const queue = queues.get('score');
    await upsertWeeklySchedule(
      queue,
      'weekly:portal:2',
      { dayOfWeek: 2, hour: 9, timeZone: 'Europe/Paris' },
      {
        name: 'weekly-cycle',
        data: { portalId: 2 },
      },
    );
    await upsertWeeklySchedule(
      queue,
      'weekly:portal:2',
      { dayOfWeek: 4, hour: 7, timeZone: 'Europe/Paris' },
      {
        name: 'weekly-cycle',
        data: { portalId: 2 },
      },
    );
    const schedules = await listSchedules(queue);
    expect(schedules).toEqual([
      expect.objectContaining({ id: 'weekly:portal:2', pattern: '0 7 * * 4', tz: 'Europe/Paris' }),
    ]);
    expect(await removeSchedule(queue, 'weekly:portal:2')).toBe(true);
    expect(await listSchedules(queue)).toEqual([]);
  });

  it('refuses an unknown time zone and changes nothing', async () => {
    const queue = queues.get('train');
    await expect(
      upsertWeeklySchedule(
        queue,
        'weekly:portal:3',
        { dayOfWeek: 1, hour: 6, timeZone: 'Mars/Olympus' },
        {
          name: 'weekly-cycle',
          data: {},
        },
      ),
    ).rejects.toThrow(/IANA time zone/);
    expect(await listSchedules(queue)).toEqual([]);
  });
});
