import { z } from "zod";
import { objectId, pageSchema, responseSchemas, timestamp } from "./common.js";

export const skippedMessageSchema = z
  .object({
    id: objectId,
    receivedAt: timestamp.describe("When Parley stored it."),
    from: z.string().nullable().describe("The sender as the channel names them: for email, the address."),
    subject: z.string().nullable().describe("For email, the mail's subject; null for other kinds."),
    reasonCode: z
      .string()
      .describe(
        "Why it got no answer, machine-readable. For email: `delivery_report`, `auto_submitted`, " +
          "`precedence`, `autoreply_header`, `mailing_list`, `empty_return_path`, `no_sender`, " +
          "`mailer_daemon`, `own_address`, `auto_reply_subject`, `sender_rate_limit`.",
      ),
    reason: z.string().describe("The detail, for a person: the header or rule that decided it."),
  })
  .describe("An inbound message stored but deliberately not answered (an auto-reply, a bounce).")
  .register(responseSchemas, { id: "SkippedMessage" });

export type SkippedMessageJson = z.output<typeof skippedMessageSchema>;

export const skippedMessagePageSchema = pageSchema(skippedMessageSchema, "SkippedMessagePage");
