import type Router from "@koa/router";
import { and, eq, sql } from "drizzle-orm";
import type { Context } from "koa";
import type { Logger } from "pino";
import type { z } from "zod";
import { cachedAccountLookup } from "../../core/account-cache.js";
import type { ChannelAccountRef } from "../../core/channel.js";
import type { Database } from "../../db/client.js";
import { channelAccounts } from "../../db/schema.js";
import { HttpError } from "../../http/errors.js";
import { checkSignature } from "./signature.js";

export interface MetaWebhookSpec<Body> {
  kind: "messenger" | "whatsapp";
  /** The payload's outer shape; anything else is refused before an account is looked up. */
  envelope: z.ZodType<Body>;
  /** The platform ids (page id, phone_number_id) of the channel accounts this delivery addresses. */
  accountIds(body: Body): string[];
  /** The account's app secret, in clear. */
  appSecretOf(account: ChannelAccountRef): string;
  /** Stores what the delivery carries for these accounts; runs only after every signature matched. */
  handle(accounts: ReadonlyMap<string, ChannelAccountRef>, body: Body): Promise<void>;
}

export interface MetaWebhookDeps {
  database: Database;
  log: Logger;
}

/**
 * Meta's webhook contract, shared by Messenger and WhatsApp: `GET` answers the verification
 * handshake, `POST` accepts a delivery only when its X-Hub-Signature-256 matches the app secret
 * of every channel account it addresses. A delivery for an account we do not know gets a 200 so
 * Meta stops retrying it; its content is ignored and logged.
 */
export function registerMetaWebhook<Body>(
  router: Router,
  deps: MetaWebhookDeps,
  spec: MetaWebhookSpec<Body>,
): void {
  const path = `/webhooks/${spec.kind}`;
  /**
   * Each account's app secret, opened (decrypted and validated) once per account row rather than
   * once per delivery. The rows come from the account cache, which hands out the same row for a
   * few seconds and a new one once the account changed, so an edited secret is never missed.
   */
  const appSecrets = new WeakMap<ChannelAccountRef, string>();
  const appSecretOf = (account: ChannelAccountRef): string => {
    let secret = appSecrets.get(account);
    if (secret === undefined) {
      secret = spec.appSecretOf(account);
      appSecrets.set(account, secret);
    }
    return secret;
  };

  router.get(path, async (ctx) => {
    const mode = ctx.query["hub.mode"];
    const token = ctx.query["hub.verify_token"];
    const challenge = ctx.query["hub.challenge"];
    if (mode !== "subscribe" || typeof token !== "string" || typeof challenge !== "string") {
      throw new HttpError(
        400,
        "invalid_request",
        "Expected hub.mode=subscribe, hub.verify_token and hub.challenge.",
      );
    }
    if (!(await verifyTokenKnown(deps.database, spec.kind, token))) {
      throw new HttpError(403, "verify_token_mismatch", "This verify token belongs to no channel account.");
    }
    ctx.type = "text/plain";
    ctx.body = challenge;
  });

  router.post(path, async (ctx) => {
    const header = ctx.get("x-hub-signature-256") || undefined;
    if (!header) throw new HttpError(401, "signature_missing", "The X-Hub-Signature-256 header is required.");
    const parsed = spec.envelope.safeParse(ctx.request.body);
    if (!parsed.success) {
      throw new HttpError(400, "invalid_request", `This is not a ${spec.kind} webhook delivery.`);
    }
    const accountIds = spec.accountIds(parsed.data);
    const accounts = await accountsFor(deps.database, spec.kind, accountIds);
    const unknown = accountIds.filter((id) => !accounts.has(id));
    if (unknown.length > 0) deps.log.warn({ unknown }, "webhook for unknown channel accounts ignored");
    const rawBody = rawBodyOf(ctx);
    for (const account of accounts.values()) {
      if (checkSignature(rawBody, header, appSecretOf(account)) !== "valid") {
        throw new HttpError(403, "signature_mismatch", "X-Hub-Signature-256 does not match the body.");
      }
    }
    if (accounts.size > 0) await spec.handle(accounts, parsed.data);
    ctx.type = "text/plain";
    ctx.body = "EVENT_RECEIVED";
  });
}

function rawBodyOf(ctx: Context): string {
  const raw = (ctx.request as { rawBody?: unknown }).rawBody;
  if (typeof raw !== "string")
    throw new HttpError(415, "unsupported_media_type", "Send the webhook as JSON.");
  return raw;
}

async function verifyTokenKnown(database: Database, kind: string, token: string): Promise<boolean> {
  const rows = await database.db
    .select({ id: channelAccounts.id })
    .from(channelAccounts)
    .where(
      and(
        eq(channelAccounts.kind, kind as "messenger"),
        sql`${channelAccounts.settings}->>'verifyToken' = ${token}`,
      ),
    )
    .limit(1);
  return rows.length > 0;
}

/** Each delivery names its accounts; the lookups are cached (account-cache.ts). */
async function accountsFor(
  database: Database,
  kind: "messenger" | "whatsapp",
  externalIds: string[],
): Promise<Map<string, ChannelAccountRef>> {
  const unique = [...new Set(externalIds)];
  const found = await Promise.all(
    unique.map((externalId) =>
      cachedAccountLookup(database, `${kind}:external:${externalId}`, async () => {
        const [row] = await database.db
          .select()
          .from(channelAccounts)
          .where(and(eq(channelAccounts.kind, kind), eq(channelAccounts.externalId, externalId)))
          .limit(1);
        return row;
      }),
    ),
  );
  return new Map(found.flatMap((row) => (row ? [[row.externalId, row] as const] : [])));
}
