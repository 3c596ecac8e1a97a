import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines } from "../../helpers/db.js";
import { startTestParley, type TestParley } from "../../helpers/server.js";
import { waitFor } from "../../helpers/wait.js";
import { call, grant, message, threadIdle, threadMessages } from "./directline-client.js";

for (const engine of engines) {
  describe(`reposting a live-chat activity (${engine})`, () => {
    let gateway: TestParley;
    beforeAll(async () => {
      gateway = await startTestParley(engine);
    });
    afterAll(async () => {
      await gateway?.stop();
    });

    it("stores it once and answers it once, however often and however concurrently it is posted", async () => {
      const { token, conversationId } = await grant(gateway.url);
      const activities = `${gateway.url}/v3/directline/conversations/${conversationId}/activities`;
      const activity = message("What are your opening hours?", "client-activity-1");

      const first = await call<{ id: string }>(activities, { token, body: activity });
      const [second, third] = await Promise.all([
        call<{ id: string }>(activities, { token, body: activity }),
        call<{ id: string }>(activities, { token, body: activity }),
      ]);
      expect(first.status).toBe(200);
      expect(first.body.id).toMatch(new RegExp(`^${conversationId}\\|\\d{7}$`));
      expect(second).toMatchObject({ status: 200, body: { id: first.body.id } });
      expect(third).toMatchObject({ status: 200, body: { id: first.body.id } });

      const database = gateway.testDb.database;
      await waitFor(
        async () => (await threadMessages(database, conversationId)).some((m) => m.direction === "out"),
        {
          timeoutMs: 20_000,
          message: "the agent's reply",
        },
      );
      // A repost after the answer is still the same activity.
      const late = await call<{ id: string }>(activities, { token, body: activity });
      expect(late.body.id).toBe(first.body.id);
      await waitFor(() => threadIdle(database, conversationId), { message: "the thread worker to finish" });

      const stored = await threadMessages(database, conversationId);
      expect(stored.filter((m) => m.direction === "in")).toHaveLength(1);
      expect(stored.filter((m) => m.direction === "out")).toHaveLength(1);
      const listed = await call<{ activities: { id: string; from: { role: string } }[] }>(activities, {
        token,
      });
      expect(listed.body.activities.filter((a) => a.id === first.body.id)).toHaveLength(1);
      expect(
        listed.body.activities.filter((a) => a.from.role === "bot" && !a.id.endsWith("|greeting")),
      ).toHaveLength(1);
    });

    it("keeps two conversations apart even when their clients reuse a clientActivityID", async () => {
      const a = await grant(gateway.url);
      const b = await grant(gateway.url);
      const post = (g: typeof a, text: string) =>
        call<{ id: string }>(`${gateway.url}/v3/directline/conversations/${g.conversationId}/activities`, {
          token: g.token,
          body: message(text, "same-client-id"),
        });
      const fromA = await post(a, "Question from A");
      const fromB = await post(b, "Question from B");
      expect(fromA.body.id.startsWith(`${a.conversationId}|`)).toBe(true);
      expect(fromB.body.id.startsWith(`${b.conversationId}|`)).toBe(true);
      const storedB = await threadMessages(gateway.testDb.database, b.conversationId);
      expect(storedB.find((m) => m.direction === "in")?.text).toBe("Question from B");
    });
  });
}
