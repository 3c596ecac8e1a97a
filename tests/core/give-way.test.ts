import { afterEach, describe, expect, it } from "vitest";
import { engines } from "../helpers/db.js";
import { gate } from "../helpers/gate.js";
import { askOverLiveChat, botTexts } from "../helpers/livechat-http.js";
import { startTestParley, type TestParley } from "../helpers/server.js";
import { waitFor } from "../helpers/wait.js";

async function ingestBusyGauge(url: string): Promise<string | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return /^parley_ingest_busy (\d+)$/m.exec(text)?.[1];
}

/**
 * A gateway answering in its own process (role `all`) gives way to a burst on its channels:
 * while WORKER_GIVES_WAY_AT messages are being stored at once, one thread at a time is in its
 * database and CPU phase, paced; answers still come, and after the burst the full width is back.
 */
for (const engine of engines) {
  describe(`answering gives way to a burst on the channels (${engine})`, () => {
    let gateway: TestParley | undefined;

    afterEach(async () => {
      await gateway?.stop();
      gateway = undefined;
    });

    it("narrows to one thread while the channels are busy, still answers, and widens again after", async () => {
      gateway = await startTestParley(engine, { env: { WORKER_GIVES_WAY_AT: "2" } });
      const { parley, url } = gateway;
      const fullWidth = parley.threads.width;
      expect(fullWidth).toBeGreaterThan(1);
      expect(await ingestBusyGauge(url)).toBe("0");

      const burst = gate();
      const held = [parley.ingest.storing(burst.store), parley.ingest.storing(burst.store)];
      expect(parley.ingest.busy).toBe(true);
      expect(parley.threads.width).toBe(1);
      expect(parley.threads.paced).toBe(true);
      expect(await ingestBusyGauge(url)).toBe("1");

      // Giving way is not stopping: a visitor asking meanwhile is answered.
      const chat = await askOverLiveChat(url, "What are your opening hours?");
      await waitFor(async () => (await botTexts(url, chat)).length > 0, { message: "the answer" });
      expect(parley.threads.width).toBe(1);

      burst.open();
      await Promise.all(held);
      await waitFor(() => parley.threads.width === fullWidth, { message: "the full width again" });
      expect(parley.threads.paced).toBe(false);
      expect(await ingestBusyGauge(url)).toBe("0");
    });

    it("never narrows with WORKER_GIVES_WAY_AT=0", async () => {
      gateway = await startTestParley(engine, { env: { WORKER_GIVES_WAY_AT: "0" } });
      const { parley } = gateway;
      const fullWidth = parley.threads.width;
      const burst = gate();
      const held = Array.from({ length: 20 }, () => parley.ingest.storing(burst.store));
      expect(parley.ingest.busy).toBe(false);
      expect(parley.threads.width).toBe(fullWidth);
      expect(parley.threads.paced).toBe(false);
      burst.open();
      await Promise.all(held);
    });
  });
}
