/** Each installed portal's weekly cycle, at the day and hour of its settings, in its time zone. */
import type { WeeklySchedule } from '../settings/portal-settings.js';
import { CYCLE_JOB } from './cycle-job.js';
import { portalSchedulerId } from './portal-schedules.js';
import type { Queues } from './queues.js';
import { upsertWeeklySchedule } from './schedule.js';

const DAY_NUMBERS: Record<WeeklySchedule['day'], number> = {
  sunday: 0,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
};

/** Creates or moves the portal's weekly cycle; returns when it runs next. */
export function schedulePortalCycle(
  queues: Queues,
  portalId: number,
  schedule: WeeklySchedule,
): Promise<{ nextRunAt: Date | null }> {
  return upsertWeeklySchedule(
    queues.get('score'),
    portalSchedulerId(portalId, 'cycle'),
    { dayOfWeek: DAY_NUMBERS[schedule.day], hour: schedule.hour, timeZone: schedule.timeZone },
    { name: CYCLE_JOB, data: { portalId, trigger: 'weekly' } },
  );
}
