import { z } from "zod";
import { triggerSchema } from "./triggers.js";

/**
 * An agent's hand-off settings (stored in `agents.handoff`, checked here on the way in and on the
 * way out, so an old or hand-edited row can never break the message path: it falls back to the
 * defaults, which are what a fresh agent does).
 */

const languageCode = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z]{2}$/, 'must be a two-letter ISO 639-1 code such as "en"');
const perLanguage = z
  .record(languageCode, z.string().trim().min(1).max(2000))
  .describe("The text per language; the customer's language, else English, else any.");

export const assignToSchema = z
  .discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("nobody") }).describe("The unassigned queue."),
    z
      .strictObject({
        kind: z.literal("users_and_teams"),
        userIds: z.array(z.guid()).max(500).default([]),
        teamIds: z.array(z.guid()).max(100).default([]),
      })
      .describe("An available member with spare capacity, round robin; the queue if none."),
    z.strictObject({ kind: z.literal("owner") }).describe("The contact's owner; the queue if none."),
  ])
  .describe("If the AI cannot answer, assign to.");

export const helpdeskSettingsSchema = z.discriminatedUnion("provider", [
  z.strictObject({ provider: z.literal("builtin") }),
  z.strictObject({
    provider: z.literal("zendesk"),
    baseUrl: z.url({ protocol: /^https?$/ }).describe("e.g. https://yourshop.zendesk.com"),
    email: z.email().describe("The Zendesk agent the API token belongs to."),
    apiToken: z.string().trim().min(1).max(500),
  }),
  z.strictObject({
    provider: z.literal("gorgias"),
    baseUrl: z.url({ protocol: /^https?$/ }).describe("e.g. https://yourshop.gorgias.com"),
    username: z.string().trim().min(1).max(200),
    apiKey: z.string().trim().min(1).max(500),
  }),
]);

export const WHEN_AGENT_CANNOT_ANSWER = [
  "transfer",
  "stay_assigned",
  "helpdesk_ticket",
  "custom_message",
] as const;

export const handoffSettingsSchema = z.strictObject({
  whenAgentCannotAnswer: z
    .enum(WHEN_AGENT_CANNOT_ANSWER)
    .default("transfer")
    .describe(
      "`transfer`: ask the customer to rephrase once, then hand off. `stay_assigned`: say that a " +
        "hand-off is not available and keep the conversation. `helpdesk_ticket`: offer a ticket " +
        "(built-in inbox, Zendesk or Gorgias). `custom_message`: send `customMessage` instead.",
    ),
  assignTo: assignToSchema.default({ kind: "nobody" }),
  triggers: z
    .array(triggerSchema)
    .max(200)
    .default([])
    .describe("Words and phrases that hand off at once (inflected forms match too)."),
  recognizeHumanRequests: z
    .boolean()
    .default(true)
    .describe("Hand off when the customer asks for a person, in any of the 11 built-in languages."),
  updateChatAvatar: z
    .boolean()
    .default(false)
    .describe("On live chat, show the assigned person in the chat header after a hand-off."),
  helpdesk: helpdeskSettingsSchema.nullable().default(null),
  customMessage: perLanguage.default({}),
  handoffUnavailableMessage: perLanguage
    .default({})
    .describe("Replaces the built-in “a hand-off is not available” text (stay_assigned)."),
});

export type HandoffSettings = z.output<typeof handoffSettingsSchema>;
export type AssignTo = HandoffSettings["assignTo"];

export const DEFAULT_HANDOFF_SETTINGS: HandoffSettings = handoffSettingsSchema.parse({});

/** The stored settings, or the defaults if the row holds something this version cannot read. */
export function readHandoffSettings(stored: unknown): HandoffSettings {
  const parsed = handoffSettingsSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : DEFAULT_HANDOFF_SETTINGS;
}

/** An admin-written text in the customer's language, else English, else the first one written. */
export function pickLanguage(texts: Record<string, string>, language: string): string | undefined {
  return texts[language] ?? texts.en ?? Object.values(texts)[0];
}
