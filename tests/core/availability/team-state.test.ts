import { describe, expect, it } from "vitest";
import { businessHoursSchema } from "../../../src/core/availability/business-hours.js";
import {
  type MemberPresence,
  pickRoundRobin,
  teamAvailability,
} from "../../../src/core/availability/team-state.js";

const hours = businessHoursSchema.parse({
  timeZone: "Europe/Amsterdam",
  weekly: (["mon", "tue", "wed", "thu", "fri"] as const).map((day) => ({
    day,
    start: "09:00",
    end: "17:00",
  })),
});
const OPEN = new Date("2026-03-16T10:00:00+01:00");
const CLOSED = new Date("2026-03-16T18:00:00+01:00");

function member(userId: string, overrides: Partial<MemberPresence> = {}): MemberPresence {
  return { userId, status: "available", openConversations: 0, maxOpenConversations: 5, ...overrides };
}

describe("teamAvailability", () => {
  it("is available when an available member has room", () => {
    expect(teamAvailability({ hours, members: [member("ann")], at: OPEN })).toBe("available");
  });

  it("is outside_hours when closed, even with members available", () => {
    expect(teamAvailability({ hours, members: [member("ann")], at: CLOSED })).toBe("outside_hours");
  });

  it("has no closed hours without business hours", () => {
    expect(teamAvailability({ hours: null, members: [member("ann")], at: CLOSED })).toBe("available");
  });

  it("is away when nobody is available, or there is nobody", () => {
    const members = [member("ann", { status: "away" }), member("bob", { status: "away" })];
    expect(teamAvailability({ hours, members, at: OPEN })).toBe("away");
    expect(teamAvailability({ hours, members: [], at: OPEN })).toBe("away");
    expect(teamAvailability({ hours: null, members: [], at: OPEN })).toBe("away");
  });

  it("is at_capacity when every available member is at or over their maximum", () => {
    const members = [
      member("ann", { openConversations: 5 }),
      member("bob", { openConversations: 7, maxOpenConversations: 3 }),
      member("cem", { maxOpenConversations: 0 }),
      // An away member with room does not make the team available.
      member("dan", { status: "away" }),
    ];
    expect(teamAvailability({ hours, members, at: OPEN })).toBe("at_capacity");
  });

  it("is available while one available member has room, or has no maximum", () => {
    const full = member("ann", { openConversations: 5 });
    expect(
      teamAvailability({ hours, members: [full, member("bob", { openConversations: 4 })], at: OPEN }),
    ).toBe("available");
    const unlimited = member("bob", { openConversations: 500, maxOpenConversations: null });
    expect(teamAvailability({ hours, members: [full, unlimited], at: OPEN })).toBe("available");
  });
});

describe("pickRoundRobin", () => {
  const ids = (picked: MemberPresence | null) => picked?.userId ?? null;

  it("starts with the first by userId, whatever order the members come in", () => {
    expect(ids(pickRoundRobin([member("cem"), member("ann"), member("bob")], null))).toBe("ann");
  });

  it("takes the one after the last assignee and wraps around", () => {
    const team = [member("cem"), member("ann"), member("bob")];
    expect(ids(pickRoundRobin(team, "ann"))).toBe("bob");
    expect(ids(pickRoundRobin(team, "bob"))).toBe("cem");
    expect(ids(pickRoundRobin(team, "cem"))).toBe("ann");
  });

  it("skips away and full members", () => {
    const team = [
      member("ann"),
      member("bob", { status: "away" }),
      member("cem", { openConversations: 5 }),
      member("dan", { openConversations: 9, maxOpenConversations: null }),
    ];
    expect(ids(pickRoundRobin(team, "ann"))).toBe("dan");
    expect(ids(pickRoundRobin(team, "dan"))).toBe("ann");
  });

  it("passes the turn on when the last assignee is no longer a candidate", () => {
    expect(ids(pickRoundRobin([member("ann"), member("cem")], "bob"))).toBe("cem");
    expect(ids(pickRoundRobin([member("ann"), member("cem")], "zoe"))).toBe("ann");
  });

  it("orders by code units, so the order is the same on every server", () => {
    expect(ids(pickRoundRobin([member("b"), member("B"), member("a")], null))).toBe("B");
  });

  it("is null when nobody can take a conversation", () => {
    expect(pickRoundRobin([], null)).toBeNull();
    expect(
      pickRoundRobin([member("ann", { status: "away" }), member("bob", { openConversations: 5 })], "ann"),
    ).toBeNull();
  });
});
