import { z } from "zod";
import { businessHoursSchema } from "../../../core/availability/business-hours.js";
import { assignToSchema, handoffSettingsSchema } from "../../../core/handoff/settings.js";
import { requestSchemas, responseSchemas } from "./common.js";

/** Secrets may be left out on a change that keeps the same help desk: the stored ones stay. */
const helpdeskInput = z.discriminatedUnion("provider", [
  z.strictObject({ provider: z.literal("builtin") }),
  z.strictObject({
    provider: z.literal("zendesk"),
    baseUrl: z.url({ protocol: /^https?$/ }),
    email: z.email(),
    apiToken: z.string().trim().min(1).max(500).optional(),
  }),
  z.strictObject({
    provider: z.literal("gorgias"),
    baseUrl: z.url({ protocol: /^https?$/ }),
    username: z.string().trim().min(1).max(200),
    apiKey: z.string().trim().min(1).max(500).optional(),
  }),
]);

export const handoffSettingsPutSchema = handoffSettingsSchema
  .extend({ helpdesk: helpdeskInput.nullable().default(null) })
  .register(requestSchemas, { id: "HandoffSettingsPut" });

const helpdeskView = z.discriminatedUnion("provider", [
  z.object({ provider: z.literal("builtin") }),
  z.object({
    provider: z.literal("zendesk"),
    baseUrl: z.string(),
    email: z.string(),
    apiTokenConfigured: z.boolean(),
  }),
  z.object({
    provider: z.literal("gorgias"),
    baseUrl: z.string(),
    username: z.string(),
    apiKeyConfigured: z.boolean(),
  }),
]);

const triggerView = z.object({ phrase: z.string(), translations: z.record(z.string(), z.array(z.string())) });

export const handoffSettingsViewSchema = z
  .object({
    whenAgentCannotAnswer: z.enum(["transfer", "stay_assigned", "helpdesk_ticket", "custom_message"]),
    assignTo: assignToSchema,
    triggers: z.array(triggerView),
    recognizeHumanRequests: z.boolean(),
    updateChatAvatar: z.boolean(),
    helpdesk: helpdeskView.nullable(),
    customMessage: z.record(z.string(), z.string()),
    handoffUnavailableMessage: z.record(z.string(), z.string()),
  })
  .register(responseSchemas, { id: "HandoffSettings" });

const STATES = ["available", "away", "at_capacity", "outside_hours"] as const;
const messages = z
  .partialRecord(z.enum(STATES), z.record(z.string().regex(/^[a-z]{2}$/), z.string().trim().min(1).max(2000)))
  .describe(
    "Per state, per language: what the customer is told at a hand-off. `{backAt}` becomes when the " +
      "team is back (outside business hours). Missing ones use the built-in texts.",
  );

export const availabilitySettingsSchema = z
  .object({ businessHours: businessHoursSchema.nullable(), messages })
  .register(responseSchemas, { id: "AvailabilitySettings" });

export const availabilitySettingsPutSchema = z
  .strictObject({
    businessHours: businessHoursSchema
      .nullable()
      .describe(
        "Time zone, weekly ranges (an end before the start runs overnight) and holidays; null: always open.",
      ),
    messages: messages.default({}),
  })
  .register(requestSchemas, { id: "AvailabilitySettingsPut" });

export const teamHoursPutSchema = z
  .strictObject({ businessHours: businessHoursSchema.nullable() })
  .register(requestSchemas, { id: "TeamHoursPut" });

export const teamHoursSchema = z
  .object({ teamId: z.string(), businessHours: businessHoursSchema.nullable() })
  .register(responseSchemas, { id: "TeamHours" });
