/**
 * The weekly run in words: when it next happens for a day, hour and time zone (as the server's
 * schedule runs it: that day and hour on the portal's clock), and the time zones to choose from.
 */
import type { SettingsChanges, WeeklySchedule } from './settings-form.js';

export const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

export const dayLabel = (day: string) => day.charAt(0).toUpperCase() + day.slice(1);
export const hourLabel = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

const QUARTER_HOUR = 15 * 60_000;
/** Every zone's offset is a whole number of quarter hours: stepping by them meets every full hour. */
const SEARCH_STEPS = 8 * 24 * 4;

const clocks = new Map<string, Intl.DateTimeFormat>();
function clockOf(timeZone: string): Intl.DateTimeFormat {
  let clock = clocks.get(timeZone);
  if (!clock) {
    clock = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'long',
      hour: 'numeric',
      minute: 'numeric',
      hourCycle: 'h23',
    });
    clocks.set(timeZone, clock);
  }
  return clock;
}

/** The next time after `now` that the portal's clock shows the schedule's day and hour; null for an unknown zone. */
export function nextRunAt(schedule: WeeklySchedule, now: Date): Date | null {
  let clock: Intl.DateTimeFormat;
  try {
    clock = clockOf(schedule.timeZone);
  } catch {
    return null;
  }
  const start = Math.floor(now.getTime() / QUARTER_HOUR + 1) * QUARTER_HOUR;
  for (let step = 0; step < SEARCH_STEPS; step++) {
    const at = new Date(start + step * QUARTER_HOUR);
    const parts = Object.fromEntries(clock.formatToParts(at).map((p) => [p.type, p.value]));
    if (
      parts.weekday?.toLowerCase() === schedule.day &&
      Number(parts.hour) === schedule.hour &&
      Number(parts.minute) === 0
    )
      return at;
  }
  return null;
}

/** "in 3 days", "in 5 hours", "in 20 minutes". */
function fromNow(at: Date, now: Date): string {
  const minutes = Math.round((at.getTime() - now.getTime()) / 60_000);
  const plural = (n: number, unit: string) => `in ${n} ${unit}${n === 1 ? '' : 's'}`;
  if (minutes < 60) return plural(Math.max(minutes, 1), 'minute');
  const hours = Math.round(minutes / 60);
  if (hours < 24) return plural(hours, 'hour');
  return plural(Math.round(hours / 24), 'day');
}

/** "Monday 06:00 Europe/London (in 3 days)", or the slot alone when its zone is unknown. */
export function describeRun(schedule: WeeklySchedule, now: Date): string {
  const slot = `${dayLabel(schedule.day)} ${hourLabel(schedule.hour)} ${schedule.timeZone}`;
  const at = nextRunAt(schedule, now);
  return at ? `${slot} (${fromNow(at, now)})` : slot;
}

export interface ZoneOption {
  value: string;
  label: string;
}

/** "UTC+01:00", "UTC+05:45", "UTC" at `now` in the zone. */
function offsetOf(timeZone: string, now: Date): string {
  const name = new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(now)
    .find((p) => p.type === 'timeZoneName')?.value;
  return !name || name === 'GMT' ? 'UTC' : name.replace('GMT', 'UTC');
}

/** Cities renamed since the zone's id was chosen: the label says the name people search for. */
const CITY_NOW: Readonly<Record<string, string>> = {
  Calcutta: 'Kolkata',
  Saigon: 'Ho Chi Minh City',
  Katmandu: 'Kathmandu',
  Rangoon: 'Yangon',
  Kiev: 'Kyiv',
  Godthab: 'Nuuk',
};

/** The zones the browser knows, or a few when it cannot list them. */
function knownZones(): string[] {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: 'timeZone') => string[] };
  return intl.supportedValuesOf?.('timeZone') ?? ['UTC', 'Europe/London', 'Europe/Paris', 'America/New_York'];
}

/**
 * The time zones grouped by region, each labelled city first so that typing a city finds it:
 * "London — Europe/London (UTC+01:00)". UTC comes first; `current` is always there.
 */
export function timeZoneGroups(current: string, now: Date): { region: string; zones: ZoneOption[] }[] {
  const zones = new Set(knownZones());
  zones.delete('UTC');
  if (current !== 'UTC') zones.add(current);
  const groups = new Map<string, ZoneOption[]>();
  for (const zone of zones) {
    let offset: string;
    try {
      offset = offsetOf(zone, now);
    } catch {
      continue;
    }
    const slash = zone.indexOf('/');
    const region = slash < 0 ? 'Other' : zone.slice(0, slash);
    const last = (slash < 0 ? zone : zone.slice(zone.lastIndexOf('/') + 1)).replace(/_/g, ' ');
    const city = CITY_NOW[last] ?? last;
    const list = groups.get(region) ?? [];
    list.push({ value: zone, label: `${city} — ${zone} (${offset})` });
    groups.set(region, list);
  }
  const sorted = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([region, list]) => ({ region, zones: list.sort((a, b) => a.label.localeCompare(b.label)) }));
  return [
    { region: 'Universal', zones: [{ value: 'UTC', label: 'UTC — Coordinated Universal Time' }] },
    ...sorted,
  ];
}

/** When the changes take effect, in words: "… at the next run, Monday 06:00 Europe/London (in 3 days)." */
export function whenItTakesEffect(
  changes: SettingsChanges | null,
  schedule: WeeklySchedule,
  done: boolean,
): string[] {
  const run = describeRun(schedule, new Date());
  const sentences: string[] = [];
  if (changes?.schedule)
    sentences.push(
      done ? `The next run is ${run}.` : `The weekly run moves: the next run will then be ${run}.`,
    );
  const scoring = [changes?.churnRule ? 'churn rule' : null, changes?.tiers ? 'tiers' : null].filter(
    (s) => s !== null,
  );
  if (scoring.length > 0 && done) {
    const verb = scoring.length === 1 && changes?.churnRule ? 'takes' : 'take';
    sentences.push(`The new ${scoring.join(' and ')} ${verb} effect at the next run, ${run}.`);
  } else if (scoring.length > 0) {
    sentences.push(`Changes to the ${scoring.join(' and the ')} take effect at the next run, ${run}.`);
  }
  if (changes?.holdout)
    sentences.push(
      'The holdout applies to contacts enrolled from now on; those enrolled before keep their group.',
    );
  if (changes?.retraining) sentences.push(`The retraining period is next checked at the next run, ${run}.`);
  if (sentences.length === 0)
    sentences.push(`Changes to the tiers and the churn rule take effect at the next run, ${run}.`);
  return sentences;
}
