import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { schedulePortalCycle } from '../../server/jobs/cycle-schedule.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { removePortalSchedules } from '../../server/jobs/portal-schedules.js';
import { Queues } from '../../server/jobs/queues.js';
import { DEFAULT_PORTAL_SETTINGS } from '../../server/settings/portal-settings.js';

let redis: EmbeddedRedis;
let queues: Queues;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  queues = new Queues({ redisUrl: redis.url, prefix: 'cycle-schedule' });
});
afterAll(async () => {
  await queues.close();
  await redis.stop();
});

describe("a portal's weekly cycle", () => {
  it('runs at the default slot, Monday 06:00 UTC, until the admin moves it', async () => {
    const { nextRunAt } = await schedulePortalCycle(queues, 7, DEFAULT_PORTAL_SETTINGS.schedule);
    expect(nextRunAt?.getUTCDay()).toBe(1);
    expect(nextRunAt?.getUTCHours()).toBe(6);
    const [scheduler] = await queues.get('score').getJobSchedulers();
    expect(scheduler).toMatchObject({ key: 'cycle:portal:7', pattern: '0 6 * * 1', tz: 'UTC' });
  });

  it('moves to a new slot in the portal’s time zone, keeping one schedule', async () => {
    const { nextRunAt } = await schedulePortalCycle(queues, 7, {
      day: 'friday',
      hour: 9,
      timeZone: 'Asia/Tokyo',
    });
    // Friday 09:00 in Tokyo is Friday 00:00 UTC.
    expect(nextRunAt?.getUTCDay()).toBe(5);
    expect(nextRunAt?.getUTCHours()).toBe(0);
    const schedulers = await queues.get('score').getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ pattern: '0 9 * * 5', tz: 'Asia/Tokyo' });
  });

  it('goes away with the portal’s other schedules on uninstall', async () => {
    await schedulePortalCycle(queues, 8, DEFAULT_PORTAL_SETTINGS.schedule);
    expect(await removePortalSchedules(queues, 7)).toEqual(['score/cycle:portal:7']);
    expect((await queues.get('score').getJobSchedulers()).map((s) => s.key)).toEqual(['cycle:portal:8']);
  });
});
