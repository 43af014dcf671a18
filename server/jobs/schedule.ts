import type { JobsOptions, Queue } from 'bullmq';
import { z } from 'zod';

/** A weekly slot in a portal's own time zone. */
export const weeklySlotSchema = z.object({
  dayOfWeek: z.number().int().min(0).max(6),
  hour: z.number().int().min(0).max(23),
  minute: z.number().int().min(0).max(59).default(0),
  timeZone: z.string().refine(isTimeZone, { message: 'must be an IANA time zone such as Europe/Paris' }),
});
export type WeeklySlot = z.input<typeof weeklySlotSchema>;

export interface JobTemplate {
  name: string;
  data: Record<string, unknown>;
  opts?: Omit<JobsOptions, 'repeat' | 'jobId'>;
}

/** The cron pattern of a weekly slot (minute hour * * day). */
export function weeklyCron(slot: WeeklySlot): string {
  const { dayOfWeek, hour, minute } = weeklySlotSchema.parse(slot);
  return `${minute} ${hour} * * ${dayOfWeek}`;
}

/**
 * Creates or moves a repeating job. The scheduler id names it (e.g. `weekly:portal:42`), so calling
 * this again with a new slot replaces the old one instead of adding a second schedule.
 */
export async function upsertWeeklySchedule(
  queue: Queue,
  schedulerId: string,
  slot: WeeklySlot,
  template: JobTemplate,
): Promise<{ nextRunAt: Date | null }> {
  const parsed = weeklySlotSchema.parse(slot);
  await queue.upsertJobScheduler(
    schedulerId,
    { pattern: weeklyCron(parsed), tz: parsed.timeZone },
    { name: template.name, data: template.data, ...(template.opts ? { opts: template.opts } : {}) },
  );
  const scheduler = await queue.getJobScheduler(schedulerId);
  return { nextRunAt: scheduler?.next !== undefined ? new Date(scheduler.next) : null };
}

export async function removeSchedule(queue: Queue, schedulerId: string): Promise<boolean> {
  return queue.removeJobScheduler(schedulerId);
}

export async function listSchedules(
  queue: Queue,
): Promise<{ id: string; pattern?: string; tz?: string; next?: number }[]> {
  const schedulers = await queue.getJobSchedulers();
  return schedulers.map((s) => ({
    id: s.key,
    ...(s.pattern ? { pattern: s.pattern } : {}),
    ...(s.tz ? { tz: s.tz } : {}),
    ...(s.next !== undefined ? { next: s.next } : {}),
  }));
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
