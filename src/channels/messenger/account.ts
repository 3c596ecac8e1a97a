import { z } from "zod";
import type { ChannelAccountRef } from "../../core/channel.js";
import type { SecretBox } from "../meta/secret-box.js";

/** A Messenger channel account's secrets, stored sealed (see SecretBox) and never returned by the API. */
export const messengerCredentialsSchema = z.object({
  pageAccessToken: z.string().min(1),
  /** Signs every webhook delivery (X-Hub-Signature-256). */
  appSecret: z.string().min(1),
});
export type MessengerCredentials = z.infer<typeof messengerCredentialsSchema>;

/** A Messenger channel account's settings; shown by the API. The page id is the account's externalId. */
export const messengerSettingsSchema = z.object({
  /** What the business typed into Meta's dashboard; answers the GET handshake. */
  verifyToken: z.string().min(8),
  /**
   * Whether a person's reply may use the HUMAN_AGENT tag (up to 7 days after the customer's
   * last message). Meta grants the permission per app; without it such a send is refused.
   */
  humanAgentTag: z.boolean().default(false),
});
export type MessengerSettings = z.infer<typeof messengerSettingsSchema>;

export interface MessengerAccess {
  pageId: string;
  credentials: MessengerCredentials;
  settings: MessengerSettings;
}

export function messengerAccess(box: SecretBox, account: ChannelAccountRef): MessengerAccess {
  return {
    pageId: account.externalId,
    credentials: box.openAll(messengerCredentialsSchema.parse(account.credentials)),
    settings: messengerSettingsSchema.parse(account.settings),
  };
}
