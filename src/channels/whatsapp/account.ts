import { z } from "zod";
import type { ChannelAccountRef } from "../../core/channel.js";
import type { SecretBox } from "../meta/secret-box.js";

/** A WhatsApp channel account's secrets, stored sealed (see SecretBox) and never returned by the API. */
export const whatsappCredentialsSchema = z.object({
  /** A system-user (or user) token with whatsapp_business_messaging permission. */
  accessToken: z.string().min(1),
  /** Signs every webhook delivery (X-Hub-Signature-256). */
  appSecret: z.string().min(1),
});
export type WhatsappCredentials = z.infer<typeof whatsappCredentialsSchema>;

/** A WhatsApp channel account's settings; shown by the API. The phone number id is its externalId. */
export const whatsappSettingsSchema = z.object({
  verifyToken: z.string().min(8),
  businessAccountId: z.string().min(1).optional(),
  /**
   * An approved template sent instead of free text once the 24-hour window has closed (e.g. one
   * that asks the customer to reply so the answer can follow). Without one such answers fail.
   */
  fallbackTemplate: z.object({ name: z.string().min(1), language: z.string().min(2) }).optional(),
  /** The Cloud API, or the optional linked-device transport (whatsapp-web.js). */
  transport: z.enum(["cloud_api", "linked_device"]).default("cloud_api"),
});
export type WhatsappSettings = z.infer<typeof whatsappSettingsSchema>;

export type WhatsappTransport = WhatsappSettings["transport"];

/** How an account's messages travel; read alone, since a linked-device account has no Cloud API secrets. */
export function whatsappTransport(account: ChannelAccountRef): WhatsappTransport {
  return whatsappSettingsSchema.shape.transport.parse(account.settings.transport);
}

export interface WhatsappAccess {
  phoneNumberId: string;
  credentials: WhatsappCredentials;
  settings: WhatsappSettings;
}

export function whatsappAccess(box: SecretBox, account: ChannelAccountRef): WhatsappAccess {
  return {
    phoneNumberId: account.externalId,
    credentials: box.openAll(whatsappCredentialsSchema.parse(account.credentials)),
    settings: whatsappSettingsSchema.parse(account.settings),
  };
}
