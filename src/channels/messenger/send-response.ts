import { z } from "zod";

/** The Send API's answer to a message: who got it and the `mid` delivery receipts will name. */
export const messengerSendResponse = z.looseObject({
  recipient_id: z.string().optional(),
  message_id: z.string(),
});
