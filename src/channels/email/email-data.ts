import { z } from "zod";

/** The key under which an email message's headers live in `messages.channel_data`. */
export const EMAIL_DATA = "email";

/** What a reply needs from the mail it answers, kept with the stored message. */
export const emailHeadersSchema = z.object({
  messageId: z.string(),
  references: z.array(z.string()).default([]),
  inReplyTo: z.array(z.string()).default([]),
  subject: z.string().default(""),
  replyTo: z.string().optional(),
});
export type EmailHeaders = z.infer<typeof emailHeadersSchema>;

/** The email headers stored with a message, if it has valid ones. */
export function emailHeadersOf(channelData: Record<string, unknown>): EmailHeaders | undefined {
  const parsed = emailHeadersSchema.safeParse(channelData[EMAIL_DATA]);
  return parsed.success ? parsed.data : undefined;
}
