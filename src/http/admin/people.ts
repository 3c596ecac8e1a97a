import { and, eq, sql } from "drizzle-orm";
import { recordAudit } from "../../core/audit.js";
import { hashToken, newApiToken } from "../../core/workspaces.js";
import { apiTokens, conversations, teamMembers, teams, users } from "../../db/schema.js";
import { HttpError, notFound } from "../errors.js";
import { isUniqueViolation } from "./db-errors.js";
import type { AdminDeps } from "./deps.js";
import {
  newestFirst,
  olderThan,
  pageQuerySchema,
  readCursor,
  timeKeySchema,
  timeKeyText,
  toPage,
} from "./pagination.js";
import { type AdminRoute, defineRoute } from "./route.js";
import {
  teamCreateSchema,
  teamPageSchema,
  teamPatchSchema,
  teamSchema,
  userCreateSchema,
  userPageSchema,
  userPatchSchema,
  userSchema,
  userTokenCreateSchema,
  userTokenSchema,
} from "./schemas/people.js";

/**
 * Support staff (users) and the teams they are in: hand-off routing picks from them, and a
 * person's own API token opens their inbox ("mine"). Presence is a column, so every replica
 * routes by the same state.
 */

/*
 * The derived fields are written in plain SQL with the outer table named outright: drizzle
 * leaves column references of a single-table select unqualified, so `${users.id}` inside a
 * subquery would bind to the subquery's own tables.
 */
const userColumns = {
  id: users.id,
  name: users.name,
  email: users.email,
  status: users.status,
  maxOpenConversations: users.maxOpenConversations,
  avatarUrl: users.avatarUrl,
  // The teams they are in, oldest team first.
  teamIds: sql<string[]>`coalesce((
    select json_agg(tm.team_id order by t.created_at, t.id)
    from team_members tm join teams t on t.id = tm.team_id
    where tm.user_id = "users"."id"
  ), '[]'::json)`,
  // Their inbox: open conversations held by them (conversations_inbox_idx answers it).
  openConversations: sql<number>`(
    select count(*)::int from conversations c
    where c.workspace_id = "users"."workspace_id"
      and c.status = 'open'
      and c.holder = 'user'
      and c.holder_id = "users"."id"::text
  )`,
  createdAt: users.createdAt,
};

interface UserRow {
  id: string;
  name: string;
  email: string;
  status: "available" | "away";
  maxOpenConversations: number | null;
  avatarUrl: string | null;
  teamIds: string[];
  openConversations: number;
  createdAt: Date;
}

const userJson = (row: UserRow) => ({ ...row, createdAt: row.createdAt.toISOString() });

const teamColumns = {
  id: teams.id,
  name: teams.name,
  // Its members, in the order they joined the workspace.
  memberIds: sql<string[]>`coalesce((
    select json_agg(tm.user_id order by u.created_at, u.id)
    from team_members tm join users u on u.id = tm.user_id
    where tm.team_id = "teams"."id"
  ), '[]'::json)`,
  createdAt: teams.createdAt,
};

interface TeamRow {
  id: string;
  name: string;
  memberIds: string[];
  createdAt: Date;
}

const teamJson = (row: TeamRow) => ({ ...row, createdAt: row.createdAt.toISOString() });

const userIds = { userId: "user" };
const teamIds = { teamId: "team" };
const memberIds = { teamId: "team", userId: "user" };

const userInWorkspace = (workspaceId: string, userId: string) =>
  and(eq(users.id, userId), eq(users.workspaceId, workspaceId));
const teamInWorkspace = (workspaceId: string, teamId: string) =>
  and(eq(teams.id, teamId), eq(teams.workspaceId, workspaceId));

const EMAIL_UNIQUE = "users_workspace_email_uq";
const DEFAULT_TOKEN_NAME = "personal";

/** Email addresses are unique per workspace: a second user with one is a 409, not a 500. */
async function checkingEmail<T>(email: string | undefined, write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (!isUniqueViolation(err, EMAIL_UNIQUE)) throw err;
    throw new HttpError(409, "conflict", `email: another user in this workspace already has "${email}".`);
  }
}

export function peopleRoutes({ database, clock }: AdminDeps): AdminRoute[] {
  const { db } = database;

  async function findUser(workspaceId: string, userId: string) {
    const [row] = await db.select(userColumns).from(users).where(userInWorkspace(workspaceId, userId));
    if (!row) throw notFound("user");
    return userJson(row);
  }

  async function findTeam(workspaceId: string, teamId: string) {
    const [row] = await db.select(teamColumns).from(teams).where(teamInWorkspace(workspaceId, teamId));
    if (!row) throw notFound("team");
    return teamJson(row);
  }

  return [
    defineRoute({
      method: "get",
      path: "/users",
      operationId: "listUsers",
      tag: "People",
      summary: "List support users",
      description: "Newest first.",
      query: pageQuerySchema,
      status: 200,
      response: userPageSchema,
      responseDescription: "A page of users.",
      async handle({ workspaceId, query }) {
        const after = readCursor(query.cursor, timeKeySchema);
        const rows = await db
          .select({ ...userColumns, key: timeKeyText(users.createdAt) })
          .from(users)
          .where(
            and(eq(users.workspaceId, workspaceId), after && olderThan(users.createdAt, users.id, after)),
          )
          .orderBy(...newestFirst(users.createdAt, users.id))
          .limit(query.limit + 1);
        return toPage(
          rows,
          query.limit,
          (r) => [r.key, r.id],
          ({ key: _, ...r }) => userJson(r),
        );
      },
    }),
    defineRoute({
      method: "post",
      path: "/users",
      operationId: "createUser",
      tag: "People",
      summary: "Add a support user",
      description:
        "Someone who picks up conversations the agents hand off. 409 if another user in the " +
        "workspace has the email address.",
      body: userCreateSchema,
      status: 201,
      response: userSchema,
      responseDescription: "The new user.",
      errors: [409],
      async handle({ workspaceId, actor, body }) {
        const now = clock.now();
        const id = await checkingEmail(
          body.email,
          db.transaction(async (tx) => {
            const [row] = await tx
              .insert(users)
              .values({ ...body, workspaceId, createdAt: now })
              .returning({ id: users.id });
            if (!row) throw new Error("user insert returned nothing");
            await recordAudit(tx, {
              workspaceId,
              actor,
              action: "user.created",
              subjectType: "user",
              subjectId: row.id,
              details: { name: body.name, email: body.email, status: body.status },
              now,
            });
            return row.id;
          }),
        );
        return findUser(workspaceId, id);
      },
    }),
    defineRoute({
      method: "get",
      path: "/users/:userId",
      operationId: "getUser",
      tag: "People",
      summary: "Get a support user",
      ids: userIds,
      status: 200,
      response: userSchema,
      responseDescription: "The user.",
      handle: ({ workspaceId, ids }) => findUser(workspaceId, ids.userId),
    }),
    defineRoute({
      method: "patch",
      path: "/users/:userId",
      operationId: "updateUser",
      tag: "People",
      summary: "Update a support user, or set their presence",
      description:
        "Changes the fields sent and leaves the others as they are. Setting `status` to `away` or " +
        "`available` is how presence is set; each change of it is in the audit log.",
      ids: userIds,
      body: userPatchSchema,
      status: 200,
      response: userSchema,
      responseDescription: "The user as changed.",
      errors: [409],
      async handle({ workspaceId, actor, ids, body }) {
        const now = clock.now();
        await checkingEmail(
          body.email,
          db.transaction(async (tx) => {
            const [before] = await tx
              .select({ status: users.status })
              .from(users)
              .where(userInWorkspace(workspaceId, ids.userId))
              .for("update");
            if (!before) throw notFound("user");
            if (Object.keys(body).length === 0) return;
            await tx.update(users).set(body).where(eq(users.id, ids.userId));
            if (body.status !== undefined && body.status !== before.status) {
              await recordAudit(tx, {
                workspaceId,
                actor,
                action: "user.status_changed",
                subjectType: "user",
                subjectId: ids.userId,
                details: { from: before.status, to: body.status },
                now,
              });
            }
          }),
        );
        return findUser(workspaceId, ids.userId);
      },
    }),
    defineRoute({
      method: "delete",
      path: "/users/:userId",
      operationId: "deleteUser",
      tag: "People",
      summary: "Remove a support user",
      description: "Also revokes their API tokens and takes them out of their teams.",
      ids: userIds,
      status: 204,
      responseDescription: "Deleted.",
      async handle({ workspaceId, actor, ids }) {
        const now = clock.now();
        await db.transaction(async (tx) => {
          const [deleted] = await tx
            .delete(users)
            .where(userInWorkspace(workspaceId, ids.userId))
            .returning({ name: users.name, email: users.email });
          if (!deleted) throw notFound("user");
          // Whatever they held goes back to the queue rather than to nobody that exists.
          await tx
            .update(conversations)
            .set({ holder: "nobody", holderId: null })
            .where(
              and(
                eq(conversations.workspaceId, workspaceId),
                eq(conversations.status, "open"),
                eq(conversations.holder, "user"),
                eq(conversations.holderId, ids.userId),
              ),
            );
          await recordAudit(tx, {
            workspaceId,
            actor,
            action: "user.deleted",
            subjectType: "user",
            subjectId: ids.userId,
            details: deleted,
            now,
          });
        });
      },
    }),
    defineRoute({
      method: "post",
      path: "/users/:userId/tokens",
      operationId: "createUserToken",
      tag: "People",
      summary: "Give a support user an API token",
      description:
        "A token that belongs to this person: requests made with it act as them (the audit log " +
        "names them, and their inbox is theirs). The token is in this response only; Parley keeps " +
        "just its hash. Deleting the user revokes it.",
      ids: userIds,
      body: userTokenCreateSchema,
      status: 201,
      response: userTokenSchema,
      responseDescription: "The token, shown this once.",
      async handle({ workspaceId, actor, ids, body }) {
        const now = clock.now();
        const token = newApiToken();
        const name = body.name ?? DEFAULT_TOKEN_NAME;
        await db.transaction(async (tx) => {
          // Held until commit, so the user cannot be deleted between the check and the insert.
          const [user] = await tx
            .select({ id: users.id })
            .from(users)
            .where(userInWorkspace(workspaceId, ids.userId))
            .for("key share");
          if (!user) throw notFound("user");
          await tx
            .insert(apiTokens)
            .values({ workspaceId, name, tokenHash: hashToken(token), userId: user.id, createdAt: now });
          await recordAudit(tx, {
            workspaceId,
            actor,
            action: "user.token_created",
            subjectType: "user",
            subjectId: user.id,
            details: { name },
            now,
          });
        });
        return { token, userId: ids.userId, name };
      },
    }),
    defineRoute({
      method: "get",
      path: "/me",
      operationId: "getMe",
      tag: "People",
      summary: "The person this token belongs to",
      description: "404 for a workspace admin token, which belongs to no one.",
      status: 200,
      response: userSchema,
      responseDescription: "The token's user.",
      errors: [404],
      async handle({ workspaceId, userId }) {
        if (userId === null) {
          throw new HttpError(404, "not_found", "This token belongs to the workspace, not to a person.");
        }
        return findUser(workspaceId, userId);
      },
    }),
    defineRoute({
      method: "get",
      path: "/teams",
      operationId: "listTeams",
      tag: "Teams",
      summary: "List teams",
      description: "Newest first.",
      query: pageQuerySchema,
      status: 200,
      response: teamPageSchema,
      responseDescription: "A page of teams.",
      async handle({ workspaceId, query }) {
        const after = readCursor(query.cursor, timeKeySchema);
        const rows = await db
          .select({ ...teamColumns, key: timeKeyText(teams.createdAt) })
          .from(teams)
          .where(
            and(eq(teams.workspaceId, workspaceId), after && olderThan(teams.createdAt, teams.id, after)),
          )
          .orderBy(...newestFirst(teams.createdAt, teams.id))
          .limit(query.limit + 1);
        return toPage(
          rows,
          query.limit,
          (r) => [r.key, r.id],
          ({ key: _, ...r }) => teamJson(r),
        );
      },
    }),
    defineRoute({
      method: "post",
      path: "/teams",
      operationId: "createTeam",
      tag: "Teams",
      summary: "Create a team",
      description: "It starts without members; add them with `PUT /teams/{teamId}/members/{userId}`.",
      body: teamCreateSchema,
      status: 201,
      response: teamSchema,
      responseDescription: "The new team.",
      async handle({ workspaceId, body }) {
        const [row] = await db
          .insert(teams)
          .values({ ...body, workspaceId, createdAt: clock.now() })
          .returning({ id: teams.id, name: teams.name, createdAt: teams.createdAt });
        if (!row) throw new Error("team insert returned nothing");
        return teamJson({ ...row, memberIds: [] });
      },
    }),
    defineRoute({
      method: "get",
      path: "/teams/:teamId",
      operationId: "getTeam",
      tag: "Teams",
      summary: "Get a team",
      ids: teamIds,
      status: 200,
      response: teamSchema,
      responseDescription: "The team.",
      handle: ({ workspaceId, ids }) => findTeam(workspaceId, ids.teamId),
    }),
    defineRoute({
      method: "patch",
      path: "/teams/:teamId",
      operationId: "updateTeam",
      tag: "Teams",
      summary: "Rename a team",
      description: "Changes the fields sent and leaves the others as they are.",
      ids: teamIds,
      body: teamPatchSchema,
      status: 200,
      response: teamSchema,
      responseDescription: "The team as changed.",
      async handle({ workspaceId, ids, body }) {
        if (Object.keys(body).length > 0) {
          const updated = await db
            .update(teams)
            .set(body)
            .where(teamInWorkspace(workspaceId, ids.teamId))
            .returning({ id: teams.id });
          if (updated.length === 0) throw notFound("team");
        }
        return findTeam(workspaceId, ids.teamId);
      },
    }),
    defineRoute({
      method: "delete",
      path: "/teams/:teamId",
      operationId: "deleteTeam",
      tag: "Teams",
      summary: "Delete a team",
      description: "Its members stay users of the workspace.",
      ids: teamIds,
      status: 204,
      responseDescription: "Deleted.",
      async handle({ workspaceId, ids }) {
        const deleted = await db
          .delete(teams)
          .where(teamInWorkspace(workspaceId, ids.teamId))
          .returning({ id: teams.id });
        if (deleted.length === 0) throw notFound("team");
      },
    }),
    defineRoute({
      method: "put",
      path: "/teams/:teamId/members/:userId",
      operationId: "addTeamMember",
      tag: "Teams",
      summary: "Add a user to a team",
      description: "Idempotent: adding a member again changes nothing.",
      ids: memberIds,
      status: 204,
      responseDescription: "The user is a member.",
      async handle({ workspaceId, ids }) {
        await db.transaction(async (tx) => {
          // Both held until commit, so neither can be deleted between the check and the insert.
          const [team] = await tx
            .select({ id: teams.id })
            .from(teams)
            .where(teamInWorkspace(workspaceId, ids.teamId))
            .for("key share");
          if (!team) throw notFound("team");
          const [user] = await tx
            .select({ id: users.id })
            .from(users)
            .where(userInWorkspace(workspaceId, ids.userId))
            .for("key share");
          if (!user) throw notFound("user");
          await tx.insert(teamMembers).values({ teamId: team.id, userId: user.id }).onConflictDoNothing();
        });
      },
    }),
    defineRoute({
      method: "delete",
      path: "/teams/:teamId/members/:userId",
      operationId: "removeTeamMember",
      tag: "Teams",
      summary: "Take a user out of a team",
      description: "404 if they are not a member.",
      ids: memberIds,
      status: 204,
      responseDescription: "The user is no longer a member.",
      async handle({ workspaceId, ids }) {
        const [team] = await db
          .select({ id: teams.id })
          .from(teams)
          .where(teamInWorkspace(workspaceId, ids.teamId));
        if (!team) throw notFound("team");
        const [user] = await db
          .select({ id: users.id })
          .from(users)
          .where(userInWorkspace(workspaceId, ids.userId));
        if (!user) throw notFound("user");
        const removed = await db
          .delete(teamMembers)
          .where(and(eq(teamMembers.teamId, team.id), eq(teamMembers.userId, user.id)))
          .returning({ userId: teamMembers.userId });
        if (removed.length === 0) {
          throw new HttpError(404, "not_found", "That user is not a member of this team.");
        }
      },
    }),
  ];
}
