import { randomBytes } from "node:crypto";
import { and, eq, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { CHANNEL_KINDS, type ChannelKind, channelAccounts } from "../../db/schema.js";
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
  channelAccountCreatedSchema,
  channelAccountCreateSchema,
  channelAccountPageSchema,
  channelAccountPatchSchema,
  channelAccountPatchSchemas,
  channelAccountSchema,
} from "./schemas/channel-accounts.js";
import { requireWorkspaceAgent } from "./workspace-agent.js";

/** Credentials stay in the database: only their key names are ever read out. */
const channelAccountColumns = {
  id: channelAccounts.id,
  kind: channelAccounts.kind,
  name: channelAccounts.name,
  externalId: channelAccounts.externalId,
  settings: channelAccounts.settings,
  credentialsConfigured: sql<
    string[]
  >`array(select jsonb_object_keys(${channelAccounts.credentials}) order by 1)`,
  agentId: channelAccounts.agentId,
  createdAt: channelAccounts.createdAt,
  updatedAt: channelAccounts.updatedAt,
};

interface ChannelAccountRow
  extends Pick<
    typeof channelAccounts.$inferSelect,
    Exclude<keyof typeof channelAccountColumns, "credentialsConfigured">
  > {
  credentialsConfigured: string[];
}

const channelAccountJson = (row: ChannelAccountRow) => ({
  ...row,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const ids = { channelAccountId: "channel account" };
const inWorkspace = (workspaceId: string, channelAccountId: string) =>
  and(eq(channelAccounts.id, channelAccountId), eq(channelAccounts.workspaceId, workspaceId));

const EXTERNAL_ID_UNIQUE = "channel_accounts_kind_external_uq";

/** externalId is unique per kind across the installation, since webhooks are routed by it. */
async function checkingExternalId<T>(
  kind: ChannelKind,
  externalId: string | undefined,
  write: Promise<T>,
): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (!isUniqueViolation(err, EXTERNAL_ID_UNIQUE)) throw err;
    throw new HttpError(
      409,
      "conflict",
      `externalId: another ${kind} channel account already uses "${externalId}".`,
    );
  }
}

/** JSON merge of write-only credentials, done in SQL so that stored values never pass through here. */
function mergedCredentials(patch: Record<string, unknown>): SQL {
  const kept = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== null));
  const removed = Object.keys(patch).filter((key) => patch[key] === null);
  return sql`(${channelAccounts.credentials} || ${JSON.stringify(kept)}::jsonb)${sql.join(
    removed.map((key) => sql` - ${key}::text`),
  )}`;
}

const listQuerySchema = pageQuerySchema.extend({
  kind: z.enum(CHANNEL_KINDS).optional().describe("Only channel accounts of this kind."),
});

export function channelAccountRoutes({ database, clock }: AdminDeps): AdminRoute[] {
  const { db } = database;
  const tag = "Channel accounts";
  return [
    defineRoute({
      method: "get",
      path: "/channel-accounts",
      operationId: "listChannelAccounts",
      tag,
      summary: "List channel accounts",
      description: "Newest first.",
      query: listQuerySchema,
      status: 200,
      response: channelAccountPageSchema,
      responseDescription: "A page of channel accounts.",
      async handle({ workspaceId, query }) {
        const after = readCursor(query.cursor, timeKeySchema);
        const rows = await db
          .select({ ...channelAccountColumns, key: timeKeyText(channelAccounts.createdAt) })
          .from(channelAccounts)
          .where(
            and(
              eq(channelAccounts.workspaceId, workspaceId),
              query.kind && eq(channelAccounts.kind, query.kind),
              after && olderThan(channelAccounts.createdAt, channelAccounts.id, after),
            ),
          )
          .orderBy(...newestFirst(channelAccounts.createdAt, channelAccounts.id))
          .limit(query.limit + 1);
        return toPage(
          rows,
          query.limit,
          (r) => [r.key, r.id],
          ({ key: _, ...r }) => channelAccountJson(r),
        );
      },
    }),
    defineRoute({
      method: "post",
      path: "/channel-accounts",
      operationId: "createChannelAccount",
      tag,
      summary: "Create a channel account",
      description:
        "Connects an inbox (a live-chat widget, a Facebook page, a WhatsApp number, a mailbox) and " +
        "optionally assigns an agent to it. A livechat account without a `directLineSecret` gets a " +
        "generated one, returned once as `directLineSecret` in this response and never again.",
      body: channelAccountCreateSchema,
      status: 201,
      response: channelAccountCreatedSchema,
      responseDescription: "The new channel account.",
      errors: [404, 409],
      async handle({ workspaceId, body }) {
        const { credentials: given = {}, agentId = null, ...fields } = body;
        const generatedSecret =
          body.kind === "livechat" && !body.credentials?.directLineSecret
            ? randomBytes(32).toString("base64url")
            : undefined;
        const credentials = generatedSecret ? { ...given, directLineSecret: generatedSecret } : given;
        const now = clock.now();
        const row = await db.transaction(async (tx) => {
          if (agentId) await requireWorkspaceAgent(tx, workspaceId, agentId);
          const [inserted] = await checkingExternalId(
            fields.kind,
            fields.externalId,
            tx
              .insert(channelAccounts)
              .values({ ...fields, credentials, agentId, workspaceId, createdAt: now, updatedAt: now })
              .returning(channelAccountColumns),
          );
          return inserted;
        });
        if (!row) throw new Error("channel account insert returned nothing");
        return { ...channelAccountJson(row), ...(generatedSecret && { directLineSecret: generatedSecret }) };
      },
    }),
    defineRoute({
      method: "get",
      path: "/channel-accounts/:channelAccountId",
      operationId: "getChannelAccount",
      tag,
      summary: "Get a channel account",
      ids,
      status: 200,
      response: channelAccountSchema,
      responseDescription: "The channel account.",
      async handle({ workspaceId, ids }) {
        const [row] = await db
          .select(channelAccountColumns)
          .from(channelAccounts)
          .where(inWorkspace(workspaceId, ids.channelAccountId));
        if (!row) throw notFound("channel account");
        return channelAccountJson(row);
      },
    }),
    defineRoute({
      method: "patch",
      path: "/channel-accounts/:channelAccountId",
      operationId: "updateChannelAccount",
      tag,
      summary: "Update a channel account",
      description:
        "Changes the fields sent. `agentId` assigns an agent (null: none). `settings` replaces the " +
        "settings; `credentials` are merged key by key, null removing a key. The kind cannot change.",
      ids,
      body: channelAccountPatchSchema,
      status: 200,
      response: channelAccountSchema,
      responseDescription: "The channel account as changed.",
      errors: [409],
      async handle({ workspaceId, ids, body }) {
        const row = await db.transaction(async (tx) => {
          const [current] = await tx
            .select({ kind: channelAccounts.kind })
            .from(channelAccounts)
            .where(inWorkspace(workspaceId, ids.channelAccountId));
          if (!current) throw notFound("channel account");
          const { credentials, ...fields } = channelAccountPatchSchemas[current.kind].parse(body);
          if (fields.agentId) await requireWorkspaceAgent(tx, workspaceId, fields.agentId);
          const [updated] = await checkingExternalId(
            current.kind,
            fields.externalId,
            tx
              .update(channelAccounts)
              .set({
                ...fields,
                ...(credentials && { credentials: mergedCredentials(credentials) }),
                updatedAt: clock.now(),
              })
              .where(inWorkspace(workspaceId, ids.channelAccountId))
              .returning(channelAccountColumns),
          );
          return updated;
        });
        if (!row) throw notFound("channel account");
        return channelAccountJson(row);
      },
    }),
    defineRoute({
      method: "delete",
      path: "/channel-accounts/:channelAccountId",
      operationId: "deleteChannelAccount",
      tag,
      summary: "Delete a channel account",
      description: "Also deletes its contacts, conversations and messages.",
      ids,
      status: 204,
      responseDescription: "Deleted.",
      async handle({ workspaceId, ids }) {
        const deleted = await db
          .delete(channelAccounts)
          .where(inWorkspace(workspaceId, ids.channelAccountId))
          .returning({ id: channelAccounts.id });
        if (deleted.length === 0) throw notFound("channel account");
      },
    }),
  ];
}
