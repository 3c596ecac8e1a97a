import { EventEmitter } from "node:events";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { LinkedDeviceManager } from "../../../src/channels/whatsapp/linked-device/manager.js";
import { LinkedDeviceBoard } from "../../../src/channels/whatsapp/linked-device/status-board.js";
import { LinkedDeviceUnavailable } from "../../../src/channels/whatsapp/linked-device/whatsapp-web-client.js";
import * as schema from "../../../src/db/schema.js";
import { freshDatabase, type TestDatabase } from "../../helpers/db.js";
import { waitFor } from "../../helpers/wait.js";

/**
 * The real client factory, with whatsapp-web.js replaced by a module that records its import
 * and its Client's options: Chromium and WhatsApp Web are not reachable from CI.
 */
const wwebjs = vi.hoisted(() => ({ imports: 0, clientOptions: [] as Record<string, unknown>[] }));

vi.mock("whatsapp-web.js", async () => {
  wwebjs.imports += 1;
  const { EventEmitter: Emitter } = await import("node:events");
  class Client extends Emitter {
    constructor(options: Record<string, unknown>) {
      super();
      wwebjs.clientOptions.push(options);
    }
    async initialize(): Promise<void> {}
    async sendMessage(): Promise<undefined> {
      return undefined;
    }
    async destroy(): Promise<void> {}
  }
  class LocalAuth {
    constructor(readonly options: Record<string, unknown>) {}
  }
  return { default: { Client, LocalAuth } };
});

describe("the whatsapp-web.js client factory (pglite)", () => {
  let testDb: TestDatabase;
  let workspaceId: string;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "parley-wwebjs-"));
  const log = pino({ level: "silent" });

  const addAccount = async (externalId: string, transport: "cloud_api" | "linked_device") => {
    const [row] = await testDb.database.db
      .insert(schema.channelAccounts)
      .values({
        workspaceId,
        kind: "whatsapp",
        name: `whatsapp ${externalId}`,
        externalId,
        credentials: {},
        settings: { verifyToken: "verify-token-for-tests", transport },
      })
      .returning({ id: schema.channelAccounts.id });
    if (!row) throw new Error("channel account insert returned nothing");
    return row.id;
  };

  beforeAll(async () => {
    testDb = await freshDatabase("pglite");
    const [workspace] = await testDb.database.db
      .insert(schema.workspaces)
      .values({ name: "Shop" })
      .returning({ id: schema.workspaces.id });
    if (!workspace) throw new Error("workspace insert returned nothing");
    workspaceId = workspace.id;
  });
  afterAll(async () => {
    await testDb?.drop();
  });

  it("imports whatsapp-web.js only once an account uses linked_device, with Debian's Chromium", async () => {
    await addAccount("4611111111", "cloud_api");
    const options = {
      enabled: true,
      dataDir,
      chromiumPath: "/usr/bin/chromium",
      board: new LinkedDeviceBoard(),
    };
    const manager = new LinkedDeviceManager({ database: testDb.database, log }, options);
    await manager.start();
    expect(wwebjs.imports).toBe(0);

    const accountId = await addAccount("4622222222", "linked_device");
    await manager.refresh();
    await manager.stop();
    expect(wwebjs.imports).toBe(1);
    expect(wwebjs.clientOptions).toHaveLength(1);
    const [clientOptions] = wwebjs.clientOptions;
    expect(clientOptions?.authStrategy).toMatchObject({
      options: { clientId: accountId, dataPath: dataDir },
    });
    expect(clientOptions?.puppeteer).toMatchObject({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: expect.arrayContaining(["--no-sandbox", "--disable-gpu"]),
    });
  });

  it("marks the account unavailable, with the reason, when the client cannot be made", async () => {
    const accountId = await addAccount("4633333333", "linked_device");
    const board = new LinkedDeviceBoard();
    const clientFactory = vi.fn(() => {
      throw new LinkedDeviceUnavailable("whatsapp-web.js could not be loaded");
    });
    const manager = new LinkedDeviceManager(
      { database: testDb.database, log },
      { enabled: true, dataDir, chromiumPath: "/usr/bin/chromium", board, clientFactory },
    );
    await manager.start();
    await waitFor(() => board.get(accountId)?.state === "unavailable", { message: "the unavailable state" });
    expect(board.get(accountId)?.error).toContain("could not be loaded");
    await manager.stop();
  });

  it("drives nothing when this process is not the one with WHATSAPP_WEB_ENABLED", async () => {
    const clientFactory = vi.fn(() => new EventEmitter() as never);
    const manager = new LinkedDeviceManager(
      { database: testDb.database, log },
      { enabled: false, dataDir, chromiumPath: "/usr/bin/chromium", clientFactory },
    );
    await manager.start();
    await manager.stop();
    expect(clientFactory).not.toHaveBeenCalled();
  });
});
