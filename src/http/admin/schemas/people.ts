import { z } from "zod";
import { users } from "../../../db/schema.js";
import { displayName, objectId, pageSchema, requestSchemas, responseSchemas, timestamp } from "./common.js";

const userStatus = z
  .enum(users.status.enumValues)
  .describe(
    "Presence. `away`: hand-off routing passes them over for new conversations; " +
      "those they hold stay theirs.",
  );

/** Stored lower-cased, so that the same address typed twice is one address. */
const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(320)
  .regex(z.regexes.email, "must be an email address")
  .meta({ format: "email" })
  .describe("Unique in the workspace; stored lower-cased.");

const maxOpenConversations = z
  .number({ error: "must be a whole number of at least 1, or null for no limit" })
  .int("must be a whole number of at least 1, or null for no limit")
  .min(1, "must be at least 1, or null for no limit")
  .max(10_000)
  .nullable()
  .describe("The most open conversations they hold at once; null: no limit.");

const avatarUrl = z
  .url({ protocol: /^https$/, error: "must be an https URL" })
  .max(2000)
  .nullable()
  .describe("An https URL of their picture; null: none.");

/** Without defaults, so that a PATCH leaves out what it does not mention. */
const userFields = { name: displayName, email, status: userStatus, maxOpenConversations, avatarUrl };

export const userCreateSchema = z
  .strictObject({
    ...userFields,
    status: userStatus.default("available"),
    maxOpenConversations: maxOpenConversations.default(null),
    avatarUrl: avatarUrl.default(null),
  })
  .register(requestSchemas, { id: "UserCreate" });

export const userPatchSchema = z
  .strictObject(userFields)
  .partial()
  .register(requestSchemas, { id: "UserPatch" });

export const userSchema = z
  .object({
    id: objectId,
    name: z.string(),
    email: z.string(),
    status: userStatus,
    maxOpenConversations: z.number().int().nullable(),
    avatarUrl: z.string().nullable(),
    teamIds: z.array(objectId).describe("The teams they are in (change with the team membership routes)."),
    openConversations: z
      .number()
      .int()
      .describe("How many open conversations they hold now (a person's inbox)."),
    createdAt: timestamp,
  })
  .register(responseSchemas, { id: "User" });

export const userPageSchema = pageSchema(userSchema, "UserPage");

export const userTokenCreateSchema = z
  .strictObject({
    name: displayName
      .optional()
      .describe('A label for the token, e.g. the device it is for; "personal" if left out.'),
  })
  .default({})
  .register(requestSchemas, { id: "UserTokenCreate" });

export const userTokenSchema = z
  .object({
    token: z
      .string()
      .describe("Send as `Authorization: Bearer <token>`. Shown only this once: only its hash is kept."),
    userId: objectId,
    name: z.string(),
  })
  .register(responseSchemas, { id: "UserToken" });

const teamFields = { name: displayName };

export const teamCreateSchema = z.strictObject(teamFields).register(requestSchemas, { id: "TeamCreate" });

export const teamPatchSchema = z
  .strictObject(teamFields)
  .partial()
  .register(requestSchemas, { id: "TeamPatch" });

export const teamSchema = z
  .object({
    id: objectId,
    name: z.string(),
    memberIds: z.array(objectId).describe("Its members' user ids (change with the membership routes)."),
    createdAt: timestamp,
  })
  .register(responseSchemas, { id: "Team" });

export const teamPageSchema = pageSchema(teamSchema, "TeamPage");
