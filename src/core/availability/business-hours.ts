import { DateTime, IANAZone } from "luxon";
import { z } from "zod";

/**
 * A team's business hours: a weekly schedule of shifts in one IANA time zone, and holidays.
 *
 * A shift runs from `start` to `end` in the team's local time. When `end` is not after `start`
 * the shift ends the next day (fri 22:00–06:00 runs into Saturday morning; 09:00–09:00 is a full
 * 24 hours), and `end: "24:00"` closes at the following midnight.
 *
 * Holidays: a shift belongs to the local date it STARTS on, and a holiday cancels the shifts that
 * start on it. So a night shift that starts the evening before a holiday still runs past midnight
 * into the holiday, and a night shift that starts on the holiday does not run at all. That keeps
 * every shift whole: the team never drops a customer halfway through a shift it already began.
 *
 * Instants are compared, not wall-clock times, so a shift over a DST change lasts what the clock
 * on the wall says (22:00–06:00 is 7 hours on the night clocks go forward). A boundary that falls
 * in the hour skipped by a DST change moves forward with the clock (02:30 → 03:30), as luxon does.
 */

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

const startTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a time of day as "HH:MM", from 00:00 to 23:59' });

const endTime = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, {
  error: 'must be a time of day as "HH:MM", from 00:00 to 24:00',
});

export const businessHoursSchema = z.strictObject({
  timeZone: z.string().refine((zone) => IANAZone.isValidZone(zone), {
    error: (issue) =>
      `unknown time zone ${JSON.stringify(issue.input)}: use an IANA name such as "Europe/Amsterdam"`,
  }),
  weekly: z.array(
    z.strictObject({
      day: z.enum(WEEKDAYS, { error: `must be one of ${WEEKDAYS.join(", ")}` }),
      start: startTime,
      end: endTime,
    }),
  ),
  holidays: z.array(z.iso.date({ error: 'must be a calendar date as "YYYY-MM-DD"' })).default([]),
});

export type BusinessHours = z.infer<typeof businessHoursSchema>;

/** How far `nextOpening` looks ahead: two weeks covers a weekend plus a run of holidays. */
const SEARCH_DAYS = 14;

const MINUTES_PER_DAY = 24 * 60;

interface Shift {
  opens: number;
  closes: number;
}

/** Whether the team is open at `at`: inside a shift, including its first minute, not its last. */
export function isOpenAt(hours: BusinessHours, at: Date): boolean {
  const t = at.getTime();
  const today = localDate(hours, at);
  // A shift ends by the next day's wall clock, so only shifts that started yesterday or today can be running.
  return [today.minus({ days: 1 }), today].some((date) =>
    shiftsStartingOn(hours, date).some((shift) => shift.opens <= t && t < shift.closes),
  );
}

/**
 * The earliest instant at or after `at` when the team is open: `at` itself while it is open,
 * otherwise the start of the next shift. Null when no shift starts within the next two weeks
 * (an empty schedule, or a long closure), so callers never promise a time they cannot know.
 */
export function nextOpening(hours: BusinessHours, at: Date): Date | null {
  if (isOpenAt(hours, at)) return at;
  const t = at.getTime();
  const today = localDate(hours, at);
  for (let days = 0; days <= SEARCH_DAYS; days++) {
    const opens = shiftsStartingOn(hours, today.plus({ days }))
      .map((shift) => shift.opens)
      .filter((opens) => opens > t);
    // Shifts of a later date start later, so the first date with one holds the answer.
    if (opens.length > 0) return new Date(Math.min(...opens));
  }
  return null;
}

/** The team's local calendar date at `at`, as a UTC midnight so day arithmetic has no DST. */
function localDate(hours: BusinessHours, at: Date): DateTime {
  const local = DateTime.fromJSDate(at, { zone: hours.timeZone });
  return DateTime.utc(local.year, local.month, local.day);
}

/** The shifts that start on a local calendar date (none on a holiday), as instants. */
function shiftsStartingOn(hours: BusinessHours, date: DateTime): Shift[] {
  const day = WEEKDAYS[date.weekday - 1];
  if (hours.holidays.includes(date.toISODate()!)) return [];
  return (
    hours.weekly
      .filter((shift) => shift.day === day)
      .map((shift) => {
        const start = minutesOf(shift.start);
        let end = minutesOf(shift.end);
        if (end <= start) end += MINUTES_PER_DAY;
        return { opens: instant(hours, date, start), closes: instant(hours, date, end) };
      })
      // A shift inside the hour a DST change skips (02:00–03:00 on the spring-forward day) is empty.
      .filter((shift) => shift.opens < shift.closes)
  );
}

function minutesOf(time: string): number {
  const [hh, mm] = time.split(":").map(Number);
  return hh! * 60 + mm!;
}

/** The instant `minutes` after the start of local `date` by the wall clock (may be the next day). */
function instant(hours: BusinessHours, date: DateTime, minutes: number): number {
  const day = date.plus({ days: Math.floor(minutes / MINUTES_PER_DAY) });
  const minuteOfDay = minutes % MINUTES_PER_DAY;
  return DateTime.fromObject(
    {
      year: day.year,
      month: day.month,
      day: day.day,
      hour: Math.floor(minuteOfDay / 60),
      minute: minuteOfDay % 60,
    },
    { zone: hours.timeZone },
  ).toMillis();
}
