import { z } from "zod";
import { AGENT_PERSONALITIES, AGENT_ROLES, agents } from "../../../db/schema.js";
import { displayName, objectId, pageSchema, requestSchemas, responseSchemas, timestamp } from "./common.js";

const role = z.enum(AGENT_ROLES);
const personality = z.enum(AGENT_PERSONALITIES);
const status = z
  .enum(agents.status.enumValues)
  .describe("A paused agent takes no new conversations; they follow the hand-off rules instead.");

/** Without defaults, so that a PATCH leaves out what it does not mention. */
const agentFields = {
  name: displayName,
  role,
  personality,
  brandVoice: z
    .string()
    .trim()
    .max(5000)
    .nullable()
    .transform((v) => (v === "" ? null : v))
    .describe("How the agent should sound, in the brand's words. Empty or null: none."),
  status,
  citationsEnabled: z.boolean().describe("Whether answers show the sources they came from."),
};

export const agentCreateSchema = z
  .strictObject({
    ...agentFields,
    role: role.default("customer_service"),
    personality: personality.default("friendly"),
    brandVoice: agentFields.brandVoice.default(null),
    status: status.default("active"),
    citationsEnabled: agentFields.citationsEnabled.default(true),
  })
  .register(requestSchemas, { id: "AgentCreate" });

export const agentPatchSchema = z
  .strictObject(agentFields)
  .partial()
  .register(requestSchemas, { id: "AgentPatch" });

export const agentSchema = z
  .object({
    id: objectId,
    name: z.string(),
    role,
    personality,
    brandVoice: z.string().nullable(),
    status,
    citationsEnabled: z.boolean(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .register(responseSchemas, { id: "Agent" });

export const agentPageSchema = pageSchema(agentSchema, "AgentPage");

export const previewRequestSchema = z
  .strictObject({
    locale: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag such as "nl" or "sv-SE"')
      .optional()
      .describe("The language to preview in, as a browser would send it."),
  })
  .default({})
  .register(requestSchemas, { id: "PreviewRequest" });

export const previewSessionSchema = z
  .object({
    token: z.string().describe("A Direct Line token for this conversation only."),
    conversationId: z.string(),
    userId: z.string(),
    expiresIn: z
      .number()
      .int()
      .describe("Seconds until the token expires (refresh it like any Direct Line token)."),
    directLineUrl: z.string().describe("Where to use it, e.g. as Web Chat's `domain`."),
  })
  .register(responseSchemas, { id: "PreviewSession" });
