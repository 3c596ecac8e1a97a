import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { cachedAccountLookup } from "../../core/account-cache.js";
import type { Database } from "../../db/client.js";
import { channelAccounts } from "../../db/schema.js";

/** A live-chat widget: a channel account of kind "livechat", with its settings read and checked. */
export interface LivechatAccount {
  id: string;
  workspaceId: string;
  externalId: string;
  name: string;
  agentId: string | null;
  settings: WidgetSettings;
}

export interface WidgetSettings {
  /** Origins whose pages may ask for a visitor token; `"*"` allows any. Empty: server-to-server only. */
  allowedOrigins: string[];
  /** Shown in the chat header. */
  title: string;
}

const settingsSchema = z.looseObject({
  allowedOrigins: z.array(z.string()).optional(),
  title: z.string().trim().min(1).optional(),
});

type AccountRow = typeof channelAccounts.$inferSelect;

function toLivechatAccount(row: AccountRow): LivechatAccount {
  const parsed = settingsSchema.safeParse(row.settings);
  const settings = parsed.success ? parsed.data : {};
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    externalId: row.externalId,
    name: row.name,
    agentId: row.agentId,
    settings: {
      allowedOrigins: (settings.allowedOrigins ?? []).map(normalizeOrigin),
      title: settings.title ?? row.name,
    },
  };
}

/** "https://Shop.example/" and "https://shop.example" are the same origin. */
export function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, "").toLowerCase();
}

export function originAllowed(settings: WidgetSettings, origin: string): boolean {
  return settings.allowedOrigins.includes("*") || settings.allowedOrigins.includes(normalizeOrigin(origin));
}

async function findOne(
  database: Database,
  where: ReturnType<typeof and>,
): Promise<LivechatAccount | undefined> {
  const [row] = await database.db.select().from(channelAccounts).where(where).limit(1);
  return row ? toLivechatAccount(row) : undefined;
}

/** Every posted activity names its widget through its token: the lookup is cached (account-cache.ts). */
export function livechatAccountById(database: Database, id: string): Promise<LivechatAccount | undefined> {
  return cachedAccountLookup(database, `livechat:id:${id}`, () =>
    findOne(database, and(eq(channelAccounts.kind, "livechat"), eq(channelAccounts.id, id))),
  );
}

/** Every visitor's chat starts with its widget's token endpoint: cached like the lookup by id. */
export function livechatAccountByWidgetId(
  database: Database,
  widgetId: string,
): Promise<LivechatAccount | undefined> {
  return cachedAccountLookup(database, `livechat:widget:${widgetId}`, () =>
    // A preview inbox is reached only with tokens the admin API hands out, never by a public page.
    findOne(
      database,
      and(
        eq(channelAccounts.kind, "livechat"),
        eq(channelAccounts.externalId, widgetId),
        eq(channelAccounts.isPreview, false),
      ),
    ),
  );
}

/** The widget whose Direct Line secret this is (the secret a website's server uses to mint tokens). */
export function livechatAccountBySecret(
  database: Database,
  secret: string,
): Promise<LivechatAccount | undefined> {
  return findOne(
    database,
    and(
      eq(channelAccounts.kind, "livechat"),
      sql`${channelAccounts.credentials}->>'directLineSecret' = ${secret}`,
    ),
  );
}
