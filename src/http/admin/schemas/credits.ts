import { z } from "zod";
import { CHARGE_RULES, LEDGER_KINDS } from "../../../db/schema.js";
import { pageQuerySchema } from "../pagination.js";
import { objectId, pageSchema, requestSchemas, responseSchemas, timestamp, uuid } from "./common.js";

const chargeRule = z
  .enum(CHARGE_RULES)
  .describe(
    "`first-agent-reply`: a conversation is charged when the agent first replies in it. " +
      "`resolution`: when it closes resolved by the agent, without a hand-off.",
  );
const credits = z.number().int();

export const creditAccountSchema = z
  .object({
    balance: credits,
    pricePerConversation: credits,
    chargeRule,
    lowBalanceThreshold: credits.nullable(),
    agentsTakeNewConversations: z
      .boolean()
      .describe("False when the balance is below one conversation's price: new conversations go to people."),
    updatedAt: timestamp,
  })
  .register(responseSchemas, { id: "CreditAccount" });

export const creditSettingsPatchSchema = z
  .strictObject({
    pricePerConversation: z.number().int().min(0).max(1_000_000),
    chargeRule,
    lowBalanceThreshold: z
      .number()
      .int()
      .min(0)
      .nullable()
      .describe("Below this balance a signed `credits.low_balance` event is sent, once per crossing."),
  })
  .partial()
  .register(requestSchemas, { id: "CreditSettingsPatch" });

const reason = z.string().trim().min(1, "must say why").max(500);

export const creditGrantSchema = z
  .strictObject({ amount: z.number().int().min(1).max(1_000_000_000), reason })
  .register(requestSchemas, { id: "CreditGrant" });

export const creditAdjustmentSchema = z
  .strictObject({
    amount: z
      .number()
      .int()
      .min(-1_000_000_000)
      .max(1_000_000_000)
      .refine((n) => n !== 0, "must not be zero"),
    reason,
  })
  .register(requestSchemas, { id: "CreditAdjustment" });

export const ledgerEntrySchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(LEDGER_KINDS),
    amount: credits.describe("Positive for grants, negative for charges."),
    balanceAfter: credits
      .nullable()
      .describe(
        "The balance once this entry was applied. Null for a charge made in the last moment and " +
          "not applied yet: charges are applied in batches, within about a second.",
      ),
    reason: z.string(),
    conversationId: objectId.nullable(),
    actor: z.string().describe("`system`, `token:<name>` or `user:<id>`."),
    createdAt: timestamp,
  })
  .register(responseSchemas, { id: "LedgerEntry" });

export const ledgerQuerySchema = pageQuerySchema.extend({
  kind: z.enum(LEDGER_KINDS).optional(),
  conversationId: uuid.optional(),
});

export const ledgerPageSchema = pageSchema(ledgerEntrySchema, "LedgerPage");

export const conversationChargeSchema = z
  .object({
    conversationId: objectId,
    charged: z.boolean(),
    chargedAt: timestamp.nullable(),
    amount: credits.nullable().describe("Credits taken (positive), when charged."),
    ledgerEntryId: z.number().int().nullable(),
    preview: z.boolean().describe("Preview conversations never cost credits."),
  })
  .register(responseSchemas, { id: "ConversationCharge" });

export const auditEntrySchema = z
  .object({
    id: z.number().int(),
    actor: z.string(),
    action: z.string(),
    subjectType: z.string(),
    subjectId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    createdAt: timestamp,
  })
  .register(responseSchemas, { id: "AuditEntry" });

export const auditPageSchema = pageSchema(auditEntrySchema, "AuditPage");

export const webhookSettingsSchema = z
  .object({
    url: z.string().nullable(),
    secret: z
      .string()
      .nullable()
      .describe("The HMAC-SHA256 key of the `parley-signature` header: `t=<unix>,v1=<hex of HMAC(t.body)>`."),
  })
  .register(responseSchemas, { id: "WebhookSettings" });

export const webhookSettingsPutSchema = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
      .nullable()
      .describe("Where events are POSTed; null turns them off."),
    secret: z
      .string()
      .min(16, "must be at least 16 characters")
      .max(200)
      .optional()
      .describe("Leave it out to keep the current secret, or to have one generated."),
  })
  .register(requestSchemas, { id: "WebhookSettingsPut" });
