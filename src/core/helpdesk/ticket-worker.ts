import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { asc, eq, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { SecretBox } from "../../channels/meta/secret-box.js";
import type { Database } from "../../db/client.js";
import { agents, channelAccounts, contacts, conversations, messages } from "../../db/schema.js";
import type { ChannelAdapter } from "../channel.js";
import { ClaimLoop } from "../claim-loop.js";
import type { Clock } from "../clock.js";
import { EVENTS_CHANNEL, recordEvent } from "../events/record.js";
import { readHandoffSettings } from "../handoff/settings.js";
import { closeConversations } from "../lifecycle.js";
import type { Metrics } from "../metrics.js";
import { postMessage, signalPosted } from "../outbound.js";
import { systemText } from "../texts.js";
import { gorgiasClient } from "./gorgias.js";
import { type HelpdeskClient, HelpdeskError, type TranscriptEntry } from "./ticket.js";
import { zendeskClient } from "./zendesk.js";

/** Signalled when a ticket is queued, so the worker does not wait for its poll. */
export const HELPDESK_CHANNEL = "parley_helpdesk";

export interface TicketWorkerDeps {
  database: Database;
  clock: Clock;
  log: Logger;
  secrets: SecretBox;
  adapters: ReadonlyMap<string, ChannelAdapter>;
  metrics?: Metrics | undefined;
  pollMs: number;
  leaseMs: number;
  maxAttempts: number;
  /** Delay before the n-th retry; tests shorten it. */
  retryDelayMs?: ((attempt: number) => number) | undefined;
}

interface ClaimedTicket {
  id: string;
  conversationId: string;
  workspaceId: string;
  provider: "builtin" | "zendesk" | "gorgias";
  requesterEmail: string;
  attempts: number;
}

/**
 * Creates the Zendesk and Gorgias tickets that help-desk mode queued, with the whole transcript.
 * On success the customer is told a person will answer by email and the chat ends; a failure
 * that cannot heal (bad credentials, a rejected ticket) or that outlasts the retries tells the
 * customer honestly and leaves the conversation waiting in the built-in queue.
 */
export class TicketWorker {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  readonly #loop: ClaimLoop<ClaimedTicket>;
  #unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly deps: TicketWorkerDeps) {
    this.#loop = new ClaimLoop<ClaimedTicket>({
      name: "helpdesk",
      concurrency: 8,
      pollMs: deps.pollMs,
      log: deps.log,
      claim: (max) => this.#claim(max),
      run: (ticket) => this.#create(ticket),
    });
  }

  async start(): Promise<void> {
    this.#unlisten = await this.deps.database.listen(HELPDESK_CHANNEL, () => this.#loop.wake());
    this.#loop.start();
  }

  async stop(timeoutMs: number): Promise<void> {
    await this.#unlisten?.().catch(() => {});
    await this.#loop.stop(timeoutMs);
  }

  async #claim(max: number): Promise<ClaimedTicket[]> {
    const rows = await this.deps.database.rows<{
      id: string;
      conversation_id: string;
      workspace_id: string;
      provider: ClaimedTicket["provider"];
      requester_email: string;
      attempts: number;
    }>(sql`
      UPDATE helpdesk_tickets SET lease_owner = ${this.owner}, attempts = attempts + 1,
             lease_until = now() + ${this.deps.leaseMs} * interval '1 millisecond'
      WHERE id IN (
        SELECT id FROM helpdesk_tickets
        WHERE state = 'pending' AND available_at <= now() AND (lease_until IS NULL OR lease_until < now())
        ORDER BY available_at
        LIMIT ${max}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, conversation_id, workspace_id, provider, requester_email, attempts`);
    return rows.map((r) => ({
      id: r.id,
      conversationId: r.conversation_id,
      workspaceId: r.workspace_id,
      provider: r.provider,
      requesterEmail: r.requester_email,
      attempts: Number(r.attempts),
    }));
  }

  async #create(ticket: ClaimedTicket): Promise<void> {
    const { database, log } = this.deps;
    let context: TicketContext;
    try {
      context = await this.#context(ticket);
    } catch (err) {
      // Nothing to tell anyone (the conversation is gone): recorded, and never retried forever.
      log.error({ err, ticketId: ticket.id }, "a help-desk ticket lost its conversation; giving up on it");
      await database.rows(sql`
        UPDATE helpdesk_tickets SET state = 'failed', lease_owner = NULL, last_error = ${String(err).slice(0, 1000)}
        WHERE id = ${ticket.id}`);
      return;
    }
    try {
      const client = this.#client(context.settings.helpdesk);
      const created = await client.createTicket({
        subject: systemText("ticketSubject", context.language, { channel: context.channelName }),
        transcript: context.transcript,
        requester: { email: ticket.requesterEmail, name: context.contactName ?? undefined },
        contactId: context.contactId,
        conversationId: ticket.conversationId,
        channel: context.channelKind,
        language: context.language,
        // A retry after a lost response finds the first ticket instead of opening a second.
        idempotencyKey: ticket.id,
      });
      await database.db.transaction(async (tx) => {
        await database.rows(
          sql`UPDATE helpdesk_tickets SET state = 'created', external_id = ${created.externalId},
                     url = ${created.url ?? null}, lease_owner = NULL, lease_until = NULL, last_error = NULL,
                     updated_at = now()
              WHERE id = ${ticket.id}`,
          tx,
        );
        const now = this.deps.clock.now();
        const posted = await postMessage(
          database,
          {
            conversationId: ticket.conversationId,
            workspaceId: ticket.workspaceId,
            author: "system",
            authorId: null,
            text: systemText("ticketCreatedByEmail", context.language, { email: ticket.requesterEmail }),
            language: context.language,
            deliveredOnCommit: context.deliveredOnCommit,
            now,
          },
          tx,
        );
        await closeConversations(
          database,
          { kind: "ids", ids: [ticket.conversationId], reason: "helpdesk_ticket" },
          now,
          { tx, metrics: this.deps.metrics },
        );
        await recordEvent(
          database,
          {
            workspaceId: ticket.workspaceId,
            type: "handoff.completed",
            conversationId: ticket.conversationId,
            data: { helpdesk: client.provider, ticketId: created.externalId, url: created.url ?? null },
            now,
          },
          tx,
        );
        if (posted) context.threadId = posted.threadId;
      });
      await signalPosted(database, context.threadId, context.deliveredOnCommit);
      await database.notify(EVENTS_CHANNEL, ticket.workspaceId);
      log.info(
        { conversationId: ticket.conversationId, provider: client.provider },
        "help-desk ticket created",
      );
    } catch (err) {
      const retryable = err instanceof HelpdeskError ? err.retryable : true;
      if (retryable && ticket.attempts < this.deps.maxAttempts) {
        const delayMs = Math.max(
          err instanceof HelpdeskError ? (err.retryAfterMs ?? 0) : 0,
          this.deps.retryDelayMs?.(ticket.attempts) ?? Math.min(600_000, 2000 * 2 ** (ticket.attempts - 1)),
        );
        log.warn(
          { err, conversationId: ticket.conversationId, delayMs },
          "creating the help-desk ticket failed; retrying",
        );
        await database.rows(sql`
          UPDATE helpdesk_tickets SET lease_owner = NULL, lease_until = NULL, last_error = ${String(err).slice(0, 1000)},
                 available_at = now() + ${delayMs} * interval '1 millisecond', updated_at = now()
          WHERE id = ${ticket.id}`);
        return;
      }
      log.error({ err, conversationId: ticket.conversationId }, "the help-desk ticket could not be created");
      await this.#giveUp(ticket, context, String(err));
    }
  }

  /** Tells the customer the truth and leaves the conversation in the built-in queue. */
  async #giveUp(ticket: ClaimedTicket, context: TicketContext, error: string): Promise<void> {
    const { database } = this.deps;
    const now = this.deps.clock.now();
    let threadId: string | undefined;
    await database.db.transaction(async (tx) => {
      await database.rows(
        sql`UPDATE helpdesk_tickets SET state = 'failed', lease_owner = NULL, lease_until = NULL,
                   last_error = ${error.slice(0, 1000)}, updated_at = now()
            WHERE id = ${ticket.id}`,
        tx,
      );
      const posted = await postMessage(
        database,
        {
          conversationId: ticket.conversationId,
          workspaceId: ticket.workspaceId,
          author: "system",
          authorId: null,
          text: systemText("ticketFailed", context.language),
          language: context.language,
          deliveredOnCommit: context.deliveredOnCommit,
          now,
        },
        tx,
      );
      threadId = posted?.threadId;
      await recordEvent(
        database,
        {
          workspaceId: ticket.workspaceId,
          type: "handoff.failed",
          conversationId: ticket.conversationId,
          data: { helpdesk: ticket.provider, error: error.slice(0, 500) },
          now,
        },
        tx,
      );
    });
    if (threadId) await signalPosted(database, threadId, context.deliveredOnCommit);
    await database.notify(EVENTS_CHANNEL, ticket.workspaceId);
  }

  #client(settings: ReturnType<typeof readHandoffSettings>["helpdesk"]): HelpdeskClient {
    const { secrets } = this.deps;
    if (settings?.provider === "zendesk") {
      return zendeskClient({
        baseUrl: settings.baseUrl,
        email: settings.email,
        apiToken: secrets.open(settings.apiToken),
      });
    }
    if (settings?.provider === "gorgias") {
      return gorgiasClient({
        baseUrl: settings.baseUrl,
        username: settings.username,
        apiKey: secrets.open(settings.apiKey),
      });
    }
    throw new HelpdeskError(
      "helpdesk_not_configured",
      "The agent's help-desk settings name no Zendesk or Gorgias account any more.",
      false,
    );
  }

  async #context(ticket: ClaimedTicket): Promise<TicketContext> {
    const { db } = this.deps.database;
    const [row] = await db
      .select({
        language: conversations.language,
        threadId: conversations.threadId,
        handoff: agents.handoff,
        contactId: contacts.id,
        contactName: contacts.name,
        channelKind: channelAccounts.kind,
        channelName: channelAccounts.name,
      })
      .from(conversations)
      .innerJoin(contacts, eq(contacts.id, conversations.contactId))
      .innerJoin(channelAccounts, eq(channelAccounts.id, conversations.channelAccountId))
      .leftJoin(agents, eq(agents.id, conversations.agentId))
      .where(eq(conversations.id, ticket.conversationId));
    if (!row) throw new Error(`conversation ${ticket.conversationId} of a help-desk ticket vanished`);
    const history = await db
      .select({
        at: messages.createdAt,
        direction: messages.direction,
        authorKind: messages.authorKind,
        text: messages.text,
      })
      .from(messages)
      .where(eq(messages.conversationId, ticket.conversationId))
      .orderBy(asc(messages.seq));
    const transcript: TranscriptEntry[] = history
      .filter((m) => m.text.trim() !== "")
      .map((m) => ({
        at: m.at,
        author:
          m.authorKind === "contact"
            ? "customer"
            : m.authorKind === "agent"
              ? "agent"
              : m.authorKind === "user"
                ? "person"
                : "system",
        ...(m.authorKind === "contact" && row.contactName ? { authorName: row.contactName } : {}),
        text: m.text,
      }));
    return {
      language: row.language ?? "en",
      threadId: row.threadId,
      settings: readHandoffSettings(row.handoff),
      contactId: row.contactId,
      contactName: row.contactName,
      channelKind: row.channelKind,
      channelName: row.channelName,
      transcript,
      deliveredOnCommit: this.deps.adapters.get(row.channelKind)?.capabilities.deliveredOnCommit === true,
    };
  }
}

interface TicketContext {
  language: string;
  threadId: string;
  settings: ReturnType<typeof readHandoffSettings>;
  contactId: string;
  contactName: string | null;
  channelKind: string;
  channelName: string;
  transcript: TranscriptEntry[];
  deliveredOnCommit: boolean;
}
