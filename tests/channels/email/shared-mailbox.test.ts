import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { receiveMail } from "../../../src/channels/email/receive-mail.js";
import type { AgentReply, Answerer, AnswerRequest } from "../../../src/core/agent/types.js";
import type { ChannelAccountRef } from "../../../src/core/channel.js";
import * as schema from "../../../src/db/schema.js";
import { type CoreHarness, startCoreHarness } from "../../helpers/core-harness.js";
import { engines } from "../../helpers/db.js";

class EchoAnswerer implements Answerer {
  readonly name = "echo";
  async answer(req: AnswerRequest): Promise<AgentReply> {
    return { action: "answer", text: `About "${req.question}": here is what we know.`, citations: [] };
  }
}

function mail(headers: Record<string, string>, body: string): Buffer {
  const lines = Object.entries({
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=utf-8",
    ...headers,
  }).map(([k, v]) => `${k}: ${v}`);
  return Buffer.from(`${lines.join("\r\n")}\r\n\r\n${body}\r\n`);
}

/**
 * A person of the team answers from the shared mailbox itself (their mail client, not Parley):
 * the reply lands in the mailbox, threads into the customer's conversation, and the agent steps
 * back so it never talks over them.
 */
for (const engine of engines) {
  describe(`email: a person replying from the shared mailbox (${engine})`, () => {
    let h: CoreHarness;
    let account: ChannelAccountRef;
    const settings = { fromAddress: "support@shop.example", maxAnswersPerSenderPerHour: 20 };

    beforeAll(async () => {
      h = await startCoreHarness(engine);
      await h.startWorkers(new EchoAnswerer());
      account = {
        id: h.accounts.email,
        workspaceId: h.workspaceId,
        kind: "email",
        externalId: `email-${engine}`,
        name: "Support",
        credentials: {},
        settings: {},
      };
    });
    afterAll(async () => h?.drop());

    it("makes the agent step back in that thread, and only there", async () => {
      const deps = { database: h.database, clock: h.clock };
      const first = mail(
        {
          From: "Jane <jane@customer.example>",
          To: settings.fromAddress,
          Subject: "Order 77",
          "Message-ID": "<c1@customer.example>",
        },
        "Where is my order 77?",
      );
      expect(await receiveMail(deps, account, settings, first)).toBe("received");
      await h.waitForOutbound("<c1@customer.example>", 1);

      const person = mail(
        {
          From: `Support <${settings.fromAddress}>`,
          To: "jane@customer.example",
          Subject: "Re: Order 77",
          "Message-ID": "<p1@shop.example>",
          "In-Reply-To": "<c1@customer.example>",
          References: "<c1@customer.example>",
        },
        "Hi Jane, I have checked with the warehouse: it ships today. Sam",
      );
      expect(await receiveMail(deps, account, settings, person)).toBe("skipped");
      const [conv] = await h.conversationsOf("<c1@customer.example>");
      expect(conv).toMatchObject({ holder: "user", handoffReason: "person_replied_from_mailbox" });

      const again = mail(
        {
          From: "Jane <jane@customer.example>",
          To: settings.fromAddress,
          Subject: "Re: Order 77",
          "Message-ID": "<c2@customer.example>",
          "In-Reply-To": "<p1@shop.example>",
          References: "<c1@customer.example> <p1@shop.example>",
        },
        "Great, thank you Sam!",
      );
      expect(await receiveMail(deps, account, settings, again)).toBe("received");
      const [stored] = await h.db
        .select({ id: schema.messages.id })
        .from(schema.messages)
        .where(eq(schema.messages.channelMessageId, "<c2@customer.example>"));
      await h.processed(stored!.id);
      const [later] = await h.conversationsOf("<c1@customer.example>");
      expect(later?.holder).toBe("user");
      // A mail of the mailbox's own that starts a thread of its own is no reason to step back anywhere.
      const newsletter = mail(
        {
          From: settings.fromAddress,
          To: settings.fromAddress,
          Subject: "Note to self",
          "Message-ID": "<n1@shop.example>",
        },
        "Remember the stocktake.",
      );
      expect(await receiveMail(deps, account, settings, newsletter)).toBe("skipped");
      expect(await h.conversationsOf("<n1@shop.example>")).toEqual([]);
      expect((await h.outboundOf("<c1@customer.example>")).filter((m) => m.author === "agent")).toHaveLength(
        1,
      );
    });
  });
}
