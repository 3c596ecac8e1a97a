import { randomBytes } from "node:crypto";
import { and, desc, eq, lt } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../../core/audit.js";
import { applyPendingCharges } from "../../core/charge-applier.js";
import { addLedgerEntry, gateForBalance, type LedgerEntry } from "../../core/credits.js";
import { EVENTS_CHANNEL } from "../../core/events/record.js";
import { auditLog, conversations, creditAccounts, creditLedger, workspaces } from "../../db/schema.js";
import { notFound } from "../errors.js";
import type { AdminDeps } from "./deps.js";
import { pageQuerySchema, readCursor, toPage } from "./pagination.js";
import { type AdminRoute, defineRoute } from "./route.js";
import {
  auditPageSchema,
  conversationChargeSchema,
  creditAccountSchema,
  creditAdjustmentSchema,
  creditGrantSchema,
  creditSettingsPatchSchema,
  ledgerEntrySchema,
  ledgerPageSchema,
  ledgerQuerySchema,
  webhookSettingsPutSchema,
  webhookSettingsSchema,
} from "./schemas/credits.js";

/** Ledger and audit entries are numbered in the order they were written; pages go newest first. */
const idKeySchema = z.tuple([z.number().int().positive()]);

const ledgerJson = (row: LedgerEntry) => ({
  id: row.id,
  kind: row.kind,
  amount: row.amount,
  balanceAfter: row.balanceAfter,
  reason: row.reason,
  conversationId: row.conversationId,
  actor: row.actor,
  createdAt: row.createdAt.toISOString(),
});

export function creditRoutes({ database, clock }: AdminDeps): AdminRoute[] {
  const { db } = database;
  const tag = "Credits";

  async function account(workspaceId: string) {
    // The balance shown includes every charge made so far (see charge-applier.ts).
    await applyPendingCharges(database, workspaceId);
    const [row] = await db.select().from(creditAccounts).where(eq(creditAccounts.workspaceId, workspaceId));
    if (!row) throw notFound("credit account");
    return {
      balance: row.balance,
      pricePerConversation: row.pricePerConversation,
      chargeRule: row.chargeRule,
      lowBalanceThreshold: row.lowBalanceThreshold,
      agentsTakeNewConversations: gateForBalance(row.balance, row.pricePerConversation) === "takes",
      updatedAt: row.updatedAt.toISOString(),
    };
  }

  function ledgerRoute(kind: "grant" | "adjustment") {
    const grant = kind === "grant";
    return defineRoute({
      method: "post",
      path: grant ? "/credits/grants" : "/credits/adjustments",
      operationId: grant ? "grantCredits" : "adjustCredits",
      tag,
      summary: grant ? "Grant credits" : "Adjust the balance",
      description: grant
        ? "Adds credits. If the agents had stopped taking new conversations for lack of credits, " +
          "the next new conversation is theirs again: no restart, no resume needed."
        : "Corrects the balance either way (a refund, a mistake), with the reason on the ledger.",
      body: grant ? creditGrantSchema : creditAdjustmentSchema,
      status: 201,
      response: ledgerEntrySchema,
      responseDescription: "The ledger entry, with the balance it left.",
      async handle({ workspaceId, actor, body }) {
        const now = clock.now();
        const entry = await db.transaction(async (tx) => {
          const added = await addLedgerEntry(tx, { workspaceId, kind, ...body, actor, now });
          await recordAudit(tx, {
            workspaceId,
            actor,
            action: grant ? "credits.granted" : "credits.adjusted",
            subjectType: "credit_account",
            subjectId: workspaceId,
            details: { amount: body.amount, reason: body.reason, balanceAfter: added.balanceAfter },
            now,
          });
          return added;
        });
        // An adjustment may have crossed the low-balance threshold.
        await database.notify(EVENTS_CHANNEL, workspaceId);
        return ledgerJson(entry);
      },
    });
  }

  return [
    defineRoute({
      method: "get",
      path: "/credits",
      operationId: "getCredits",
      tag,
      summary: "The credit balance and price",
      status: 200,
      response: creditAccountSchema,
      responseDescription: "The workspace's credit account.",
      handle: ({ workspaceId }) => account(workspaceId),
    }),
    defineRoute({
      method: "patch",
      path: "/credits",
      operationId: "updateCreditSettings",
      tag,
      summary: "Set the price, the charging rule or the low-balance threshold",
      description: "Applies to charges from now on; every change is in the audit log.",
      body: creditSettingsPatchSchema,
      status: 200,
      response: creditAccountSchema,
      responseDescription: "The credit account as changed.",
      async handle({ workspaceId, actor, body }) {
        const now = clock.now();
        await db.transaction(async (tx) => {
          const [before] = await tx
            .select()
            .from(creditAccounts)
            .where(eq(creditAccounts.workspaceId, workspaceId))
            .for("update");
          if (!before) throw notFound("credit account");
          await tx
            .update(creditAccounts)
            .set({ ...body, updatedAt: now })
            .where(eq(creditAccounts.workspaceId, workspaceId));
          const changed = Object.fromEntries(
            Object.entries(body).map(([k, v]) => [k, { from: before[k as keyof typeof body], to: v }]),
          );
          await recordAudit(tx, {
            workspaceId,
            actor,
            action: "credits.settings_changed",
            subjectType: "credit_account",
            subjectId: workspaceId,
            details: changed,
            now,
          });
        });
        return account(workspaceId);
      },
    }),
    ledgerRoute("grant"),
    ledgerRoute("adjustment"),
    defineRoute({
      method: "get",
      path: "/credits/ledger",
      operationId: "listLedger",
      tag,
      summary: "The credit ledger",
      description: "Every change of the balance, newest first: grants, charges, adjustments.",
      query: ledgerQuerySchema,
      status: 200,
      response: ledgerPageSchema,
      responseDescription: "A page of ledger entries.",
      async handle({ workspaceId, query }) {
        const after = readCursor(query.cursor, idKeySchema);
        await applyPendingCharges(database, workspaceId);
        const rows = await db
          .select()
          .from(creditLedger)
          .where(
            and(
              eq(creditLedger.workspaceId, workspaceId),
              query.kind ? eq(creditLedger.kind, query.kind) : undefined,
              query.conversationId ? eq(creditLedger.conversationId, query.conversationId) : undefined,
              after && lt(creditLedger.id, after[0]),
            ),
          )
          .orderBy(desc(creditLedger.id))
          .limit(query.limit + 1);
        return toPage(rows, query.limit, (r) => [r.id], ledgerJson);
      },
    }),
    defineRoute({
      method: "get",
      path: "/conversations/:conversationId/charge",
      operationId: "getConversationCharge",
      tag,
      summary: "What a conversation cost",
      ids: { conversationId: "conversation" },
      status: 200,
      response: conversationChargeSchema,
      responseDescription: "The conversation's charge, if it was charged.",
      async handle({ workspaceId, ids }) {
        const [row] = await db
          .select({
            id: conversations.id,
            chargedAt: conversations.chargedAt,
            preview: conversations.preview,
            entryId: creditLedger.id,
            amount: creditLedger.amount,
            entryAt: creditLedger.createdAt,
          })
          .from(conversations)
          .leftJoin(
            creditLedger,
            and(eq(creditLedger.conversationId, conversations.id), eq(creditLedger.kind, "charge")),
          )
          .where(and(eq(conversations.id, ids.conversationId), eq(conversations.workspaceId, workspaceId)));
        if (!row) throw notFound("conversation");
        return {
          conversationId: row.id,
          charged: row.entryId !== null,
          chargedAt: (row.entryAt ?? row.chargedAt)?.toISOString() ?? null,
          amount: row.amount === null ? null : -row.amount,
          ledgerEntryId: row.entryId,
          preview: row.preview,
        };
      },
    }),
    defineRoute({
      method: "get",
      path: "/audit-log",
      operationId: "listAuditLog",
      tag: "Audit log",
      summary: "The audit log",
      description: "Who paused, resumed, granted or changed what, and when; newest first.",
      query: pageQuerySchema,
      status: 200,
      response: auditPageSchema,
      responseDescription: "A page of audit entries.",
      async handle({ workspaceId, query }) {
        const after = readCursor(query.cursor, idKeySchema);
        const rows = await db
          .select()
          .from(auditLog)
          .where(and(eq(auditLog.workspaceId, workspaceId), after && lt(auditLog.id, after[0])))
          .orderBy(desc(auditLog.id))
          .limit(query.limit + 1);
        return toPage(
          rows,
          query.limit,
          (r) => [r.id],
          (r) => ({
            id: r.id,
            actor: r.actor,
            action: r.action,
            subjectType: r.subjectType,
            subjectId: r.subjectId,
            details: r.details,
            createdAt: r.createdAt.toISOString(),
          }),
        );
      },
    }),
    defineRoute({
      method: "get",
      path: "/webhook",
      operationId: "getWebhook",
      tag: "Events",
      summary: "Where events are sent",
      status: 200,
      response: webhookSettingsSchema,
      responseDescription: "The webhook URL and its signing secret.",
      async handle({ workspaceId }) {
        const [row] = await db
          .select({ url: workspaces.webhookUrl, secret: workspaces.webhookSecret })
          .from(workspaces)
          .where(eq(workspaces.id, workspaceId));
        if (!row) throw notFound("workspace");
        return row;
      },
    }),
    defineRoute({
      method: "put",
      path: "/webhook",
      operationId: "setWebhook",
      tag: "Events",
      summary: "Set where events are sent",
      description:
        "Events (`conversation.closed`, `credits.low_balance`, `handoff.*`) are POSTed as JSON with a " +
        "`parley-signature` header and retried with backoff until the URL answers 2xx.",
      body: webhookSettingsPutSchema,
      status: 200,
      response: webhookSettingsSchema,
      responseDescription: "The webhook URL and its signing secret.",
      async handle({ workspaceId, actor, body }) {
        const now = clock.now();
        return db.transaction(async (tx) => {
          const [current] = await tx
            .select({ secret: workspaces.webhookSecret })
            .from(workspaces)
            .where(eq(workspaces.id, workspaceId));
          const secret = body.secret ?? current?.secret ?? randomBytes(24).toString("base64url");
          const [row] = await tx
            .update(workspaces)
            .set({ webhookUrl: body.url, webhookSecret: secret })
            .where(eq(workspaces.id, workspaceId))
            .returning({ url: workspaces.webhookUrl, secret: workspaces.webhookSecret });
          if (!row) throw notFound("workspace");
          await recordAudit(tx, {
            workspaceId,
            actor,
            action: "webhook.changed",
            subjectType: "workspace",
            subjectId: workspaceId,
            details: { url: body.url, secretChanged: body.secret !== undefined },
            now,
          });
          return row;
        });
      },
    }),
  ];
}
