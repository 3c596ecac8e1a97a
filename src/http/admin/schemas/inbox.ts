import { z } from "zod";
import { objectId, requestSchemas, responseSchemas, timestamp, uuid } from "./common.js";

const actingUser = uuid
  .optional()
  .describe("The person acting; a person's own token implies it, a workspace token must say.");

export const claimSchema = z
  .strictObject({ userId: actingUser })
  .default({})
  .register(requestSchemas, { id: "Claim" });

export const assignSchema = z
  .strictObject({
    to: z.discriminatedUnion("kind", [
      z.strictObject({ kind: z.literal("user"), id: uuid }),
      z.strictObject({ kind: z.literal("team"), id: uuid }),
      z.strictObject({ kind: z.literal("nobody") }),
    ]),
  })
  .register(requestSchemas, { id: "Assign" });

const text = z.string().trim().min(1, "must not be empty").max(10_000);

export const personReplySchema = z
  .strictObject({ text, userId: actingUser })
  .register(requestSchemas, { id: "PersonReply" });

export const postedMessageSchema = z
  .object({ messageId: objectId })
  .register(responseSchemas, { id: "PostedMessage" });

export const noteCreateSchema = z
  .strictObject({ text, userId: actingUser })
  .register(requestSchemas, { id: "NoteCreate" });

export const noteSchema = z
  .object({ id: objectId, userId: objectId.nullable(), text: z.string(), createdAt: timestamp })
  .register(responseSchemas, { id: "Note" });

export const noteListSchema = z
  .object({ data: z.array(noteSchema) })
  .register(responseSchemas, { id: "NoteList" });

export const closeSchema = z
  .strictObject({ userId: actingUser })
  .default({})
  .register(requestSchemas, { id: "Close" });
