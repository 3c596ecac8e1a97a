import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { and, eq, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database, Tx } from "../db/client.js";
import {
  agents,
  type ConversationHolder,
  channelThreads,
  contacts,
  conversations,
  helpdeskTickets,
  messages,
  threadWork,
} from "../db/schema.js";
import { retrievePassages } from "./agent/retrieval.js";
import { recognizeSmallTalk, smallTalkReply } from "./agent/small-talk.js";
import type { AgentProfile, AgentReply, Answerer, HistoryTurn } from "./agent/types.js";
import type { ChannelAdapter, ChannelCapabilities } from "./channel.js";
import { CHARGES_CHANNEL } from "./charge-applier.js";
import { ClaimLoop } from "./claim-loop.js";
import type { Clock } from "./clock.js";
import {
  continueConversation,
  conversationForMessage,
  type PlacedConversation,
  startConversation,
  upsertContact,
} from "./conversations.js";
import { OUTBOX_CHANNEL } from "./delivery-worker.js";
import { EVENTS_CHANNEL } from "./events/record.js";
import { type HandoffPlan, type HandoffReason, planHandOff } from "./handoff/plan.js";
import { type HandoffSettings, readHandoffSettings } from "./handoff/settings.js";
import { decideTurn } from "./handoff/turn.js";
import { HELPDESK_CHANNEL } from "./helpdesk/ticket-worker.js";
import { decideLanguage } from "./language.js";
import type { Metrics } from "./metrics.js";
import { ModelPace } from "./model-pace.js";
import {
  type ClaimedThread,
  claimThreads,
  type NextInbound,
  type NextOrFinished,
  nextOrFinish,
} from "./next-inbound.js";
import { Permits } from "./permits.js";
import { THREAD_CHANNEL, WORK_CHANNEL } from "./receive.js";
import { commitOutbound } from "./reply-commit.js";
import { unreadableMessageReply } from "./unreadable-message.js";

export interface ThreadWorkerDeps {
  database: Database;
  clock: Clock;
  answerer: Answerer;
  adapters: ReadonlyMap<string, ChannelAdapter>;
  log: Logger;
  metrics?: Metrics | undefined;
  /** Threads handled at once, most of them waiting on the LLM. */
  concurrency: number;
  /** Of those, how many may be in their database and CPU phase at once (default 16). */
  busyLimit?: number | undefined;
  leaseMs: number;
  pollMs: number;
}

const DEFAULT_BUSY_LIMIT = 16;
/**
 * Threads in their database and CPU phase at once while the channels push a burst in. Answers
 * already waiting on the LLM still come back and commit, one after another, and as many
 * conversations as before may wait on the LLM: only the phases that compete with the
 * acknowledgements for the cores and the database are taken one at a time.
 */
const GIVING_WAY_BUSY_LIMIT = 1;
/**
 * And that one thread's phases are paced: after each, the next waits three times as long as it
 * took (Permits.pace), so they fill at most a quarter of the time. At full speed, one thread
 * after another still kept about a third of two cores busy with a zero-latency model (its own
 * CPU and its statements'); paced, the answering process's CPU per acknowledged post in the
 * bench fell from 0.06–0.11 ms to 0.03–0.04 ms and PostgreSQL's from 0.14–0.19 ms to
 * 0.10–0.12 ms (2026-12-08, the eighth session in bench/HISTORY.md). Nine times as long bought
 * no more. A burst's answers come later by the same token; once it is over they come at full
 * width.
 */
const GIVING_WAY_REST_PER_HELD = 3;

/** How often one inbound message may fail unexpectedly before it is skipped, so a thread never jams. */
const MAX_MESSAGE_ATTEMPTS = 5;

class LeaseLost extends Error {
  override name = "LeaseLost";
}

/** The conversation an inbound message was placed in, and whether the customer was told of a hand-off. */
type Placement = PlacedConversation & { contactId: string; language: string; announced: boolean };

/**
 * Processes inbound messages, in order per thread, in any number of gateway processes at
 * once. A process leases a thread (thread_work row), handles its unprocessed messages one by
 * one and renews the lease while it waits on the LLM. A process that dies simply lets its
 * lease run out; the next one picks the thread up and redoes the unfinished message. The
 * reply's unique `in_reply_to_id` makes that redo harmless: a message is answered once.
 */
export class ThreadWorker {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  readonly #loop: ClaimLoop<ClaimedThread>;
  readonly #leases = new Map<string, AbortController>();
  /**
   * Threads this process was told of new work on while it held them (see #onWork): their own
   * turn reads the new message, so no claim is needed then, only once the thread is let go.
   */
  readonly #workWhileHeld = new Set<string>();
  /**
   * Threads in their database and CPU phase at once; those waiting on the LLM give theirs up.
   * Hundreds of conversations can wait on a slow model together, but only a few at a time
   * compete with the channels' acknowledgements for the event loop and the database pool.
   */
  readonly #busy: Permits;
  readonly #busyLimit: number;
  /** How long the answerer lately takes: a slow one makes new questions go before finished answers. */
  readonly #modelPace = new ModelPace();
  #heartbeat: NodeJS.Timeout | undefined;
  #unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly deps: ThreadWorkerDeps) {
    this.#busyLimit = deps.busyLimit ?? DEFAULT_BUSY_LIMIT;
    this.#busy = new Permits(this.#busyLimit);
    this.#loop = new ClaimLoop<ClaimedThread>({
      name: "threads",
      concurrency: deps.concurrency,
      pollMs: deps.pollMs,
      log: deps.log,
      claim: (max) => claimThreads(this.deps.database, this.owner, this.deps.leaseMs, max),
      run: (item) => this.#runThread(item),
      // A thread is run until it has no message left; its work row is gone or someone else's.
      finishMayFreeWork: false,
    });
  }

  async start(): Promise<void> {
    this.#unlisten = await this.deps.database.listen(WORK_CHANNEL, (threadId) => this.#onWork(threadId));
    this.#heartbeat = setInterval(() => void this.#renewLeases(), Math.max(250, this.deps.leaseMs / 3));
    this.#heartbeat.unref();
    this.#loop.start();
  }

  wake(): void {
    this.#loop.wake();
  }

  /**
   * New work on a thread (its id, from the message's NOTIFY). On a thread this process holds, the
   * turn under way reads the message with the thread's next one: a claim now would find nothing
   * (the thread is leased, by us) and cost a statement. In a burst on a few busy conversations
   * that was a claim after every batch of acknowledgements. The thread is claimed again once it
   * is let go, in case it finished just before the message was stored.
   */
  #onWork(threadId: string): void {
    if (this.#leases.has(threadId)) {
      this.#workWhileHeld.add(threadId);
      return;
    }
    this.#loop.wake();
  }

  /**
   * While the channels on this machine push a burst of messages in (IngestLoad), answering takes
   * one thread at a time into its database and CPU phase, and rests between phases, so the
   * acknowledgements get the cores and the database; when the burst is over it goes back to its
   * full width and catches up.
   */
  giveWayToIngest(busy: boolean): void {
    const width = busy ? GIVING_WAY_BUSY_LIMIT : this.#busyLimit;
    if (width === this.#busy.limit && busy === this.#busy.pacing) return;
    this.#busy.resize(width);
    this.#busy.pace(busy ? GIVING_WAY_REST_PER_HELD : 0);
    this.deps.log.debug(
      { width, paced: busy },
      busy ? "answering gives way to a burst on the channels" : "answering at full width again",
    );
  }

  /** Whether answering is paced right now (giving way; see GIVING_WAY_REST_PER_HELD). */
  get paced(): boolean {
    return this.#busy.pacing;
  }

  /** How many threads may be in their database and CPU phase at once right now. */
  get width(): number {
    return this.#busy.limit;
  }

  /**
   * Whether threads about to ask the answerer go before threads whose answer came back. They do
   * while the answerer is slow (see ModelPace): in a burst every question then reaches it as
   * early as it can, and the answering times overlap.
   */
  get startingFirst(): boolean {
    return this.#busy.startingFirst;
  }

  /** Stops claiming, lets in-flight threads finish for up to `timeoutMs`, then gives up their leases. */
  async stop(timeoutMs: number): Promise<void> {
    await this.#unlisten?.().catch(() => {});
    const finished = await this.#loop.stop(timeoutMs);
    if (!finished)
      for (const controller of this.#leases.values()) controller.abort(new LeaseLost("shutting down"));
    clearInterval(this.#heartbeat);
  }

  async #renewLeases(): Promise<void> {
    if (this.#leases.size === 0) return;
    const ids = [...this.#leases.keys()];
    try {
      const kept = await this.deps.database.rows<{ thread_id: string }>(sql`
        UPDATE thread_work SET lease_until = now() + ${this.deps.leaseMs} * interval '1 millisecond'
        WHERE lease_owner = ${this.owner} AND thread_id IN (${sql.join(
          ids.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})
        RETURNING thread_id`);
      const keptIds = new Set(kept.map((r) => r.thread_id));
      for (const id of ids) {
        if (!keptIds.has(id)) this.#leases.get(id)?.abort(new LeaseLost(`lease on thread ${id} was lost`));
      }
    } catch (err) {
      this.deps.log.warn({ err }, "renewing thread leases failed");
    }
  }

  async #runThread(claimed: ClaimedThread): Promise<void> {
    const controller = new AbortController();
    this.#leases.set(claimed.threadId, controller);
    let version = claimed.version;
    let attempts = claimed.attempts;
    // The first message came with the claim; after it, each is looked up as the last is done.
    let prefetched = claimed.next;
    await this.#busy.acquire();
    try {
      for (;;) {
        const step: NextOrFinished = prefetched
          ? { kind: "next", next: prefetched }
          : await nextOrFinish(this.deps.database, claimed.threadId, this.owner, version);
        prefetched = undefined;
        if (step.kind === "finished" || step.kind === "lost") return;
        if (step.kind === "again") {
          version = step.version;
          continue;
        }
        const next = step.next;
        try {
          const finished = await this.#handleInbound(next, version, controller.signal);
          attempts = 0;
          if (finished) return;
        } catch (err) {
          if (err instanceof LeaseLost || controller.signal.aborted) throw err;
          attempts += 1;
          if (attempts >= MAX_MESSAGE_ATTEMPTS) {
            this.deps.log.error(
              { err, messageId: next.message.id },
              "inbound message failed repeatedly; skipping it",
            );
            await this.deps.database.db
              .update(messages)
              .set({
                processedAt: this.deps.clock.now(),
                deliveryState: "skipped",
                deliveryError: String(err),
              })
              .where(eq(messages.id, next.message.id));
            attempts = 0;
            continue;
          }
          await this.#backOff(claimed.threadId, attempts, err);
          return;
        }
      }
    } catch (err) {
      if (!(err instanceof LeaseLost) && !controller.signal.aborted) throw err;
      this.deps.log.warn(
        { threadId: claimed.threadId, reason: String(err) },
        "thread left to another worker",
      );
    } finally {
      this.#busy.release();
      this.#leases.delete(claimed.threadId);
      if (this.#workWhileHeld.delete(claimed.threadId)) this.#loop.wake();
    }
  }

  async #backOff(threadId: string, attempts: number, err: unknown): Promise<void> {
    const delayMs = Math.min(60_000, 500 * 2 ** attempts);
    this.deps.log.warn({ err, threadId, attempts, delayMs }, "processing failed; retrying later");
    await this.deps.database.db
      .update(threadWork)
      .set({
        leaseOwner: null,
        leaseUntil: null,
        attempts,
        lastError: String(err).slice(0, 1000),
        availableAt: sql`now() + ${delayMs} * interval '1 millisecond'`,
      })
      .where(and(eq(threadWork.threadId, threadId), eq(threadWork.leaseOwner, this.owner)));
  }

  /**
   * One inbound message: place it in a conversation, decide its language, answer it if the agent
   * holds it. True when the reply's commit also ended the thread's work (nothing else waited
   * and nothing arrived since `version`); false when the caller must look for the next message.
   */
  async #handleInbound(next: NextInbound, version: number, signal: AbortSignal): Promise<boolean> {
    const { database, clock } = this.deps;
    const { message, thread, account } = next;
    const adapter = this.deps.adapters.get(account.kind);
    if (!adapter) throw new Error(`no adapter for channel kind ${account.kind}`);
    const deliveredOnCommit = adapter.capabilities.deliveredOnCommit === true;

    const now = clock.now();
    const continued = await this.#continueOpen(next, adapter.capabilities.inactivityLifetimeMs, now);
    const later = continued ? undefined : this.#startLater(next, adapter.capabilities, now);
    let conversation =
      continued ??
      later?.provisional ??
      (await this.#startNew(next, adapter.capabilities, now)) ??
      (await this.#place(next, adapter.capabilities, deliveredOnCommit, now));
    // Only a courtesy, like the typing indicator: it must never cost the customer their answer.
    adapter.markSeen?.(account, thread.threadKey, message.channelMessageId).catch((err: unknown) => {
      this.deps.log.warn({ err, threadId: message.threadId }, "marking the message seen failed");
    });
    if (conversation.announced) {
      await this.#signalHandOff(message, deliveredOnCommit);
    }
    if (conversation.holder !== "agent" || !conversation.agentId) return false;

    const agent =
      next.agent?.id === conversation.agentId
        ? next.agent
        : (await database.db.select().from(agents).where(eq(agents.id, conversation.agentId)).limit(1))[0];
    if (!agent) throw new Error(`agent ${conversation.agentId} vanished`);
    const profile: AgentProfile = {
      id: agent.id,
      workspaceId: agent.workspaceId,
      name: agent.name,
      role: agent.role,
      personality: agent.personality,
      brandVoice: agent.brandVoice,
      citationsEnabled: agent.citationsEnabled,
    };
    const language = conversation.language ?? "en";
    // Only a courtesy: a failed indicator must never cost the customer their answer.
    adapter.typing?.(account, thread.threadKey).catch((err: unknown) => {
      this.deps.log.warn({ err, threadId: message.threadId }, "showing the typing indicator failed");
    });
    const settings = readHandoffSettings(agent.handoff);
    const contactEmail =
      settings.whenAgentCannotAnswer !== "helpdesk_ticket"
        ? null
        : next.open?.id === conversation.id
          ? next.contactEmail
          : ((
              await database.db
                .select({ email: contacts.email })
                .from(contacts)
                .where(eq(contacts.id, conversation.contactId))
            )[0]?.email ?? null);
    const turn = await decideTurn({
      text: message.text,
      language,
      settings,
      conversation,
      contactEmail,
      compose: () =>
        this.#composeReply(
          message,
          next.open?.id === conversation.id ? next.history : [],
          profile,
          language,
          signal,
          later?.start,
        ),
    });
    if (signal.aborted) throw new LeaseLost(String(signal.reason));
    if (later) {
      // Started while the answerer worked, or now (small talk, a hand-off asked for at once).
      const started = await later.start();
      if (!started) {
        // The agent stopped taking new conversations since the claim read it (paused, or out of
        // credits): its turn is dropped, and the general path gives the conversation to people
        // and tells the customer, as it would have had the agent been paused a moment earlier.
        const placed = await this.#place(next, adapter.capabilities, deliveredOnCommit, clock.now());
        if (placed.announced) {
          await this.#signalHandOff(message, deliveredOnCommit);
        }
        return false;
      }
      conversation = started;
    }

    if (turn.kind === "handOff" || turn.kind === "ticket") {
      const handedOff = await database.db.transaction((tx) =>
        turn.kind === "handOff"
          ? this.#handOff(tx, {
              inbound: message,
              conversation,
              settings,
              language,
              reason: turn.reason,
              expectedHolder: "agent",
              deliveredOnCommit,
            })
          : this.#openTicket(tx, {
              inbound: message,
              conversation,
              settings,
              language,
              email: turn.email,
              reason: turn.reason,
              deliveredOnCommit,
            }),
      );
      if (handedOff) {
        await this.#signalHandOff(message, deliveredOnCommit);
        if (turn.kind === "ticket") await database.notify(HELPDESK_CHANNEL, conversation.id);
      }
      return false;
    }

    const { reply } = turn;
    const result = await commitOutbound(database, this.owner, {
      inbound: message,
      conversationId: conversation.id,
      expectedHolder: "agent",
      author: "agent",
      text: reply.text,
      citations: reply.citations,
      language,
      deliveredOnCommit,
      askedToRephrase: turn.askedToRephrase,
      handoffStep: turn.handoffStep,
      finishVersion: version,
      now: clock.now(),
    });
    if (!result.leased) throw new LeaseLost(`lease on thread ${message.threadId} was lost before commit`);
    if (!result.replyId) return result.finished;
    await this.#signalReply(message.threadId, deliveredOnCommit);
    // This process's charge applier takes it: every answering process runs one for its own charges.
    if (result.charged) await database.notify(CHARGES_CHANNEL, message.workspaceId, "process");
    this.deps.metrics?.replies.inc({ action: reply.failed ? "failed" : reply.action });
    this.deps.metrics?.answerSeconds.observe((Date.now() - message.createdAt.getTime()) / 1000);
    return result.finished;
  }

  /**
   * The common case, one statement: the message continues the open conversation read with it.
   * Undefined when there is none, it has outlived the channel's lifetime, or it closed meanwhile.
   */
  async #continueOpen(next: NextInbound, lifetimeMs: number, now: Date): Promise<Placement | undefined> {
    const { message, open } = next;
    if (!open || now.getTime() - open.lastActivityAt.getTime() >= lifetimeMs) return undefined;
    // A thread that does not point at the conversation's contact yet is fixed on the general path.
    if (next.thread.contactId !== open.contactId) return undefined;
    const language = messageLanguage(message, open.language);
    const continued = await continueConversation(this.deps.database, {
      message,
      contactExternalId: next.thread.contactExternalId,
      conversationId: open.id,
      language,
      lifetimeMs,
      now,
    });
    if (!continued) return undefined;
    const { conversation } = continued;
    return {
      ...conversation,
      contactId: continued.contactId ?? conversation.contactId,
      language,
      isNew: false,
      gate: null,
      announced: false,
    };
  }

  /**
   * The common first message of a chat conversation (see #startNew), when the claim already
   * showed that the account's agent takes it: the conversation is started while the answerer
   * works on the reply, not before it is asked. Under a burst every question then reaches the
   * model one statement earlier, and the start waits its turn with the answers that came back
   * (Permits' returning work). Until then the turn sees the conversation as the start will make
   * it: new, the agent's, in the message's language, with no hand-off under way. Undefined when
   * the conversation must be placed first: an open one, a channel that reopens, no agent or one
   * that does not take it, or help-desk mode, whose turn needs the contact's email.
   */
  #startLater(
    next: NextInbound,
    capabilities: ChannelCapabilities,
    now: Date,
  ): { provisional: Placement; start: () => Promise<Placement | undefined> } | undefined {
    const { message, account, agent } = next;
    if (next.open || capabilities.reopensAfterClose || !account.agentId || next.agentTakes !== true) return;
    if (agent?.id !== account.agentId) return;
    if (readHandoffSettings(agent.handoff).whenAgentCannotAnswer === "helpdesk_ticket") return;
    let started: Promise<Placement | undefined> | undefined;
    const language = messageLanguage(message, null);
    return {
      provisional: {
        id: "",
        workspaceId: message.workspaceId,
        channelAccountId: message.channelAccountId,
        threadId: message.threadId,
        contactId: next.thread.contactId ?? "",
        agentId: account.agentId,
        status: "open",
        holder: "agent",
        holderId: null,
        handoffReason: null,
        handedOffAt: null,
        handoffStep: null,
        rephraseRequestedAt: null,
        closeReason: null,
        closedAt: null,
        resolvedBy: null,
        chargedAt: null,
        preview: account.isPreview,
        language,
        lastActivityAt: now,
        createdAt: now,
        isNew: true,
        gate: "takes",
        announced: false,
      },
      // Once only, whoever asks first: the answerer's wait, or the turn when it never asked.
      start: () => {
        started ??= this.#startNew(next, capabilities, now);
        return started;
      },
    };
  }

  /**
   * A chat channel's first message since the last conversation closed, and the account's agent
   * takes it: one statement. Undefined for anything else (an open conversation, email's reopening,
   * no agent, an agent that does not take new conversations).
   */
  async #startNew(
    next: NextInbound,
    capabilities: ChannelCapabilities,
    now: Date,
  ): Promise<Placement | undefined> {
    const { message, account } = next;
    if (next.open || capabilities.reopensAfterClose || !account.agentId) return undefined;
    const language = messageLanguage(message, null);
    const started = await startConversation(this.deps.database, {
      message,
      contactExternalId: next.thread.contactExternalId,
      agentId: account.agentId,
      preview: account.isPreview,
      language,
      now,
    });
    if (!started) return undefined;
    return { ...started, language, isNew: true, gate: "takes", announced: false };
  }

  /**
   * Every other case, in one transaction: a new conversation (given to the agent or, when it does
   * not take new ones, to people with the customer told what to expect), a reopened one (email),
   * or one closed here because its silence outlived the channel's lifetime.
   */
  async #place(
    next: NextInbound,
    capabilities: ChannelCapabilities,
    deliveredOnCommit: boolean,
    now: Date,
  ): Promise<Placement> {
    const { database } = this.deps;
    const { message, thread, account } = next;
    return database.db.transaction(async (tx) => {
      const contactId = await upsertContact(tx, {
        workspaceId: message.workspaceId,
        channelAccountId: message.channelAccountId,
        externalId: thread.contactExternalId,
        hints: message.senderHints,
      });
      if (thread.contactId !== contactId) {
        await tx.update(channelThreads).set({ contactId }).where(eq(channelThreads.id, thread.id));
      }
      const conv = await conversationForMessage(database, tx, {
        workspaceId: message.workspaceId,
        channelAccountId: message.channelAccountId,
        threadId: message.threadId,
        contactId,
        accountAgentId: account.agentId,
        preview: account.isPreview,
        capabilities,
        now,
        metrics: this.deps.metrics,
      });
      const language = messageLanguage(message, conv.language);
      const holdsIt = conv.holder === "agent" && conv.agentId !== null;
      await tx
        .update(conversations)
        .set({ language, lastActivityAt: now })
        .where(eq(conversations.id, conv.id));
      await tx
        .update(messages)
        .set({
          conversationId: conv.id,
          language,
          // Nobody automated answers this one: it waits for a person, so it is done here.
          ...(holdsIt ? {} : { processedAt: now, deliveryState: "processed" as const }),
        })
        .where(eq(messages.id, message.id));
      if (conv.isNew && conv.gate !== null && conv.gate !== "takes" && conv.agentId) {
        // The agent did not take this new conversation (paused, out of credits): it follows the
        // hand-off rules, and the customer hears what to expect in the same transaction, so a
        // crash can never leave the conversation with people but the customer uninformed.
        const settings = readHandoffSettings(
          (await tx.select({ handoff: agents.handoff }).from(agents).where(eq(agents.id, conv.agentId)))[0]
            ?.handoff,
        );
        const handedOff = await this.#handOff(tx, {
          inbound: message,
          conversation: { ...conv, contactId },
          settings,
          language,
          reason: conv.gate,
          expectedHolder: conv.holder,
          deliveredOnCommit,
        });
        return { ...conv, contactId, language, announced: handedOff };
      }
      return { ...conv, contactId, language, announced: false };
    });
  }

  /**
   * Gives the conversation to people under the agent's routing, telling the customer what the
   * team's availability means for them; one transaction with the placement or the turn. Returns
   * whether it happened (false: someone else changed the conversation's holder first).
   */
  async #handOff(
    tx: Tx,
    input: {
      inbound: typeof messages.$inferSelect;
      conversation: { id: string; agentId: string | null; contactId: string };
      settings: HandoffSettings;
      language: string;
      reason: HandoffReason;
      expectedHolder: ConversationHolder;
      deliveredOnCommit: boolean;
    },
  ): Promise<boolean> {
    const now = this.deps.clock.now();
    const plan = await planHandOff(this.deps.database, tx, {
      workspaceId: input.inbound.workspaceId,
      agentId: input.conversation.agentId,
      assignTo: input.settings.assignTo,
      contactId: input.conversation.contactId,
      language: input.language,
      now,
    });
    const result = await commitOutbound(
      this.deps.database,
      this.owner,
      {
        inbound: input.inbound,
        conversationId: input.conversation.id,
        expectedHolder: input.expectedHolder,
        author: "system",
        text: plan.text,
        citations: [],
        language: input.language,
        deliveredOnCommit: input.deliveredOnCommit,
        handOff: { holder: plan.holder, holderId: plan.holderId, reason: input.reason },
        handoffStep: null,
        events: handoffEvents(input.reason, plan),
        now,
      },
      tx,
    );
    if (!result.leased)
      throw new LeaseLost(`lease on thread ${input.inbound.threadId} was lost before commit`);
    if (result.held)
      this.deps.metrics?.handoffs.inc({ reason: input.reason, availability: plan.availability });
    return result.held;
  }

  /**
   * The customer wants a person and the agent works in help-desk mode. The built-in inbox is a
   * hand-off like any other (a person can pick the chat up live); Zendesk and Gorgias tickets are
   * created by the help-desk worker, with retries, which then tells the customer how it went.
   */
  async #openTicket(
    tx: Tx,
    input: {
      inbound: typeof messages.$inferSelect;
      conversation: { id: string; agentId: string | null; contactId: string };
      settings: HandoffSettings;
      language: string;
      email: string;
      reason: HandoffReason;
      deliveredOnCommit: boolean;
    },
  ): Promise<boolean> {
    const provider = input.settings.helpdesk?.provider ?? "builtin";
    await tx
      .update(contacts)
      .set({ email: input.email })
      .where(eq(contacts.id, input.conversation.contactId));
    await tx
      .insert(helpdeskTickets)
      .values({
        workspaceId: input.inbound.workspaceId,
        conversationId: input.conversation.id,
        provider,
        requesterEmail: input.email,
        state: provider === "builtin" ? "created" : "pending",
      })
      .onConflictDoNothing();
    if (provider === "builtin") {
      return this.#handOff(tx, { ...input, expectedHolder: "agent" });
    }
    const result = await commitOutbound(
      this.deps.database,
      this.owner,
      {
        inbound: input.inbound,
        conversationId: input.conversation.id,
        expectedHolder: "agent",
        author: "system",
        text: null,
        citations: [],
        language: input.language,
        deliveredOnCommit: input.deliveredOnCommit,
        handOff: { holder: "nobody", holderId: null, reason: "helpdesk_ticket" },
        handoffStep: null,
        events: [{ type: "handoff.requested", data: { reason: input.reason, helpdesk: provider } }],
        now: this.deps.clock.now(),
      },
      tx,
    );
    if (!result.leased)
      throw new LeaseLost(`lease on thread ${input.inbound.threadId} was lost before commit`);
    return result.held;
  }

  /** A hand-off was committed with its message to the customer: that message, and its events. */
  async #signalHandOff(
    message: { threadId: string; workspaceId: string },
    deliveredOnCommit: boolean,
  ): Promise<void> {
    await this.#signalReply(message.threadId, deliveredOnCommit);
    await this.deps.database.notify(EVENTS_CHANNEL, message.workspaceId);
  }

  /** Wakes the live-chat streams and, for channels that need a send, the delivery worker. */
  async #signalReply(threadId: string, deliveredOnCommit: boolean): Promise<void> {
    await this.deps.database.notify(THREAD_CHANNEL, threadId);
    if (!deliveredOnCommit) await this.deps.database.notify(OUTBOX_CHANNEL, threadId);
  }

  /**
   * The cheapest honest reply first: a message the agent cannot read gets "I can only read
   * text", small talk a friendly word; everything else goes to retrieval and the answerer.
   */
  async #composeReply(
    message: typeof messages.$inferSelect,
    history: HistoryTurn[],
    agent: AgentProfile,
    language: string,
    signal: AbortSignal,
    startConversation?: () => Promise<unknown>,
  ): Promise<AgentReply> {
    const unreadable = unreadableMessageReply(message.channelData, language);
    if (unreadable) return unreadable;
    const smallTalk = recognizeSmallTalk(message.text);
    if (smallTalk) return smallTalkReply(smallTalk, language);
    const passages = await retrievePassages(this.deps.database, {
      workspaceId: agent.workspaceId,
      agentId: agent.id,
      question: message.text,
      language,
    });
    return this.#busy.without(async () => {
      const asked = performance.now();
      // Timed by itself: the model's pace (ModelPace) leaves out the conversation's start below.
      const answering = this.deps.answerer
        .answer({ agent, language, question: message.text, history, passages, signal })
        .finally(() => this.#noteAnsweringTime(performance.now() - asked));
      if (startConversation) {
        // Awaited below; without a handler now, an abort while the start runs would count as unhandled.
        answering.catch(() => {});
        await this.#startMeanwhile(startConversation);
      }
      return answering;
    });
  }

  /**
   * Starts the conversation while the answerer works, with a permit of the kind answers coming
   * back take: in a burst, new questions go first. A failure is left for the turn to meet again
   * when it asks for the started conversation (the start runs once), after the answer is in.
   */
  async #startMeanwhile(start: () => Promise<unknown>): Promise<void> {
    await this.#busy.acquire(true);
    try {
      await start();
    } catch {
      // Seen again by the turn: see above.
    } finally {
      this.#busy.release();
    }
  }

  #noteAnsweringTime(ms: number): void {
    this.#modelPace.note(ms);
    const startingFirst = this.#modelPace.slow;
    if (startingFirst === this.#busy.startingFirst) return;
    this.#busy.startFirst(startingFirst);
    this.deps.log.debug(
      { averageMs: Math.round(this.#modelPace.averageMs ?? 0) },
      startingFirst
        ? "the answerer is slow: new questions go before answers that came back"
        : "the answerer is fast: answers that came back go before new questions",
    );
  }
}

/** The language a message is answered in, given its conversation's language so far. */
function messageLanguage(message: NextInbound["message"], conversationLanguage: string | null): string {
  return decideLanguage({
    text: message.text,
    locale: message.senderHints.messageLocale,
    conversationLanguage,
    contactLocale: message.senderHints.locale,
  }).language;
}

/** `handoff.requested`, and `handoff.assigned` when the routing found a person at once. */
function handoffEvents(reason: HandoffReason, plan: HandoffPlan) {
  const requested = {
    type: "handoff.requested" as const,
    data: { reason, availability: plan.availability },
  };
  if (plan.holder === "nobody") return [requested];
  return [
    requested,
    { type: "handoff.assigned" as const, data: { holder: plan.holder, holderId: plan.holderId } },
  ];
}
