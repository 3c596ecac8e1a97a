import { z } from "zod";

const participant = z.looseObject({ id: z.string() });

const attachment = z.looseObject({
  type: z.string(),
  title: z.string().optional(),
  /** Fallback (shared link) attachments carry their URL here, in upper case. */
  URL: z.string().optional(),
  url: z.string().optional(),
  payload: z.looseObject({ url: z.string().optional() }).nullish(),
});

/** One event of `entry[].messaging[]` or `entry[].standby[]`; its kind is the key present. */
export const messengerEvent = z.looseObject({
  sender: participant,
  recipient: participant,
  timestamp: z.number().optional(),
  message: z
    .looseObject({
      mid: z.string(),
      text: z.string().optional(),
      is_echo: z.boolean().optional(),
      /** Present on echoes of messages an app sent; absent when a person wrote in the Page inbox. */
      app_id: z.union([z.number(), z.string()]).nullish(),
      quick_reply: z.looseObject({ payload: z.string() }).optional(),
      attachments: z.array(attachment).optional(),
      reply_to: z.looseObject({ mid: z.string() }).optional(),
    })
    .optional(),
  postback: z
    .looseObject({
      mid: z.string().optional(),
      title: z.string().optional(),
      payload: z.string().optional(),
      referral: z.looseObject({}).optional(),
    })
    .optional(),
  delivery: z.looseObject({ mids: z.array(z.string()).optional(), watermark: z.number() }).optional(),
  read: z.looseObject({ watermark: z.number() }).optional(),
  referral: z.looseObject({ ref: z.string().optional(), source: z.string().optional() }).optional(),
});
export type MessengerEvent = z.infer<typeof messengerEvent>;

/** A page subscription's delivery: possibly several pages (entries), each with several events. */
export const messengerWebhook = z.object({
  object: z.literal("page"),
  entry: z.array(
    z.looseObject({
      id: z.string(),
      messaging: z.array(messengerEvent).optional(),
      /** Events of threads another app owns (handover protocol): seen, never answered. */
      standby: z.array(messengerEvent).optional(),
    }),
  ),
});
export type MessengerWebhook = z.infer<typeof messengerWebhook>;
