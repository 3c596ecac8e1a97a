import { randomBytes } from "node:crypto";
import { and, eq, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { SecretBox } from "../../channels/meta/secret-box.js";
import { linkedDeviceBoard } from "../../channels/whatsapp/linked-device/status-board.js";
import { accountsChanged } from "../../core/account-cache.js";
import { CHANNEL_KINDS, type ChannelKind, channelAccounts } from "../../db/schema.js";
import { badRequest, HttpError, notFound } from "../errors.js";
import { isUniqueViolation } from "./db-errors.js";
import type { AdminDeps } from "./deps.js";
import { isMetaKind, needsSecrets, webhookOf, withVerifyToken } from "./meta-accounts.js";
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
  type ChannelAccountCreate,
  type ChannelAccountCreatedJson,
  type ChannelAccountJson,
  channelAccountCreatedSchema,
  channelAccountCreateSchema,
  channelAccountPageSchema,
  channelAccountPatchSchema,
  channelAccountPatchSchemas,
  channelAccountSchema,
} from "./schemas/channel-accounts.js";
import { linkedDeviceStatusSchema } from "./schemas/meta-accounts.js";
import { isSealedKind, mergedSecrets } from "./sealed-credentials.js";
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

/**
 * A row as its kind's response form: the settings are what that kind's schema let in, and a
 * Messenger or WhatsApp account shows the callback URL and verify token to paste into Meta.
 */
function channelAccountJson(row: ChannelAccountRow, baseUrl: string): ChannelAccountJson {
  const json = { ...row, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
  const webhook = isMetaKind(row.kind) ? webhookOf(row.kind, row.settings, baseUrl) : undefined;
  return (webhook ? { ...json, webhook } : json) as ChannelAccountJson;
}

const ids = { channelAccountId: "channel account" };
/** An agent's preview inbox is the agent's own, not a channel the admin manages. */
const inWorkspace = (workspaceId: string, channelAccountId: string) =>
  and(
    eq(channelAccounts.id, channelAccountId),
    eq(channelAccounts.workspaceId, workspaceId),
    eq(channelAccounts.isPreview, false),
  );

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

/**
 * JSON merge of write-only credentials, done in SQL so that stored values never pass through
 * here; for livechat, whose secret is kept as given (see mergedSecrets for the sealed kinds).
 */
function mergedCredentials(patch: Record<string, unknown>): SQL {
  const kept = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== null));
  const removed = Object.keys(patch).filter((key) => patch[key] === null);
  return sql`(${channelAccounts.credentials} || ${JSON.stringify(kept)}::jsonb)${sql.join(
    removed.map((key) => sql` - ${key}::text`),
  )}`;
}

interface NewAccountValues {
  settings: Record<string, unknown>;
  credentials: Record<string, unknown>;
  /** A livechat secret Parley made, to be shown once. */
  generatedSecret?: string;
}

/**
 * What a new account stores besides its name and ids: a widget without a Direct Line secret
 * gets one; a Meta account gets a verify token when none was given, and its secrets sealed, as
 * are a mailbox's passwords.
 */
function newAccountValues(body: ChannelAccountCreate, secrets: SecretBox): NewAccountValues {
  switch (body.kind) {
    case "livechat": {
      const given = body.credentials?.directLineSecret;
      const directLineSecret = given ?? randomBytes(32).toString("base64url");
      return {
        settings: body.settings,
        credentials: { directLineSecret },
        ...(!given && { generatedSecret: directLineSecret }),
      };
    }
    case "messenger":
      return { settings: withVerifyToken(body.settings), credentials: secrets.sealAll(body.credentials) };
    case "whatsapp": {
      const { credentials } = body;
      if (needsSecrets("whatsapp", body.settings)) {
        for (const name of ["accessToken", "appSecret"] as const) {
          if (!credentials?.[name]) {
            throw badRequest(`credentials.${name}: required with the cloud_api transport.`);
          }
        }
      }
      return {
        settings: withVerifyToken(body.settings),
        credentials: credentials ? secrets.sealAll(credentials) : {},
      };
    }
    case "email":
      return { settings: body.settings, credentials: secrets.sealAll(body.credentials) };
  }
}

const listQuerySchema = pageQuerySchema.extend({
  kind: z.enum(CHANNEL_KINDS).optional().describe("Only channel accounts of this kind."),
});

export function channelAccountRoutes({ database, clock, config, secrets }: AdminDeps): AdminRoute[] {
  const { db } = database;
  const tag = "Channel accounts";
  const baseUrlFor = (origin: string) => config.publicUrl ?? origin;
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
      async handle({ workspaceId, query, origin }) {
        const after = readCursor(query.cursor, timeKeySchema);
        const rows = await db
          .select({ ...channelAccountColumns, key: timeKeyText(channelAccounts.createdAt) })
          .from(channelAccounts)
          .where(
            and(
              eq(channelAccounts.workspaceId, workspaceId),
              eq(channelAccounts.isPreview, false),
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
          ({ key: _, ...r }) => channelAccountJson(r, baseUrlFor(origin)),
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
        "generated one, returned once as `directLineSecret` in this response and never again. " +
        "A Messenger or WhatsApp account needs its access token and app secret, which are encrypted " +
        "at rest when PARLEY_SECRET_KEY is set; its response carries `webhook`, the callback URL and " +
        "verify token to paste into Meta's App Dashboard (the token is generated when left out). " +
        "An email account needs its IMAP and SMTP settings and both passwords, encrypted likewise; " +
        "its externalId, the mailbox address, is stored lowercased.",
      body: channelAccountCreateSchema,
      status: 201,
      response: channelAccountCreatedSchema,
      responseDescription: "The new channel account.",
      errors: [404, 409],
      async handle({ workspaceId, body, origin }) {
        const { kind, name, externalId, agentId = null } = body;
        const { settings, credentials, generatedSecret } = newAccountValues(body, secrets);
        const now = clock.now();
        const row = await db.transaction(async (tx) => {
          if (agentId) await requireWorkspaceAgent(tx, workspaceId, agentId);
          const [inserted] = await checkingExternalId(
            kind,
            externalId,
            tx
              .insert(channelAccounts)
              .values({
                kind,
                name,
                externalId,
                settings,
                credentials,
                agentId,
                workspaceId,
                createdAt: now,
                updatedAt: now,
              })
              .returning(channelAccountColumns),
          );
          return inserted;
        });
        if (!row) throw new Error("channel account insert returned nothing");
        // A webhook that arrived before the account existed must not keep "unknown" cached.
        await accountsChanged(database);
        const json = channelAccountJson(row, baseUrlFor(origin));
        return (
          generatedSecret ? { ...json, directLineSecret: generatedSecret } : json
        ) as ChannelAccountCreatedJson;
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
      async handle({ workspaceId, ids, origin }) {
        const [row] = await db
          .select(channelAccountColumns)
          .from(channelAccounts)
          .where(inWorkspace(workspaceId, ids.channelAccountId));
        if (!row) throw notFound("channel account");
        return channelAccountJson(row, baseUrlFor(origin));
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
        "settings, in the form of the account's kind; a Messenger or WhatsApp verify token left out " +
        "is kept. `credentials` are merged key by key: the secrets named are replaced, the others " +
        "stay; none can be removed. The kind cannot change.",
      ids,
      body: channelAccountPatchSchema,
      status: 200,
      response: channelAccountSchema,
      responseDescription: "The channel account as changed.",
      errors: [409],
      async handle({ workspaceId, ids, body, origin }) {
        const row = await db.transaction(async (tx) => {
          // Locked: settings and secrets are merged with what is stored, and an update running at
          // the same time must not undo this one's change.
          const [current] = await tx
            .select({
              kind: channelAccounts.kind,
              settings: channelAccounts.settings,
              credentials: channelAccounts.credentials,
            })
            .from(channelAccounts)
            .where(inWorkspace(workspaceId, ids.channelAccountId))
            .for("update");
          if (!current) throw notFound("channel account");
          const { kind } = current;
          const { settings, credentials, ...fields } = channelAccountPatchSchemas[kind].parse(body);
          if (fields.agentId) await requireWorkspaceAgent(tx, workspaceId, fields.agentId);
          const meta = isMetaKind(kind) ? kind : undefined;
          const sealedKind = isSealedKind(kind) ? kind : undefined;
          const required = meta === undefined || needsSecrets(meta, settings ?? current.settings);
          const wasRequired = meta === undefined || needsSecrets(meta, current.settings);
          // A linked-device account switched to the Cloud API must have the secrets it never needed.
          const secretsPatch = credentials ?? (required && !wasRequired ? {} : undefined);
          const [updated] = await checkingExternalId(
            current.kind,
            fields.externalId,
            tx
              .update(channelAccounts)
              .set({
                ...fields,
                ...(settings && { settings: meta ? withVerifyToken(settings, current.settings) : settings }),
                ...(secretsPatch && {
                  credentials: sealedKind
                    ? mergedSecrets(secrets, sealedKind, current.credentials, secretsPatch, required)
                    : mergedCredentials(secretsPatch),
                }),
                updatedAt: clock.now(),
              })
              .where(inWorkspace(workspaceId, ids.channelAccountId))
              .returning(channelAccountColumns),
          );
          return updated;
        });
        if (!row) throw notFound("channel account");
        await accountsChanged(database);
        return channelAccountJson(row, baseUrlFor(origin));
      },
    }),
    defineRoute({
      method: "get",
      path: "/channel-accounts/:channelAccountId/linked-device",
      operationId: "getLinkedDevice",
      tag,
      summary: "Get a linked device's state and QR code",
      description:
        "For a WhatsApp account with the `linked_device` transport: whether its WhatsApp Web session " +
        "is ready, and while it waits to be linked, the QR code to scan from WhatsApp > Settings > " +
        "Linked devices. 409 for an account with another transport, and from a gateway that does " +
        "not drive linked devices (WHATSAPP_WEB_ENABLED=false): ask the one that does.",
      ids,
      status: 200,
      response: linkedDeviceStatusSchema,
      responseDescription: "The linked device's state.",
      errors: [409],
      async handle({ workspaceId, ids }) {
        const [row] = await db
          .select({ kind: channelAccounts.kind, settings: channelAccounts.settings })
          .from(channelAccounts)
          .where(inWorkspace(workspaceId, ids.channelAccountId));
        if (!row) throw notFound("channel account");
        if (row.kind !== "whatsapp" || row.settings.transport !== "linked_device") {
          throw new HttpError(
            409,
            "conflict",
            "This channel account does not use the linked_device transport.",
          );
        }
        if (!config.whatsappWeb.enabled) {
          throw new HttpError(
            409,
            "conflict",
            "This gateway does not drive linked devices (WHATSAPP_WEB_ENABLED=false); ask the one started " +
              "with WHATSAPP_WEB_ENABLED=true.",
          );
        }
        // Not on the board yet: the account was created since the gateway last looked.
        const status = linkedDeviceBoard.get(ids.channelAccountId) ?? {
          state: "starting",
          since: clock.now(),
        };
        return {
          state: status.state,
          ...(status.state === "qr" && status.qr ? { qr: status.qr } : {}),
          ...(status.error ? { error: status.error } : {}),
          since: status.since.toISOString(),
        };
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
        await accountsChanged(database);
      },
    }),
  ];
}
