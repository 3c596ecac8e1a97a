import { type BusinessHours, isOpenAt } from "./business-hours.js";

/** What the team can offer a customer handed to it right now; decides what the customer is told. */
export type AvailabilityState = "available" | "away" | "at_capacity" | "outside_hours";

export interface MemberPresence {
  userId: string;
  status: "available" | "away";
  openConversations: number;
  /** null = no maximum. */
  maxOpenConversations: number | null;
}

/**
 * The team's state at `at`. Closed hours come first: outside them nobody is expected to answer,
 * whoever forgot to set themselves away. Then presence, then capacity. No hours means always open.
 */
export function teamAvailability(input: {
  hours: BusinessHours | null;
  members: MemberPresence[];
  at: Date;
}): AvailabilityState {
  if (input.hours && !isOpenAt(input.hours, input.at)) return "outside_hours";
  const available = input.members.filter((member) => member.status === "available");
  if (available.length === 0) return "away";
  if (!available.some(hasSpareCapacity)) return "at_capacity";
  return "available";
}

/**
 * The next member to assign, taking turns: among available members with spare capacity, ordered
 * by userId so every process agrees on the order, the first one after `lastAssignedUserId`,
 * wrapping to the start. The last assignee need not be a candidate any more (gone away, full or
 * removed): the turn still passes to whoever comes after them. Null when nobody can take one.
 */
export function pickRoundRobin(
  candidates: MemberPresence[],
  lastAssignedUserId: string | null,
): MemberPresence | null {
  const eligible = candidates
    .filter((member) => member.status === "available" && hasSpareCapacity(member))
    // Code-unit order, not localeCompare: the same on every server whatever its locale.
    .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  const last = lastAssignedUserId;
  const next = last === null ? undefined : eligible.find((member) => member.userId > last);
  return next ?? eligible[0] ?? null;
}

function hasSpareCapacity(member: MemberPresence): boolean {
  return member.maxOpenConversations === null || member.openConversations < member.maxOpenConversations;
}
