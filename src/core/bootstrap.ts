import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { asc, eq, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { Database } from "../db/client.js";
import { agents, channelAccounts, instanceSettings, shortAnswers, workspaces } from "../db/schema.js";
import { DEMO_SHORT_ANSWERS } from "./demo-content.js";
import { createWorkspace, ensureApiToken, newApiToken } from "./workspaces.js";

export const DEMO_WIDGET_ID = "demo";

export interface Bootstrapped {
  /** Signs live-chat tokens; shared by every replica through the database. */
  livechatTokenKey: Buffer;
  /** The admin token, when this start knows it (created now, configured, or kept in the data dir). */
  adminToken: string | undefined;
  firstStart: boolean;
}

/** Reads a shared instance setting, creating it with `make()` if no replica has yet. */
async function instanceSetting(database: Database, key: string, make: () => string): Promise<string> {
  await database.db.insert(instanceSettings).values({ key, value: make() }).onConflictDoNothing();
  const [row] = await database.db.select().from(instanceSettings).where(eq(instanceSettings.key, key));
  if (!row) throw new Error(`instance setting ${key} missing after insert`);
  return row.value;
}

/**
 * First start: one workspace with an admin token, and in embedded mode the demo shop (agent,
 * `demo` widget, short answers). Replicas starting together race on the `bootstrapped` row:
 * exactly one of them creates the workspace.
 */
export async function bootstrap(database: Database, config: Config, log: Logger): Promise<Bootstrapped> {
  const livechatTokenKey = Buffer.from(
    await instanceSetting(database, "livechat_token_key", () => randomBytes(32).toString("base64")),
    "base64",
  );
  const tokenFile =
    config.database.kind === "pglite" ? path.join(config.database.dataDir, "admin-token") : undefined;

  const created = await database.db.transaction(async (tx) => {
    const won = await database.rows(
      sql`INSERT INTO instance_settings (key, value) VALUES ('bootstrapped', now()::text)
          ON CONFLICT (key) DO NOTHING RETURNING key`,
      tx,
    );
    if (won.length === 0) return undefined;
    const ws = await createWorkspace(
      tx,
      config.seedDemo ? "Parley Demo Shop" : "Default",
      config.adminToken ?? newApiToken(),
      config.credits.initial,
    );
    if (config.seedDemo) await seedDemo(tx, ws.workspaceId);
    return ws;
  });

  let adminToken = config.adminToken;
  if (created) {
    adminToken = created.token;
    if (tokenFile) writeFileSync(tokenFile, `${created.token}\n`, { mode: 0o600 });
    log.info({ workspaceId: created.workspaceId, demo: config.seedDemo }, "first start: workspace created");
  } else if (config.adminToken) {
    const [first] = await database.db
      .select({ id: workspaces.id })
      .from(workspaces)
      .orderBy(asc(workspaces.createdAt))
      .limit(1);
    if (first) await ensureApiToken(database.db, first.id, config.adminToken);
  } else if (tokenFile) {
    try {
      adminToken = readFileSync(tokenFile, "utf8").trim() || undefined;
    } catch {
      adminToken = undefined;
    }
  }
  return { livechatTokenKey, adminToken, firstStart: created !== undefined };
}

async function seedDemo(
  tx: Parameters<Parameters<Database["db"]["transaction"]>[0]>[0],
  workspaceId: string,
) {
  const [agent] = await tx
    .insert(agents)
    .values({ workspaceId, name: "Ava", role: "customer_service", personality: "friendly" })
    .returning({ id: agents.id });
  if (!agent) throw new Error("demo agent insert returned nothing");
  await tx.insert(channelAccounts).values({
    workspaceId,
    kind: "livechat",
    name: "Demo website chat",
    externalId: DEMO_WIDGET_ID,
    settings: { allowedOrigins: ["*"], title: "Parley Demo Shop" },
    agentId: agent.id,
  });
  await tx
    .insert(shortAnswers)
    .values(DEMO_SHORT_ANSWERS.map((a) => ({ ...a, workspaceId, agentId: agent.id })));
}
