import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLivechatChannel } from "../../../src/channels/livechat/index.js";
import { issueToken } from "../../../src/channels/livechat/tokens.js";
import { loadConfig } from "../../../src/config.js";
import type { ChannelModule } from "../../../src/core/channel.js";
import { systemClock } from "../../../src/core/clock.js";
import { createWorkspace } from "../../../src/core/workspaces.js";
import { channelAccounts } from "../../../src/db/schema.js";
import { engines, freshDatabase, type TestDatabase } from "../../helpers/db.js";
import { waitFor } from "../../helpers/wait.js";
import { StreamRecorder } from "./directline-client.js";

/** The live-chat module on its own, with a short keep-alive, behind a bare HTTP server. */
for (const engine of engines) {
  describe(`live-chat stream keep-alive (${engine})`, () => {
    let tdb: TestDatabase;
    let channel: ChannelModule;
    let server: Server;
    let base: string;
    const tokenKey = randomBytes(32);
    let claims: Parameters<typeof issueToken>[1];

    beforeAll(async () => {
      tdb = await freshDatabase(engine);
      const { workspaceId } = await createWorkspace(tdb.database.db, "Shop");
      const [account] = await tdb.database.db
        .insert(channelAccounts)
        .values({ workspaceId, kind: "livechat", name: "site", externalId: "site" })
        .returning();
      claims = { channelAccountId: account!.id, workspaceId, conversationId: "keepalive-1", userId: "dl_k" };
      channel = createLivechatChannel({
        database: tdb.database,
        log: pino({ level: "silent" }),
        clock: systemClock,
        config: loadConfig({}),
        tokenKey,
        streamKeepAliveMs: 50,
      });
      await channel.start?.();
      server = createServer((_req, res) => res.writeHead(404).end());
      server.on("upgrade", (req, socket, head) => {
        if (!channel.handleUpgrade?.(req, socket, head)) socket.destroy();
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await channel?.stop?.();
      await new Promise((resolve) => server?.close(resolve));
      await tdb?.drop();
    });

    it("sends empty frames while nothing happens, and keeps a socket that answers pings", async () => {
      const { token } = issueToken(tokenKey, claims, new Date());
      const socket = new StreamRecorder(`${base}/v3/directline/conversations/keepalive-1/stream?t=${token}`);
      try {
        await waitFor(() => socket.frames.filter((f) => f === "").length >= 3, {
          message: "three keep-alive frames",
        });
        expect(socket.closed).toBeUndefined();
        // No agent on this widget: no greeting, and nothing else was said.
        expect(socket.activities).toEqual([]);
      } finally {
        socket.close();
      }
    });

    it("leaves upgrades on other paths to other handlers", () => {
      const taken = channel.handleUpgrade?.(
        { url: "/somewhere/else", headers: {} } as Parameters<NonNullable<ChannelModule["handleUpgrade"]>>[0],
        {} as Parameters<NonNullable<ChannelModule["handleUpgrade"]>>[1],
        Buffer.alloc(0),
      );
      expect(taken).toBe(false);
    });
  });
}
