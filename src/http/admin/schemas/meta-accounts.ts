import { z } from "zod";
import { requestSchemas, responseSchemas, timestamp } from "./common.js";

/**
 * What the admin API takes and shows for Messenger and WhatsApp channel accounts. The stored
 * settings are read back by the channels with their own schemas (channels/messenger/account.ts,
 * channels/whatsapp/account.ts); these are the stricter wire forms, with the messages an admin
 * sees when something is wrong.
 */

/** Page ids, phone_number_ids and business account ids are numbers written as strings by Graph. */
export const metaId = (what: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,32}$/, `must be the ${what}: digits only, as Meta shows it`);

/**
 * Tokens and app secrets never contain spaces; a pasted one often ends with a stray newline.
 * An update may replace a secret but not remove it, since the channel cannot work without it.
 */
const secret = (description: string) => (use: "create" | "update") =>
  z
    .string({
      error: (issue) =>
        use === "update" && issue.input === null ? "can be replaced, not removed" : undefined,
    })
    .trim()
    .min(1, "must not be empty")
    .max(2048)
    .regex(/^\S+$/, "must not contain spaces")
    .describe(description);

/** Kept exactly as typed, since Meta's handshake compares it byte for byte. */
const verifyToken = z
  .string()
  .regex(/^\S{8,256}$/, "must be 8 to 256 characters without spaces")
  .describe(
    "What Meta sends in its verification handshake; paste it into the App Dashboard next to the " +
      "callback URL. Generated when a new account leaves it out, kept when an update leaves it out.",
  );

const pageAccessToken = secret("A Page access token with pages_messaging permission.");
const accessToken = secret("A system-user access token with whatsapp_business_messaging permission.");
const appSecret = secret(
  "The Meta app's secret (App settings → Basic); it checks the X-Hub-Signature-256 of every webhook.",
);

const sealed =
  "Write-only: never returned (responses list the key names in `credentialsConfigured`). " +
  "Encrypted at rest when PARLEY_SECRET_KEY is set.";

export const messengerCredentialsSchema = z
  .strictObject({ pageAccessToken: pageAccessToken("create"), appSecret: appSecret("create") })
  .describe(sealed)
  .register(requestSchemas, { id: "MessengerCredentials" });

/** The Cloud API's secrets; a linked-device account has none (WhatsApp Web signs nothing for us). */
export const whatsappSecretsSchema = z.strictObject({
  accessToken: accessToken("create"),
  appSecret: appSecret("create"),
});

export const whatsappCredentialsSchema = whatsappSecretsSchema
  .optional()
  .describe(`${sealed} Required with the cloud_api transport; not used by linked_device.`)
  .register(requestSchemas, { id: "WhatsappCredentials" });

/** An update names the secrets it replaces; the others stay as stored. */
export const messengerCredentialsUpdateSchema = z
  .strictObject({ pageAccessToken: pageAccessToken("update"), appSecret: appSecret("update") })
  .partial()
  .describe(`${sealed} Replaces the secrets it names; the others stay.`)
  .register(requestSchemas, { id: "MessengerCredentialsUpdate" });

export const whatsappCredentialsUpdateSchema = z
  .strictObject({ accessToken: accessToken("update"), appSecret: appSecret("update") })
  .partial()
  .describe(`${sealed} Replaces the secrets it names; the others stay.`)
  .register(requestSchemas, { id: "WhatsappCredentialsUpdate" });

export const messengerSettingsSchema = z
  .strictObject({
    verifyToken: verifyToken.optional(),
    humanAgentTag: z
      .boolean()
      .default(false)
      .describe(
        "Whether a person's reply may be sent with the HUMAN_AGENT tag up to 7 days after the " +
          "customer's last message. Meta grants this per app; without it such replies fail.",
      ),
  })
  .register(requestSchemas, { id: "MessengerSettings" });

const transport = z
  .enum(["cloud_api", "linked_device"])
  .default("cloud_api")
  .describe(
    "How messages travel. `cloud_api`: the WhatsApp Cloud API (webhooks and Graph; needs credentials). " +
      "`linked_device`: WhatsApp Web (whatsapp-web.js) linked to the business phone by scanning a QR " +
      "code (see GET /channel-accounts/{id}/linked-device), for businesses without Cloud API access; " +
      "it needs no credentials, and WhatsApp may ban numbers that use unofficial clients.",
  );

export const whatsappSettingsSchema = z
  .strictObject({
    verifyToken: verifyToken.optional(),
    businessAccountId: metaId("WhatsApp Business Account id")
      .optional()
      .describe("The WhatsApp Business Account (WABA) the number belongs to."),
    fallbackTemplate: z
      .strictObject({
        name: z
          .string()
          .regex(/^[a-z0-9_]{1,512}$/, "must be lowercase letters, digits and '_', as in WhatsApp Manager"),
        language: z
          .string()
          .regex(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/, 'must be a template language code such as "en_US" or "sv"'),
      })
      .optional()
      .describe(
        "An approved template sent instead of free text once the 24-hour window has closed. " +
          "Without one, such answers are marked undeliverable and a person is asked to step in.",
      ),
    transport,
  })
  .register(requestSchemas, { id: "WhatsappSettings" });

/** In responses the verify token is always there: creating or updating settings ensures one. */
export const messengerSettingsShown = messengerSettingsSchema.required({ verifyToken: true });
export const whatsappSettingsShown = whatsappSettingsSchema.required({ verifyToken: true });

export const webhookSetupSchema = z
  .object({
    callbackUrl: z
      .string()
      .meta({ format: "uri" })
      .describe("Where Meta delivers this channel's webhooks: PUBLIC_URL, else the origin of the request."),
    verifyToken: z.string().describe("The verify token Meta's handshake must send; see settings."),
  })
  .describe("The two values to paste into the Webhooks section of Meta's App Dashboard.")
  .register(responseSchemas, { id: "WebhookSetup" });

export const linkedDeviceStatusSchema = z
  .object({
    state: z
      .enum(["starting", "qr", "ready", "disconnected", "auth_failure", "unavailable"])
      .describe(
        "`qr`: waiting for the QR code to be scanned; `ready`: sending and receiving; `unavailable`: " +
          "whatsapp-web.js or Chromium is missing (see `error`).",
      ),
    qr: z
      .string()
      .optional()
      .describe(
        "While `qr`: the raw QR payload. Render it as a QR code and scan it from WhatsApp > Settings > " +
          "Linked devices > Link a device. It changes every few seconds.",
      ),
    error: z.string().optional().describe("Why it is disconnected, failed or unavailable."),
    since: timestamp.describe("When it entered this state."),
  })
  .describe("The WhatsApp Web session of a linked-device account, as the gateway driving it sees it.")
  .register(responseSchemas, { id: "LinkedDeviceStatus" });
