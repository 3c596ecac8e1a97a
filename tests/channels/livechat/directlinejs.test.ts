import { createRequire } from "node:module";
import type { Activity, DirectLine as DirectLineClient, Message } from "botframework-directlinejs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { engines } from "../../helpers/db.js";
import { startTestParley, type TestParley } from "../../helpers/server.js";
import { waitFor } from "../../helpers/wait.js";
import { conversationLanguage, grant } from "./directline-client.js";

/**
 * Microsoft's own Direct Line client against our live chat. It was written for browsers, so it
 * needs their XMLHttpRequest and WebSocket as globals before it loads: hence `require` in order
 * here instead of a (hoisted) import.
 */
const require = createRequire(import.meta.url);
Object.assign(globalThis, { XMLHttpRequest: require("xhr2"), WebSocket });
const { DirectLine } = require("botframework-directlinejs") as typeof import("botframework-directlinejs");

/** The client's types leave out `replyToId`, which the wire carries. */
type Received = Activity & { replyToId?: string };

function post(directLine: DirectLineClient, activity: Message): Promise<string> {
  return new Promise((resolve, reject) => {
    directLine.postActivity(activity).subscribe(resolve, reject);
  });
}

async function replyTo(received: Received[], id: string): Promise<Message> {
  let reply: Received | undefined;
  await waitFor(
    () => {
      reply = received.find((a) => a.type === "message" && a.replyToId === id && a.from.role === "bot");
      return reply !== undefined;
    },
    { timeoutMs: 20_000, message: `the bot's reply to ${id}` },
  );
  return reply as Message;
}

for (const engine of engines) {
  describe(`botframework-directlinejs against the live chat (${engine})`, () => {
    let gateway: TestParley;
    beforeAll(async () => {
      gateway = await startTestParley(engine);
    });
    afterAll(async () => {
      await gateway?.stop();
    });

    for (const transport of ["websocket", "polling"] as const) {
      it(`answers in the visitor's language with its source, over ${transport}`, async () => {
        const { token, userId, conversationId } = await grant(gateway.url);
        const directLine = new DirectLine({
          token,
          domain: `${gateway.url}/v3/directline`,
          webSocket: transport === "websocket",
          pollingInterval: 200,
        });
        const received: Received[] = [];
        const subscription = directLine.activity$.subscribe((activity) => received.push(activity));
        try {
          const englishId = await post(directLine, {
            type: "message",
            from: { id: userId },
            text: "What are your opening hours?",
            locale: "en-US",
          });
          expect(englishId).toMatch(new RegExp(`^${conversationId}\\|\\d{7}$`));
          const english = await replyTo(received, englishId);
          expect(english.text).toContain("open Monday to Friday from 9:00 to 17:00");
          expect(english.text).toContain("Source: What are your opening hours?");
          expect(english.from.name).toBe("Ava");
          // The visitor's own message comes back too, with the id the post returned.
          expect(received.find((a) => a.id === englishId)).toMatchObject({
            from: { id: userId, role: "user" },
            text: "What are your opening hours?",
          });
          // The agent greeted first, in the visitor's language ("typing" is stream-only and
          // may arrive whenever the agent starts working, so it is not part of the order).
          expect(received.find((a) => a.type === "message")).toMatchObject({
            from: { role: "bot" },
            text: expect.stringContaining("I'm Ava"),
          });

          const dutchId = await post(directLine, {
            type: "message",
            from: { id: userId },
            text: "Wat zijn jullie openingstijden?",
            locale: "nl-NL",
          });
          const dutch = await replyTo(received, dutchId);
          expect(dutch.text).toContain("open van maandag tot en met vrijdag van 9:00 tot 17:00");
          expect(dutch.text).toContain("Bron: Wat zijn jullie openingstijden?");
          expect(dutch.locale).toBe("nl");
          expect(await conversationLanguage(gateway.testDb.database, conversationId)).toBe("nl");
          // Nothing arrived twice: every activity id is unique.
          const ids = received.map((a) => a.id);
          expect(new Set(ids).size).toBe(ids.length);
        } finally {
          subscription.unsubscribe();
          directLine.end();
        }
      });
    }
  });
}
