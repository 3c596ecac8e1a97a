import { z } from "zod";
import type { ChannelKind } from "../../../db/schema.js";
import {
  displayName,
  objectId,
  pageSchema,
  requestSchemas,
  responseSchemas,
  timestamp,
  uuid,
} from "./common.js";
import {
  emailCredentialsCreateSchema,
  emailCredentialsUpdateSchema,
  emailSettingsInputSchema,
  mailboxAddress,
} from "./email-accounts.js";
import {
  messengerCredentialsSchema,
  messengerCredentialsUpdateSchema,
  messengerSettingsSchema,
  messengerSettingsShown,
  metaId,
  webhookSetupSchema,
  whatsappCredentialsSchema,
  whatsappCredentialsUpdateSchema,
  whatsappSettingsSchema,
  whatsappSettingsShown,
} from "./meta-accounts.js";

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

/** Until the account, and so its kind, is known, an update's settings and credentials are any object. */
const anySettings = z.record(z.string(), z.unknown());
const anyCredentials = z.record(z.string().min(1), z.unknown());

const widgetId = z
  .string()
  .regex(
    /^[A-Za-z0-9_-]{1,64}$/,
    "must be 1 to 64 letters, digits, '-' or '_' (it appears in the widget's URL)",
  );
const platformId = z.string().trim().min(1, "must not be empty").max(255);
const pageId = metaId("page id");
const phoneNumberId = metaId("phone number id (not the phone number)");

const livechatCredentials = z
  .strictObject({
    directLineSecret: z
      .string()
      .min(32, "must be at least 32 characters")
      .max(256)
      .optional()
      .describe("The Direct Line secret of this widget. Generated when left out."),
  })
  .register(requestSchemas, { id: "LivechatCredentials" });

const credentialsDescription =
  "Write-only: never returned (responses list the key names in `credentialsConfigured`).";

/** A $ref to a component, for the parts of the document that zod cannot say by itself. */
const componentRef = (id: string): Record<string, unknown> => ({ $ref: `#/components/schemas/${id}` });

/** OpenAPI's discriminator: lets client generators pick the branch by `kind` without trying each. */
function byKind(ids: Record<ChannelKind, string>) {
  const mapping = Object.fromEntries(
    Object.entries(ids).map(([kind, id]) => [kind, `#/components/schemas/${id}`]),
  );
  return { discriminator: { propertyName: "kind", mapping } };
}

const createIds = {
  livechat: "LivechatChannelAccountCreate",
  messenger: "MessengerChannelAccountCreate",
  whatsapp: "WhatsappChannelAccountCreate",
  email: "EmailChannelAccountCreate",
};

function createBranch<
  Kind extends ChannelKind,
  Id extends z.ZodType,
  S extends z.ZodType,
  C extends z.ZodType,
>(kind: Kind, externalId: Id, settings: S, credentials: C) {
  return z
    .strictObject({
      kind: z.literal(kind),
      name: displayName,
      externalId: externalId.describe(
        "The platform's id for this inbox: widget id, page id, phone_number_id or mailbox address. " +
          "Unique per kind across the installation.",
      ),
      settings,
      credentials,
      agentId: uuid
        .nullable()
        .optional()
        .describe("The agent that answers this inbox; null or absent: none."),
    })
    .register(requestSchemas, { id: createIds[kind] });
}

export const channelAccountCreateSchema = z
  .discriminatedUnion("kind", [
    createBranch(
      "livechat",
      widgetId,
      livechatSettingsSchema.prefault({}),
      livechatCredentials.optional().describe(credentialsDescription),
    ),
    // A Meta account cannot check a single webhook without its app secret, so both are required.
    createBranch("messenger", pageId, messengerSettingsSchema.prefault({}), messengerCredentialsSchema),
    createBranch("whatsapp", phoneNumberId, whatsappSettingsSchema.prefault({}), whatsappCredentialsSchema),
    // The reader cannot log in without both passwords, nor know where to without the settings.
    createBranch("email", mailboxAddress, emailSettingsInputSchema, emailCredentialsCreateSchema),
  ])
  .meta(byKind(createIds))
  .register(requestSchemas, { id: "ChannelAccountCreate" });

export type ChannelAccountCreate = z.output<typeof channelAccountCreateSchema>;

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

/**
 * What every kind shares. The body is checked again once the account, and so its kind, is known;
 * until then `settings` and `credentials` are any object, documented as one of the kinds' forms.
 */
export const channelAccountPatchSchema = patchSchema(
  platformId.describe("In the form of the account's kind, as when it was created."),
  anySettings
    .meta({
      anyOf: ["LivechatSettings", "MessengerSettings", "WhatsappSettings", "EmailSettings"].map(componentRef),
    })
    .describe(
      "Replaces the settings, in the form of the account's kind. A verify token left out of " +
        "Messenger or WhatsApp settings is kept.",
    ),
  anyCredentials
    .meta({
      anyOf: [
        "LivechatCredentials",
        "MessengerCredentialsUpdate",
        "WhatsappCredentialsUpdate",
        "EmailCredentialsUpdate",
      ].map(componentRef),
    })
    .describe(
      `${credentialsDescription} Merged key by key into what is stored: the secrets named are ` +
        "replaced, the others stay. Secrets can be replaced, not removed.",
    ),
).register(requestSchemas, { id: "ChannelAccountPatch" });

export type ChannelAccountPatch = z.output<typeof channelAccountPatchSchema>;

/** Checked once the account, and so its kind, is known. */
export const channelAccountPatchSchemas: Record<ChannelKind, z.ZodType<ChannelAccountPatch>> = {
  livechat: patchSchema(widgetId, livechatSettingsSchema, livechatCredentials),
  messenger: patchSchema(pageId, messengerSettingsSchema, messengerCredentialsUpdateSchema),
  whatsapp: patchSchema(phoneNumberId, whatsappSettingsSchema, whatsappCredentialsUpdateSchema),
  email: patchSchema(mailboxAddress, emailSettingsInputSchema, emailCredentialsUpdateSchema),
};

function accountSchema<Kind extends ChannelKind, S extends z.ZodType>(kind: Kind, settings: S) {
  return z.object({
    id: objectId,
    kind: z.literal(kind),
    name: z.string(),
    externalId: z.string(),
    settings,
    credentialsConfigured: z
      .array(z.string())
      .describe("The names of the stored credentials, sorted; their values are never returned."),
    agentId: objectId.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  });
}

const livechatAccountSchema = accountSchema(
  "livechat",
  z.object({ allowedOrigins: z.array(z.string()), title: z.string().optional() }),
).register(responseSchemas, { id: "LivechatChannelAccount" });

const messengerAccountSchema = accountSchema("messenger", messengerSettingsShown)
  .extend({ webhook: webhookSetupSchema })
  .register(responseSchemas, { id: "MessengerChannelAccount" });

const whatsappAccountSchema = accountSchema("whatsapp", whatsappSettingsShown)
  .extend({ webhook: webhookSetupSchema })
  .register(responseSchemas, { id: "WhatsappChannelAccount" });

const emailAccountSchema = accountSchema("email", emailSettingsInputSchema).register(responseSchemas, {
  id: "EmailChannelAccount",
});

const accountIds = {
  livechat: "LivechatChannelAccount",
  messenger: "MessengerChannelAccount",
  whatsapp: "WhatsappChannelAccount",
  email: "EmailChannelAccount",
};

export const channelAccountSchema = z
  .discriminatedUnion("kind", [
    livechatAccountSchema,
    messengerAccountSchema,
    whatsappAccountSchema,
    emailAccountSchema,
  ])
  .meta(byKind(accountIds))
  .register(responseSchemas, { id: "ChannelAccount" });

export type ChannelAccountJson = z.output<typeof channelAccountSchema>;

const livechatAccountCreatedSchema = livechatAccountSchema
  .extend({
    directLineSecret: z
      .string()
      .optional()
      .describe(
        "Only for a new livechat account whose secret Parley generated: shown this once and never " +
          "again, so store it now.",
      ),
  })
  .register(responseSchemas, { id: "LivechatChannelAccountCreated" });

export const channelAccountCreatedSchema = z
  .discriminatedUnion("kind", [
    livechatAccountCreatedSchema,
    messengerAccountSchema,
    whatsappAccountSchema,
    emailAccountSchema,
  ])
  .meta(byKind({ ...accountIds, livechat: "LivechatChannelAccountCreated" }))
  .register(responseSchemas, { id: "ChannelAccountCreated" });

export type ChannelAccountCreatedJson = z.output<typeof channelAccountCreatedSchema>;

export const channelAccountPageSchema = pageSchema(channelAccountSchema, "ChannelAccountPage");
