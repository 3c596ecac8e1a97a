import { describe, expect, it } from "vitest";
import {
  type BusinessHours,
  businessHoursSchema,
  isOpenAt,
  nextOpening,
} from "../../../src/core/availability/business-hours.js";

/** Instants are written with their UTC offset, so no test depends on the code it checks. */
const at = (iso: string) => new Date(iso);

const WEEKDAYS_9_TO_5 = (["mon", "tue", "wed", "thu", "fri"] as const).map((day) => ({
  day,
  start: "09:00",
  end: "17:00",
}));

function hours(input: { timeZone?: string; weekly: BusinessHours["weekly"]; holidays?: string[] }) {
  return businessHoursSchema.parse({ timeZone: "Europe/Amsterdam", ...input });
}

function issues(input: unknown): string[] {
  const result = businessHoursSchema.safeParse(input);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}

describe("businessHoursSchema", () => {
  it("accepts a schedule and defaults holidays to none", () => {
    const parsed = businessHoursSchema.parse({
      timeZone: "America/New_York",
      weekly: [{ day: "sat", start: "10:00", end: "24:00" }],
    });
    expect(parsed).toEqual({
      timeZone: "America/New_York",
      weekly: [{ day: "sat", start: "10:00", end: "24:00" }],
      holidays: [],
    });
  });

  it("rejects an unknown time zone, naming it", () => {
    for (const timeZone of ["Mars/Olympus", "Europe/Amsterdamm", "+01:00", ""]) {
      expect(issues({ timeZone, weekly: [] })).toEqual([
        `timeZone: unknown time zone ${JSON.stringify(timeZone)}: use an IANA name such as "Europe/Amsterdam"`,
      ]);
    }
  });

  it("rejects malformed times, saying what a time looks like", () => {
    const shift = (start: string, end: string) => ({ timeZone: "UTC", weekly: [{ day: "mon", start, end }] });
    expect(issues(shift("9:00", "17:00"))).toEqual([
      'weekly.0.start: must be a time of day as "HH:MM", from 00:00 to 23:59',
    ]);
    expect(issues(shift("24:00", "06:00"))).toHaveLength(1);
    expect(issues(shift("09:60", "17:00"))).toHaveLength(1);
    expect(issues(shift("09:00", "24:01"))).toEqual([
      'weekly.0.end: must be a time of day as "HH:MM", from 00:00 to 24:00',
    ]);
    expect(issues(shift("09:00", "25:00"))).toHaveLength(1);
    expect(issues(shift("09:00", "17h"))).toHaveLength(1);
  });

  it("rejects unknown days, impossible holidays and unknown keys", () => {
    expect(issues({ timeZone: "UTC", weekly: [{ day: "monday", start: "09:00", end: "17:00" }] })).toEqual([
      "weekly.0.day: must be one of mon, tue, wed, thu, fri, sat, sun",
    ]);
    expect(issues({ timeZone: "UTC", weekly: [], holidays: ["2026-02-30"] })).toEqual([
      'holidays.0: must be a calendar date as "YYYY-MM-DD"',
    ]);
    expect(issues({ timeZone: "UTC", weekly: [], holidays: ["06-04-2026"] })).toHaveLength(1);
    expect(issues({ timeZone: "UTC", weekly: [], holiday: [] })).toHaveLength(1);
  });
});

describe("isOpenAt", () => {
  const office = hours({ weekly: WEEKDAYS_9_TO_5 });

  it("opens at 09:00 sharp and closes at 17:00 sharp", () => {
    expect(isOpenAt(office, at("2026-03-16T08:59:59+01:00"))).toBe(false);
    expect(isOpenAt(office, at("2026-03-16T09:00:00+01:00"))).toBe(true);
    expect(isOpenAt(office, at("2026-03-16T16:59:59+01:00"))).toBe(true);
    expect(isOpenAt(office, at("2026-03-16T17:00:00+01:00"))).toBe(false);
    expect(isOpenAt(office, at("2026-03-14T12:00:00+01:00")), "saturday").toBe(false);
  });

  it("reads the clock in the team's time zone, not the server's", () => {
    // 09:30 in New York is 14:30 in Amsterdam: open there, closed here at 08:30 UTC.
    const newYork = hours({ timeZone: "America/New_York", weekly: WEEKDAYS_9_TO_5 });
    expect(isOpenAt(newYork, at("2026-01-12T09:30:00-05:00"))).toBe(true);
    expect(isOpenAt(newYork, at("2026-01-12T08:30:00Z"))).toBe(false);
  });

  it("runs an overnight shift into the next day", () => {
    const night = hours({ weekly: [{ day: "fri", start: "22:00", end: "06:00" }] });
    expect(isOpenAt(night, at("2026-03-13T21:59:00+01:00"))).toBe(false);
    expect(isOpenAt(night, at("2026-03-13T22:00:00+01:00"))).toBe(true);
    expect(isOpenAt(night, at("2026-03-14T03:00:00+01:00")), "sat 03:00").toBe(true);
    expect(isOpenAt(night, at("2026-03-14T06:00:00+01:00"))).toBe(false);
    expect(isOpenAt(night, at("2026-03-14T07:00:00+01:00")), "sat 07:00").toBe(false);
    expect(isOpenAt(night, at("2026-03-13T03:00:00+01:00")), "fri 03:00: thursday has no shift").toBe(false);
  });

  it("closes an end of 24:00 at midnight, and treats start = end as 24 hours", () => {
    const late = hours({ weekly: [{ day: "sat", start: "10:00", end: "24:00" }] });
    expect(isOpenAt(late, at("2026-03-14T23:59:00+01:00"))).toBe(true);
    expect(isOpenAt(late, at("2026-03-15T00:00:00+01:00"))).toBe(false);

    const allDay = hours({ weekly: [{ day: "sat", start: "00:00", end: "00:00" }] });
    expect(isOpenAt(allDay, at("2026-03-13T23:59:00+01:00"))).toBe(false);
    expect(isOpenAt(allDay, at("2026-03-14T00:00:00+01:00"))).toBe(true);
    expect(isOpenAt(allDay, at("2026-03-14T23:59:00+01:00"))).toBe(true);
    expect(isOpenAt(allDay, at("2026-03-15T00:00:00+01:00"))).toBe(false);
  });

  it("joins shifts listed separately for one day", () => {
    const split = hours({
      weekly: [
        { day: "mon", start: "09:00", end: "12:00" },
        { day: "mon", start: "13:00", end: "17:00" },
      ],
    });
    expect(isOpenAt(split, at("2026-03-16T11:00:00+01:00"))).toBe(true);
    expect(isOpenAt(split, at("2026-03-16T12:30:00+01:00"))).toBe(false);
    expect(isOpenAt(split, at("2026-03-16T13:00:00+01:00"))).toBe(true);
  });

  it("stays closed on a holiday", () => {
    // Easter Monday.
    const office2026 = hours({ weekly: WEEKDAYS_9_TO_5, holidays: ["2026-04-06"] });
    expect(isOpenAt(office2026, at("2026-04-06T10:00:00+02:00"))).toBe(false);
    expect(isOpenAt(office2026, at("2026-04-07T10:00:00+02:00"))).toBe(true);
  });

  it("lets a holiday cancel the shifts that start on it, not one that started the evening before", () => {
    // Good Friday is the holiday: Thursday's night shift still runs into it; Friday's does not start.
    const nights = hours({
      weekly: [
        { day: "thu", start: "22:00", end: "06:00" },
        { day: "fri", start: "22:00", end: "06:00" },
      ],
      holidays: ["2026-04-03"],
    });
    expect(isOpenAt(nights, at("2026-04-02T23:00:00+02:00"))).toBe(true);
    expect(isOpenAt(nights, at("2026-04-03T03:00:00+02:00")), "holiday, 03:00").toBe(true);
    expect(isOpenAt(nights, at("2026-04-03T23:00:00+02:00")), "holiday, 23:00").toBe(false);
    expect(isOpenAt(nights, at("2026-04-04T03:00:00+02:00")), "day after, 03:00").toBe(false);
  });

  it("follows Amsterdam's clocks going forward (2026-03-29)", () => {
    const weekend = hours({
      weekly: [
        { day: "sat", start: "22:00", end: "06:00" },
        { day: "sun", start: "09:00", end: "17:00" },
      ],
    });
    // Saturday 22:00 CET to Sunday 06:00 CEST: 7 hours, 21:00Z to 04:00Z.
    expect(isOpenAt(weekend, at("2026-03-28T20:59:00Z"))).toBe(false);
    expect(isOpenAt(weekend, at("2026-03-28T21:00:00Z"))).toBe(true);
    expect(isOpenAt(weekend, at("2026-03-29T03:59:00Z"))).toBe(true);
    expect(isOpenAt(weekend, at("2026-03-29T04:00:00Z"))).toBe(false);
    // Sunday 09:00 CEST is 07:00Z; a week earlier 09:00 CET was 08:00Z.
    expect(isOpenAt(weekend, at("2026-03-29T06:59:00Z"))).toBe(false);
    expect(isOpenAt(weekend, at("2026-03-29T07:00:00Z"))).toBe(true);
    expect(isOpenAt(weekend, at("2026-03-22T07:30:00Z"))).toBe(false);
    expect(isOpenAt(weekend, at("2026-03-22T08:00:00Z"))).toBe(true);
  });

  it("follows Amsterdam's clocks going back (2026-10-25): the night shift lasts 9 hours", () => {
    const night = hours({ weekly: [{ day: "sat", start: "22:00", end: "06:00" }] });
    expect(isOpenAt(night, at("2026-10-24T20:00:00Z"))).toBe(true);
    expect(isOpenAt(night, at("2026-10-25T04:59:00Z"))).toBe(true);
    expect(isOpenAt(night, at("2026-10-25T05:00:00Z"))).toBe(false);
  });

  it("follows New York's clocks on both changes (2026-03-08 and 2026-11-01)", () => {
    const sunday = hours({
      timeZone: "America/New_York",
      weekly: [{ day: "sun", start: "09:00", end: "17:00" }],
    });
    // EST (-05:00) a week before, EDT (-04:00) on the day and after, EST again from November 1.
    expect(isOpenAt(sunday, at("2026-03-01T13:30:00Z"))).toBe(false);
    expect(isOpenAt(sunday, at("2026-03-01T14:00:00Z"))).toBe(true);
    expect(isOpenAt(sunday, at("2026-03-08T12:59:00Z"))).toBe(false);
    expect(isOpenAt(sunday, at("2026-03-08T13:00:00Z"))).toBe(true);
    expect(isOpenAt(sunday, at("2026-03-08T20:59:00Z"))).toBe(true);
    expect(isOpenAt(sunday, at("2026-03-08T21:00:00Z"))).toBe(false);
    expect(isOpenAt(sunday, at("2026-11-01T13:30:00Z"))).toBe(false);
    expect(isOpenAt(sunday, at("2026-11-01T14:00:00Z"))).toBe(true);
    expect(isOpenAt(sunday, at("2026-11-01T21:59:00Z"))).toBe(true);
    expect(isOpenAt(sunday, at("2026-11-01T22:00:00Z"))).toBe(false);
  });
});

describe("nextOpening", () => {
  const office = hours({ weekly: WEEKDAYS_9_TO_5 });

  it("is the moment asked about while the team is open", () => {
    const now = at("2026-03-16T10:00:00+01:00");
    expect(nextOpening(office, now)).toEqual(now);
  });

  it("is later the same day before opening", () => {
    expect(nextOpening(office, at("2026-03-16T07:00:00+01:00"))).toEqual(at("2026-03-16T09:00:00+01:00"));
  });

  it("skips the weekend", () => {
    expect(nextOpening(office, at("2026-03-13T17:30:00+01:00"))).toEqual(at("2026-03-16T09:00:00+01:00"));
    expect(nextOpening(office, at("2026-03-13T17:00:00+01:00"))).toEqual(at("2026-03-16T09:00:00+01:00"));
  });

  it("skips a weekend over which the clocks go forward", () => {
    expect(nextOpening(office, at("2026-03-27T18:00:00+01:00"))).toEqual(at("2026-03-30T09:00:00+02:00"));
  });

  it("skips holidays", () => {
    const easter = hours({ weekly: WEEKDAYS_9_TO_5, holidays: ["2026-04-03", "2026-04-06"] });
    expect(nextOpening(easter, at("2026-04-02T18:00:00+02:00"))).toEqual(at("2026-04-07T09:00:00+02:00"));
  });

  it("finds the start of an overnight shift", () => {
    const night = hours({ weekly: [{ day: "fri", start: "22:00", end: "06:00" }] });
    expect(nextOpening(night, at("2026-03-14T07:00:00+01:00"))).toEqual(at("2026-03-20T22:00:00+01:00"));
  });

  it("passes over a shift that lies wholly in the hour the clocks skip", () => {
    const skipped = hours({
      weekly: [
        { day: "sun", start: "02:00", end: "03:00" },
        { day: "sun", start: "10:00", end: "12:00" },
      ],
    });
    expect(nextOpening(skipped, at("2026-03-29T00:30:00+01:00"))).toEqual(at("2026-03-29T10:00:00+02:00"));
  });

  it("is null when the team never opens, or not within two weeks", () => {
    expect(nextOpening(hours({ weekly: [] }), at("2026-03-16T10:00:00+01:00"))).toBeNull();
    const mondays = hours({
      weekly: [{ day: "mon", start: "09:00", end: "17:00" }],
      holidays: ["2026-04-13", "2026-04-20"],
    });
    expect(nextOpening(mondays, at("2026-04-07T10:00:00+02:00"))).toBeNull();
    expect(nextOpening(mondays, at("2026-04-14T10:00:00+02:00"))).toEqual(at("2026-04-27T09:00:00+02:00"));
  });
});
