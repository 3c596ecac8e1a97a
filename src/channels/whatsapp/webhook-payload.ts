import { z } from "zod";

const platformError = z.looseObject({
  code: z.number(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
});
export type WhatsappPlatformError = z.infer<typeof platformError>;

const media = z.looseObject({
  id: z.string(),
  mime_type: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  url: z.string().optional(),
});

/** A customer message; its content sits in the sub-object named by `type`. */
export const whatsappMessage = z.looseObject({
  from: z.string(),
  id: z.string(),
  timestamp: z.string().optional(),
  type: z.string(),
  text: z.looseObject({ body: z.string() }).optional(),
  image: media.optional(),
  video: media.optional(),
  audio: media.optional(),
  document: media.optional(),
  sticker: media.optional(),
  location: z
    .looseObject({
      latitude: z.number(),
      longitude: z.number(),
      name: z.string().optional(),
      address: z.string().optional(),
    })
    .optional(),
  interactive: z
    .looseObject({
      type: z.string(),
      button_reply: z.looseObject({ id: z.string(), title: z.string() }).optional(),
      list_reply: z.looseObject({ id: z.string(), title: z.string() }).optional(),
    })
    .optional(),
  button: z.looseObject({ payload: z.string().optional(), text: z.string() }).optional(),
  referral: z.looseObject({}).optional(),
  context: z.looseObject({ id: z.string().optional(), forwarded: z.boolean().optional() }).optional(),
});
export type WhatsappMessage = z.infer<typeof whatsappMessage>;

/** A receipt for a message we sent; `played` is WhatsApp's word for a voice message listened to. */
export const whatsappStatus = z.looseObject({
  id: z.string(),
  status: z.enum(["sent", "delivered", "read", "played", "failed", "deleted", "warning"]),
  recipient_id: z.string().optional(),
  errors: z.array(platformError).optional(),
});
export type WhatsappStatus = z.infer<typeof whatsappStatus>;

export const whatsappChangeValue = z.looseObject({
  messaging_product: z.literal("whatsapp").optional(),
  metadata: z.looseObject({ phone_number_id: z.string() }),
  contacts: z
    .array(z.looseObject({ wa_id: z.string(), profile: z.looseObject({ name: z.string() }).optional() }))
    .optional(),
  messages: z.array(whatsappMessage).optional(),
  statuses: z.array(whatsappStatus).optional(),
  errors: z.array(platformError).optional(),
});
export type WhatsappChangeValue = z.infer<typeof whatsappChangeValue>;

/** A Cloud API delivery: entries (business accounts), each with changes routed by phone_number_id. */
export const whatsappWebhook = z.object({
  object: z.literal("whatsapp_business_account"),
  entry: z.array(
    z.looseObject({
      id: z.string(),
      changes: z.array(z.looseObject({ field: z.string(), value: z.looseObject({}) })),
    }),
  ),
});
export type WhatsappWebhook = z.infer<typeof whatsappWebhook>;
