import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { ManualClock } from "../../src/core/clock.js";
import { workspaceForToken } from "../../src/core/workspaces.js";
import type { Db } from "../../src/db/client.js";
import { apiTokens, channelThreads, contacts, conversations } from "../../src/db/schema.js";
import type { channelAccountSchema } from "../../src/http/admin/schemas/channel-accounts.js";
import type { auditEntrySchema } from "../../src/http/admin/schemas/credits.js";
import { teamSchema, userSchema, userTokenSchema } from "../../src/http/admin/schemas/people.js";
import { engines } from "../helpers/db.js";
import { startTestParley, type TestParley } from "../helpers/server.js";
import {
  AdminClient,
  expectError,
  expectShape,
  MISSING_ID,
  otherWorkspace,
  type Page,
} from "./admin-client.js";

type User = z.output<typeof userSchema>;
type Team = z.output<typeof teamSchema>;
type UserToken = z.output<typeof userTokenSchema>;
type AuditEntry = z.output<typeof auditEntrySchema>;
type ChannelAccount = z.output<typeof channelAccountSchema>;

/** A conversation as the message path would leave it, held by `holder`/`holderId`. */
async function seedConversation(
  db: Db,
  seed: {
    workspaceId: string;
    channelAccountId: string;
    holder: "agent" | "user" | "team" | "nobody";
    holderId: string | null;
    status?: "open" | "closed";
  },
) {
  const externalId = randomUUID();
  const [contact] = await db
    .insert(contacts)
    .values({ workspaceId: seed.workspaceId, channelAccountId: seed.channelAccountId, externalId })
    .returning({ id: contacts.id });
  const [thread] = await db
    .insert(channelThreads)
    .values({
      workspaceId: seed.workspaceId,
      channelAccountId: seed.channelAccountId,
      threadKey: randomUUID(),
      contactExternalId: externalId,
      contactId: contact!.id,
    })
    .returning({ id: channelThreads.id });
  const closed = seed.status === "closed";
  const [conversation] = await db
    .insert(conversations)
    .values({
      workspaceId: seed.workspaceId,
      channelAccountId: seed.channelAccountId,
      threadId: thread!.id,
      contactId: contact!.id,
      status: seed.status ?? "open",
      holder: seed.holder,
      holderId: seed.holderId,
      closedAt: closed ? new Date() : null,
    })
    .returning({ id: conversations.id });
  return conversation!.id;
}

for (const engine of engines) {
  describe(`admin API: support users and teams (${engine})`, () => {
    const clock = new ManualClock();
    let gateway: TestParley;
    let api: AdminClient;
    let db: Db;
    let workspaceId: string;
    let emailCounter = 0;
    const freshEmail = () => `person${++emailCounter}@example.com`;

    beforeAll(async () => {
      gateway = await startTestParley(engine, { clock });
      api = new AdminClient(gateway.url, gateway.adminToken);
      db = gateway.parley.database.db;
      workspaceId = (await workspaceForToken(db, gateway.adminToken))!;
    });
    afterAll(async () => {
      await gateway?.stop();
    });

    it("creates, reads, lists, updates and deletes a user", async () => {
      const created = await api.post<User>("/users", { name: "  Ana Silva ", email: " Ana@Example.COM " });
      expect(created.status).toBe(201);
      expectShape(userSchema, created.body);
      expect(created.body).toEqual({
        id: expect.any(String),
        name: "Ana Silva",
        email: "ana@example.com",
        status: "available",
        maxOpenConversations: null,
        avatarUrl: null,
        teamIds: [],
        openConversations: 0,
        createdAt: clock.now().toISOString(),
      });
      const path = `/users/${created.body.id}`;

      expect((await api.get<User>(path)).body).toEqual(created.body);
      const listed = await api.get<Page<User>>("/users");
      expect(listed.status).toBe(200);
      expect(listed.body.data).toContainEqual(created.body);

      const updated = await api.patch<User>(path, {
        name: "Ana S.",
        maxOpenConversations: 5,
        avatarUrl: "https://cdn.example.com/ana.png",
      });
      expect(updated.status).toBe(200);
      expectShape(userSchema, updated.body);
      expect(updated.body).toEqual({
        ...created.body,
        name: "Ana S.",
        maxOpenConversations: 5,
        avatarUrl: "https://cdn.example.com/ana.png",
      });
      expect((await api.get<User>(path)).body).toEqual(updated.body);

      const cleared = await api.patch<User>(path, { maxOpenConversations: null, avatarUrl: null });
      expect(cleared.body).toEqual({ ...updated.body, maxOpenConversations: null, avatarUrl: null });
      expect((await api.patch<User>(path, {})).body).toEqual(cleared.body);

      const deleted = await api.delete(path);
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe("");
      expectError(await api.get(path), 404, "not_found", "user");
      expectError(await api.patch(path, { name: "Back" }), 404, "not_found", "user");
      expectError(await api.delete(path), 404, "not_found", "user");
      expect((await api.walk<User>("/users", 200)).items.map((u) => u.id)).not.toContain(created.body.id);
    });

    it("creates a user with every field given", async () => {
      const body = {
        name: "Bo",
        email: freshEmail(),
        status: "away",
        maxOpenConversations: 3,
        avatarUrl: "https://example.com/bo.jpg",
      };
      const created = await api.post<User>("/users", body);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject(body);
    });

    it("answers a duplicate email, in any case, with 409 conflict, on create and on update", async () => {
      const email = freshEmail();
      const first = await api.create<User>("/users", { name: "First", email });
      const dup = await api.post("/users", { name: "Second", email: email.toUpperCase() });
      expectError(dup, 409, "conflict", "email");

      const second = await api.create<User>("/users", { name: "Second", email: freshEmail() });
      expectError(await api.patch(`/users/${second.id}`, { email }), 409, "conflict", "email");
      expect((await api.get<User>(`/users/${second.id}`)).body).toEqual(second);
      // Keeping one's own address is no conflict.
      expect((await api.patch<User>(`/users/${first.id}`, { email })).status).toBe(200);

      // Unique per workspace, not across them.
      const other = await otherWorkspace(gateway);
      expect((await other.api.post<User>("/users", { name: "Elsewhere", email })).status).toBe(201);
    });

    it("refuses invalid bodies with 400 and a message naming the field", async () => {
      expectError(await api.post("/users", { name: "X" }), 400, "invalid_request", "email");
      expectError(await api.post("/users", { email: freshEmail() }), 400, "invalid_request", "name");
      expectError(
        await api.post("/users", { name: "X", email: "not-an-address" }),
        400,
        "invalid_request",
        "email",
        "must be an email address",
      );
      expectError(
        await api.post("/users", { name: "X", email: freshEmail(), maxOpenConversations: 0 }),
        400,
        "invalid_request",
        "maxOpenConversations",
      );
      expectError(
        await api.post("/users", { name: "X", email: freshEmail(), maxOpenConversations: 1.5 }),
        400,
        "invalid_request",
        "maxOpenConversations",
      );
      expectError(
        await api.post("/users", { name: "X", email: freshEmail(), status: "busy" }),
        400,
        "invalid_request",
        "status",
      );
      expectError(
        await api.post("/users", { name: "X", email: freshEmail(), avatarUrl: "http://example.com/a.png" }),
        400,
        "invalid_request",
        "avatarUrl",
      );
      expectError(
        await api.post("/users", { name: "X", email: freshEmail(), teamIds: [] }),
        400,
        "invalid_request",
        "teamIds",
      );

      const user = await api.create<User>("/users", { name: "Valid", email: freshEmail() });
      const path = `/users/${user.id}`;
      expectError(await api.patch(path, { status: "sleeping" }), 400, "invalid_request", "status");
      expectError(await api.patch(path, { email: "nope@" }), 400, "invalid_request", "email");
      expectError(
        await api.patch(path, { maxOpenConversations: 0 }),
        400,
        "invalid_request",
        "maxOpenConversations",
      );
      expectError(
        await api.patch(path, { openConversations: 3 }),
        400,
        "invalid_request",
        "openConversations",
      );
      expect((await api.get(path)).body).toEqual(user);

      expectError(await api.post("/teams", {}), 400, "invalid_request", "name");
      expectError(
        await api.post("/teams", { name: "T", businessHours: {} }),
        400,
        "invalid_request",
        "businessHours",
      );
    });

    it("sets presence with PATCH, in the audit log with who changed it, from and to", async () => {
      const user = await api.create<User>("/users", { name: "Presence", email: freshEmail() });
      const path = `/users/${user.id}`;
      const away = await api.patch<User>(path, { status: "away" });
      expect(away.body).toEqual({ ...user, status: "away" });
      // Not a change: not audited again.
      await api.patch(path, { status: "away" });
      const back = await api.patch<User>(path, { status: "available" });
      expect(back.body.status).toBe("available");

      const audit = (await api.walk<AuditEntry>("/audit-log", 50)).items.filter(
        (e) => e.subjectId === user.id,
      );
      expect(audit.map((e) => [e.action, e.actor, e.details])).toEqual([
        ["user.status_changed", "token:admin", { from: "away", to: "available" }],
        ["user.status_changed", "token:admin", { from: "available", to: "away" }],
        ["user.created", "token:admin", { name: "Presence", email: user.email, status: "available" }],
      ]);
      expect(audit[0]).toMatchObject({ subjectType: "user", createdAt: clock.now().toISOString() });

      await api.delete(path);
      const [deleted] = (await api.walk<AuditEntry>("/audit-log", 50)).items;
      expect(deleted).toMatchObject({
        action: "user.deleted",
        actor: "token:admin",
        subjectType: "user",
        subjectId: user.id,
        details: { name: "Presence", email: user.email },
      });
    });

    it("counts the open conversations a user holds, and only theirs", async () => {
      const user = await api.create<User>("/users", { name: "Inbox", email: freshEmail() });
      const someoneElse = await api.create<User>("/users", { name: "Not me", email: freshEmail() });
      const chat = await api.create<ChannelAccount>("/channel-accounts", {
        kind: "livechat",
        name: "Chat for people tests",
        externalId: `people-${engine}`,
      });
      const seed = (holder: "agent" | "user" | "team", holderId: string | null, status?: "closed") =>
        seedConversation(db, { workspaceId, channelAccountId: chat.id, holder, holderId, status });

      await seed("user", user.id);
      await seed("user", user.id);
      await seed("user", user.id, "closed");
      await seed("user", someoneElse.id);
      await seed("team", user.id);
      await seed("agent", null);

      expect((await api.get<User>(`/users/${user.id}`)).body.openConversations).toBe(2);
      expect((await api.get<User>(`/users/${someoneElse.id}`)).body.openConversations).toBe(1);
      const listed = (await api.walk<User>("/users", 200)).items.find((u) => u.id === user.id);
      expect(listed?.openConversations).toBe(2);
    });

    it("gives a person a token that authenticates as them: /me, and the audit log names them", async () => {
      const person = await api.create<User>("/users", { name: "Token Holder", email: freshEmail() });
      const issued = await api.post<UserToken>(`/users/${person.id}/tokens`, { name: "laptop" });
      expect(issued.status).toBe(201);
      expectShape(userTokenSchema, issued.body);
      expect(issued.body).toEqual({
        token: expect.stringMatching(/^prl_/),
        userId: person.id,
        name: "laptop",
      });

      // Only the hash is stored.
      const stored = await db.select().from(apiTokens);
      expect(stored.some((t) => t.tokenHash === issued.body.token)).toBe(false);
      expect(stored.filter((t) => t.userId === person.id).map((t) => t.name)).toEqual(["laptop"]);

      // Without a name, a default one.
      const unnamed = await api.post<UserToken>(`/users/${person.id}/tokens`, {});
      expect(unnamed.status).toBe(201);
      expect(unnamed.body).toMatchObject({ userId: person.id, name: "personal" });
      expect(unnamed.body.token).not.toBe(issued.body.token);

      const mine = new AdminClient(gateway.url, issued.body.token);
      const me = await mine.get<User>("/me");
      expect(me.status).toBe(200);
      expectShape(userSchema, me.body);
      expect(me.body).toEqual(person);

      await mine.patch(`/users/${person.id}`, { status: "away" });
      const [entry] = (await api.walk<AuditEntry>("/audit-log", 50)).items;
      expect(entry).toMatchObject({
        action: "user.status_changed",
        actor: `user:${person.id}`,
        details: { from: "available", to: "away" },
      });

      expectError(await api.get("/me"), 404, "not_found", "belongs to the workspace, not to a person");

      // Deleting the person revokes their tokens.
      await api.delete(`/users/${person.id}`);
      expect((await mine.get("/me")).status).toBe(401);

      expectError(await api.post(`/users/${MISSING_ID}/tokens`, {}), 404, "not_found", "user");
      expectError(
        await api.post(`/users/${MISSING_ID}/tokens`, { name: "" }),
        400,
        "invalid_request",
        "name",
      );
    });

    it("creates, reads, lists, renames and deletes a team", async () => {
      const created = await api.post<Team>("/teams", { name: " Billing " });
      expect(created.status).toBe(201);
      expectShape(teamSchema, created.body);
      expect(created.body).toEqual({
        id: expect.any(String),
        name: "Billing",
        memberIds: [],
        createdAt: clock.now().toISOString(),
      });
      const path = `/teams/${created.body.id}`;
      expect((await api.get<Team>(path)).body).toEqual(created.body);
      expect((await api.get<Page<Team>>("/teams")).body.data).toContainEqual(created.body);

      const renamed = await api.patch<Team>(path, { name: "Billing & refunds" });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toEqual({ ...created.body, name: "Billing & refunds" });
      expect((await api.patch<Team>(path, {})).body).toEqual(renamed.body);

      const member = await api.create<User>("/users", { name: "Member", email: freshEmail() });
      await api.put(`${path}/members/${member.id}`, undefined);

      const deleted = await api.delete(path);
      expect(deleted.status).toBe(204);
      expectError(await api.get(path), 404, "not_found", "team");
      expectError(await api.patch(path, { name: "Again" }), 404, "not_found", "team");
      expectError(await api.delete(path), 404, "not_found", "team");
      // Its members stay, in no team.
      expect((await api.get<User>(`/users/${member.id}`)).body.teamIds).toEqual([]);
    });

    it("adds and removes members, idempotently, and shows membership on both sides", async () => {
      const sales = await api.create<Team>("/teams", { name: "Sales" });
      clock.advance(1000);
      const support = await api.create<Team>("/teams", { name: "Support" });
      const ana = await api.create<User>("/users", { name: "Ana", email: freshEmail() });
      clock.advance(1000);
      const ben = await api.create<User>("/users", { name: "Ben", email: freshEmail() });

      const added = await api.put(`/teams/${sales.id}/members/${ana.id}`, undefined);
      expect(added.status).toBe(204);
      expect(added.text).toBe("");
      // Again: nothing changes.
      expect((await api.put(`/teams/${sales.id}/members/${ana.id}`, undefined)).status).toBe(204);
      expect((await api.put(`/teams/${sales.id}/members/${ben.id}`, undefined)).status).toBe(204);
      expect((await api.put(`/teams/${support.id}/members/${ana.id}`, undefined)).status).toBe(204);

      expect((await api.get<Team>(`/teams/${sales.id}`)).body).toEqual({
        ...sales,
        memberIds: [ana.id, ben.id],
      });
      expect((await api.get<Team>(`/teams/${support.id}`)).body.memberIds).toEqual([ana.id]);
      const anaNow = (await api.get<User>(`/users/${ana.id}`)).body;
      expectShape(userSchema, anaNow);
      expect(anaNow).toEqual({ ...ana, teamIds: [sales.id, support.id] });
      const listedTeams = (await api.walk<Team>("/teams", 200)).items;
      expect(listedTeams.find((t) => t.id === sales.id)?.memberIds).toEqual([ana.id, ben.id]);

      const removed = await api.delete(`/teams/${sales.id}/members/${ana.id}`);
      expect(removed.status).toBe(204);
      expectError(await api.delete(`/teams/${sales.id}/members/${ana.id}`), 404, "not_found", "not a member");
      expect((await api.get<Team>(`/teams/${sales.id}`)).body.memberIds).toEqual([ben.id]);
      expect((await api.get<User>(`/users/${ana.id}`)).body.teamIds).toEqual([support.id]);

      expectError(
        await api.put(`/teams/${sales.id}/members/${MISSING_ID}`, undefined),
        404,
        "not_found",
        "user",
      );
      expectError(
        await api.put(`/teams/${MISSING_ID}/members/${ana.id}`, undefined),
        404,
        "not_found",
        "team",
      );
      expectError(await api.delete(`/teams/${sales.id}/members/${MISSING_ID}`), 404, "not_found", "user");
      expectError(
        await api.put(`/teams/${sales.id}/members/not-a-uuid`, undefined),
        404,
        "not_found",
        "user",
      );

      // A deleted user leaves their teams.
      await api.delete(`/users/${ben.id}`);
      expect((await api.get<Team>(`/teams/${sales.id}`)).body.memberIds).toEqual([]);
    });

    it("hides another workspace's users and teams: 404 on read, update, delete and membership", async () => {
      const other = await otherWorkspace(gateway);
      const theirUser = await other.api.create<User>("/users", { name: "Theirs", email: freshEmail() });
      const theirTeam = await other.api.create<Team>("/teams", { name: "Their team" });
      const myUser = await api.create<User>("/users", { name: "Mine", email: freshEmail() });
      const myTeam = await api.create<Team>("/teams", { name: "My team" });

      const userPath = `/users/${theirUser.id}`;
      expectError(await api.get(userPath), 404, "not_found", "user");
      expectError(await api.patch(userPath, { status: "away" }), 404, "not_found", "user");
      expectError(await api.delete(userPath), 404, "not_found", "user");
      expectError(await api.post(`${userPath}/tokens`, {}), 404, "not_found", "user");
      const teamPath = `/teams/${theirTeam.id}`;
      expectError(await api.get(teamPath), 404, "not_found", "team");
      expectError(await api.patch(teamPath, { name: "Mine now" }), 404, "not_found", "team");
      expectError(await api.delete(teamPath), 404, "not_found", "team");

      // Neither their user into my team, nor my user into their team.
      expectError(
        await api.put(`/teams/${myTeam.id}/members/${theirUser.id}`, undefined),
        404,
        "not_found",
        "user",
      );
      expectError(await api.put(`${teamPath}/members/${myUser.id}`, undefined), 404, "not_found", "team");
      expectError(
        await other.api.put(`${teamPath}/members/${myUser.id}`, undefined),
        404,
        "not_found",
        "user",
      );
      expectError(await api.delete(`${teamPath}/members/${theirUser.id}`), 404, "not_found", "team");

      expect((await api.walk<User>("/users", 200)).items.map((u) => u.id)).not.toContain(theirUser.id);
      expect((await api.walk<Team>("/teams", 200)).items.map((t) => t.id)).not.toContain(theirTeam.id);
      expect((await other.api.walk<User>("/users", 200)).items.map((u) => u.id)).toEqual([theirUser.id]);

      expect((await other.api.get<User>(userPath)).body).toEqual(theirUser);
      expect((await other.api.get<Team>(teamPath)).body).toEqual(theirTeam);

      // A person's token opens only their own workspace.
      const token = await other.api.create<UserToken>(`${userPath}/tokens`, {});
      const theirPerson = new AdminClient(gateway.url, token.token);
      expect((await theirPerson.get<User>("/me")).body.id).toBe(theirUser.id);
      expectError(await theirPerson.get(`/users/${myUser.id}`), 404, "not_found", "user");
    });

    it("pages through more users and teams than a page holds, newest first, without repeats or gaps", async () => {
      const other = await otherWorkspace(gateway);
      const createdUsers: User[] = [];
      const createdTeams: Team[] = [];
      for (let i = 0; i < 7; i++) {
        // Some share a timestamp, so the id has to break the tie.
        if (i % 3 === 0) clock.advance(1000);
        createdUsers.push(await other.api.create<User>("/users", { name: `User ${i}`, email: freshEmail() }));
        createdTeams.push(await other.api.create<Team>("/teams", { name: `Team ${i}` }));
      }
      const newestFirst = <T extends { id: string; createdAt: string }>(items: T[]) =>
        [...items].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));

      const users = await other.api.walk<User>("/users", 3);
      expect(users.pageSizes).toEqual([3, 3, 1]);
      expect(users.items).toEqual(newestFirst(createdUsers));
      const teams = await other.api.walk<Team>("/teams", 3);
      expect(teams.pageSizes).toEqual([3, 3, 1]);
      expect(teams.items).toEqual(newestFirst(createdTeams));

      const exact = await other.api.get<Page<User>>("/users?limit=7");
      expect(exact.body.data).toHaveLength(7);
      expect(exact.body.nextCursor).toBeNull();
      expectError(await other.api.get("/users?cursor=nonsense"), 400, "invalid_cursor", "cursor");
      expectError(await other.api.get("/teams?limit=0"), 400, "invalid_request", "limit");
    });
  });
}
