// Weekly time windows of a task in a named IANA timezone: their schema, and whether a moment falls inside one.
import { z } from 'zod';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const clock = z
  .string()
  .regex(/^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/, 'a local time HH:MM, 00:00 to 24:00')
  .describe('Local wall-clock time, HH:MM (24:00 = end of the day)');

const windowSchema = z
  .strictObject({
    days: z.array(z.enum(WEEKDAYS)).min(1).max(7).describe('Days of the week this window applies to (mon … sun)'),
    from: clock.describe('Start of the window, local time HH:MM (inclusive)'),
    until: clock.describe('End of the window, local time HH:MM (exclusive); 24:00 for the end of the day'),
  })
  .refine((w) => minutesOf(w.until) > minutesOf(w.from), {
    message: 'until must be after from (split a window that runs past midnight in two)',
    path: ['until'],
  });

export const scheduleSchema = z
  .strictObject({
    timezone: z
      .string()
      .max(64)
      .refine(isTimezone, 'an IANA timezone name, e.g. Europe/Copenhagen')
      .describe('IANA timezone the windows are written in, e.g. Europe/Copenhagen (daylight saving is followed)'),
    windows: z.array(windowSchema).min(1).max(50).describe('Weekly windows; the task is active in any of them'),
  })
  .describe('Weekly windows within validFrom … validUntil; without a schedule the task is active the whole time');

export type Schedule = z.infer<typeof scheduleSchema>;

function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

function isTimezone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

// Building a DateTimeFormat costs far more than using one, and the trigger asks on every fix.
const formatters = new Map<string, Intl.DateTimeFormat>();

function localWeekdayAndMinute(timezone: string, nowMs: number): { day: Weekday; minute: number } {
  let fmt = formatters.get(timezone);
  if (fmt === undefined) {
    fmt = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timezone, fmt);
  }
  let day: Weekday = 'mon';
  let minute = 0;
  for (const part of fmt.formatToParts(nowMs)) {
    if (part.type === 'weekday') day = part.value.slice(0, 3).toLowerCase() as Weekday;
    else if (part.type === 'hour') minute += Number(part.value) * 60;
    else if (part.type === 'minute') minute += Number(part.value);
  }
  return { day, minute };
}

/** True when the moment lies in one of the weekly windows (local time of the schedule's timezone). */
export function inSchedule(schedule: Schedule, nowMs: number): boolean {
  const { day, minute } = localWeekdayAndMinute(schedule.timezone, nowMs);
  return schedule.windows.some((w) => w.days.includes(day) && minute >= minutesOf(w.from) && minute < minutesOf(w.until));
}
