import { eq, sql } from "drizzle-orm";
import type { Database, Tx } from "../../db/client.js";
import { agents, type ConversationHolder, workspaces } from "../../db/schema.js";
import { availabilityMessage } from "../availability/availability-texts.js";
import {
  type BusinessHours,
  businessHoursSchema,
  isOpenAt,
  nextOpening,
} from "../availability/business-hours.js";
import {
  type AvailabilityState,
  type MemberPresence,
  pickRoundRobin,
  teamAvailability,
} from "../availability/team-state.js";
import type { AssignTo } from "./settings.js";

/** Why a conversation goes to people. */
export type HandoffReason =
  | "paused"
  | "out_of_credits"
  | "trigger"
  | "customer_asked"
  | "agent_cannot_answer"
  | "helpdesk_ticket";

export interface HandoffPlan {
  holder: ConversationHolder;
  holderId: string | null;
  /** The team's state, computed once, at the hand-off. */
  availability: AvailabilityState;
  /** What the customer is told: the availability message in their language. */
  text: string;
}

export interface HandoffInput {
  workspaceId: string;
  /** The agent whose routing applies (its round-robin cursor moves); none for an account without one. */
  agentId: string | null;
  assignTo: AssignTo;
  contactId: string;
  language: string;
  now: Date;
}

/**
 * Where a conversation goes when the agent will not or cannot keep it, and what the customer is
 * told. Routing: the queue (`nobody`), an available member of the chosen users and teams with
 * spare capacity (round robin, the queue if none), or the contact's owner (if available with
 * capacity, else the queue). Presence and capacity come from the database, so every replica
 * decides alike; the agent's row is locked while its round-robin cursor moves, so two hand-offs
 * at once never pick from the same position.
 */
export async function planHandOff(database: Database, tx: Tx, input: HandoffInput): Promise<HandoffPlan> {
  const [workspace] = await tx
    .select({ hours: workspaces.businessHours, messages: workspaces.availabilityMessages })
    .from(workspaces)
    .where(eq(workspaces.id, input.workspaceId));
  const route = input.assignTo;
  const candidates = await candidateMembers(database, tx, input);
  const hours = readHours(
    route.kind === "users_and_teams"
      ? ((await teamHours(database, tx, route.teamIds)) ?? workspace?.hours)
      : workspace?.hours,
  );
  // A workspace that has set up no people tells Parley nothing about presence: only its business
  // hours speak, rather than calling a team "away" that the product has never heard of.
  const availability =
    candidates.length === 0 && route.kind === "nobody"
      ? hours && !isOpenAt(hours, input.now)
        ? "outside_hours"
        : "available"
      : teamAvailability({ hours, members: candidates, at: input.now });

  let holder: ConversationHolder = "nobody";
  let holderId: string | null = null;
  if (availability === "available" && route.kind !== "nobody") {
    let cursor: string | null = null;
    if (route.kind === "users_and_teams" && input.agentId) {
      const [agent] = await tx
        .select({ cursor: agents.lastAssignedUserId })
        .from(agents)
        .where(eq(agents.id, input.agentId))
        .for("update");
      cursor = agent?.cursor ?? null;
    }
    const chosen = pickRoundRobin(candidates, cursor);
    if (chosen) {
      holder = "user";
      holderId = chosen.userId;
      if (route.kind === "users_and_teams" && input.agentId) {
        await tx
          .update(agents)
          .set({ lastAssignedUserId: chosen.userId })
          .where(eq(agents.id, input.agentId));
      }
    }
  }
  const text = availabilityMessage({
    state: availability,
    language: input.language,
    overrides: workspace?.messages ?? {},
    nextOpening: hours ? nextOpening(hours, input.now) : null,
    timeZone: hours?.timeZone,
  });
  return { holder, holderId, availability, text };
}

function readHours(stored: unknown): BusinessHours | null {
  if (!stored) return null;
  const parsed = businessHoursSchema.safeParse(stored);
  return parsed.success ? parsed.data : null;
}

/** The hours of the one team routed to, when exactly one of them has its own. */
async function teamHours(database: Database, tx: Tx, teamIds: readonly string[]): Promise<unknown> {
  if (teamIds.length === 0) return undefined;
  const rows = await database.rows<{ hours: unknown }>(
    sql`SELECT business_hours AS hours FROM teams
        WHERE id IN (${sql.join(
          teamIds.map((id) => sql`${id}::uuid`),
          sql`, `,
        )}) AND business_hours IS NOT NULL`,
    tx,
  );
  return rows.length === 1 ? rows[0]?.hours : undefined;
}

/**
 * Whose presence decides the state and who can be picked: the chosen users and teams' members,
 * the contact's owner, or — for the queue — everyone in the workspace.
 */
async function candidateMembers(database: Database, tx: Tx, input: HandoffInput): Promise<MemberPresence[]> {
  const route = input.assignTo;
  let filter: ReturnType<typeof sql>;
  if (route.kind === "users_and_teams") {
    const users = route.userIds.map((id) => sql`${id}::uuid`);
    const teams = route.teamIds.map((id) => sql`${id}::uuid`);
    if (users.length === 0 && teams.length === 0) return [];
    filter = sql`(${users.length ? sql`u.id IN (${sql.join(users, sql`, `)})` : sql`false`}
                  OR ${teams.length ? sql`u.id IN (SELECT user_id FROM team_members WHERE team_id IN (${sql.join(teams, sql`, `)}))` : sql`false`})`;
  } else if (route.kind === "owner") {
    filter = sql`u.id = (SELECT owner_user_id FROM contacts WHERE id = ${input.contactId})`;
  } else {
    filter = sql`true`;
  }
  const rows = await database.rows<{
    id: string;
    status: "available" | "away";
    max_open: number | null;
    open: number | string;
  }>(
    sql`SELECT u.id, u.status, u.max_open_conversations AS max_open,
               (SELECT count(*) FROM conversations c
                 WHERE c.status = 'open' AND c.holder = 'user' AND c.holder_id = u.id::text) AS open
        FROM users u
        WHERE u.workspace_id = ${input.workspaceId} AND ${filter}`,
    tx,
  );
  return rows.map((r) => ({
    userId: r.id,
    status: r.status,
    openConversations: Number(r.open),
    maxOpenConversations: r.max_open === null ? null : Number(r.max_open),
  }));
}
