import { z } from "zod";
import { CHANNEL_KINDS, type ChannelKind } from "../../../db/schema.js";
import {
  displayName,
  objectId,
  pageSchema,
  requestSchemas,
  responseSchemas,
  timestamp,
  uuid,
} from "./common.js";

/** `*`, or the origin a browser sends as `Origin` for this URL; undefined if it is not one. */
function originOf(value: string): string | undefined {
  if (value === "*") return value;
  try {
    const url = new URL(value);
    const bare = url.pathname === "/" && !url.search && !url.hash && !url.username && !url.password;
    return (url.protocol === "https:" || url.protocol === "http:") && bare ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** Stored as the browser will send it ("https://Shop.example/" → "https://shop.example"). */
const origin = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const normalized = originOf(value);
    if (normalized === undefined) {
      ctx.issues.push({
        code: "custom",
        input: value,
        message: 'must be "*" or an origin such as "https://shop.example" (scheme, host and port, no path)',
      });
      return z.NEVER;
    }
    return normalized;
  })
  .meta({ examples: ["https://shop.example", "http://localhost:8080", "*"] });

export const livechatSettingsSchema = z
  .strictObject({
    allowedOrigins: z
      .array(origin)
      .max(100)
      .default([])
      .describe("The websites that may open this chat; `*` allows any. Empty: none yet."),
    title: z.string().trim().min(1).max(100).optional().describe("The chat window's header."),
  })
  .register(requestSchemas, { id: "LivechatSettings" });

const anySettings = z.record(z.string(), z.unknown());

const widgetId = z
  .string()
  .regex(
    /^[A-Za-z0-9_-]{1,64}$/,
    "must be 1 to 64 letters, digits, '-' or '_' (it appears in the widget's URL)",
  );
const platformId = z.string().trim().min(1, "must not be empty").max(255);

const livechatCredentials = z.strictObject({
  directLineSecret: z
    .string()
    .min(32, "must be at least 32 characters")
    .max(256)
    .optional()
    .describe("The Direct Line secret of this widget. Generated when left out."),
});
const anyCredentials = z.record(z.string().min(1), z.unknown());

const credentialsDescription =
  "Write-only: never returned (responses list the key names in `credentialsConfigured`).";

function createBranch<
  Kind extends ChannelKind,
  Id extends z.ZodType,
  S extends z.ZodType,
  C extends z.ZodType,
>(kind: Kind, externalId: Id, settings: S, credentials: C) {
  return z.strictObject({
    kind: z.literal(kind),
    name: displayName,
    externalId: externalId.describe(
      "The platform's id for this inbox: widget id, page id, phone_number_id or mailbox address. " +
        "Unique per kind across the installation.",
    ),
    settings,
    credentials: credentials.optional().describe(credentialsDescription),
    agentId: uuid.nullable().optional().describe("The agent that answers this inbox; null or absent: none."),
  });
}

export const channelAccountCreateSchema = z
  .discriminatedUnion("kind", [
    createBranch("livechat", widgetId, livechatSettingsSchema.prefault({}), livechatCredentials),
    createBranch("messenger", platformId, anySettings.default({}), anyCredentials),
    createBranch("whatsapp", platformId, anySettings.default({}), anyCredentials),
    createBranch("email", z.email(), anySettings.default({}), anyCredentials),
  ])
  .register(requestSchemas, { id: "ChannelAccountCreate" });

function patchSchema(
  externalId: z.ZodType<string>,
  settings: z.ZodType<Record<string, unknown>>,
  credentials: z.ZodType<Record<string, unknown>>,
) {
  return z
    .strictObject({
      name: displayName,
      externalId,
      settings,
      credentials,
      agentId: uuid.nullable(),
    })
    .partial();
}

/** What every kind shares; what `settings`, `credentials` and `externalId` may hold depends on the kind. */
export const channelAccountPatchSchema = patchSchema(
  platformId,
  anySettings.describe("Replaces the settings. A livechat account takes LivechatSettings."),
  z
    .record(z.string().min(1), z.unknown())
    .describe(
      `${credentialsDescription} Merged key by key into what is stored; null removes a key ` +
        "(a livechat account's directLineSecret can be replaced, not removed).",
    ),
).register(requestSchemas, { id: "ChannelAccountPatch" });

export type ChannelAccountPatch = z.output<typeof channelAccountPatchSchema>;

/** Checked once the account, and so its kind, is known. */
export const channelAccountPatchSchemas: Record<ChannelKind, z.ZodType<ChannelAccountPatch>> = {
  livechat: patchSchema(widgetId, livechatSettingsSchema, livechatCredentials),
  messenger: patchSchema(platformId, anySettings, anyCredentials),
  whatsapp: patchSchema(platformId, anySettings, anyCredentials),
  email: patchSchema(z.email(), anySettings, anyCredentials),
};

export const channelAccountSchema = z
  .object({
    id: objectId,
    kind: z.enum(CHANNEL_KINDS),
    name: z.string(),
    externalId: z.string(),
    settings: anySettings,
    credentialsConfigured: z
      .array(z.string())
      .describe("The names of the stored credentials, sorted; their values are never returned."),
    agentId: objectId.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .register(responseSchemas, { id: "ChannelAccount" });

export const channelAccountCreatedSchema = channelAccountSchema
  .extend({
    directLineSecret: z
      .string()
      .optional()
      .describe(
        "Only for a new livechat account whose secret Parley generated: shown this once and never " +
          "again, so store it now.",
      ),
  })
  .register(responseSchemas, { id: "ChannelAccountCreated" });

export const channelAccountPageSchema = pageSchema(channelAccountSchema, "ChannelAccountPage");
