import Router from "@koa/router";
import type { Logger } from "pino";
import type { ChannelAccountRef, ChannelModule } from "../../core/channel.js";
import type { Clock } from "../../core/clock.js";
import { advanceDeliveryState, advanceThreadUpTo } from "../../core/delivery-status.js";
import { receiveInbound } from "../../core/receive.js";
import { stepBackForPerson } from "../../core/step-back.js";
import type { Database } from "../../db/client.js";
import type { GraphClient } from "../meta/graph-client.js";
import type { SecretBox } from "../meta/secret-box.js";
import { registerMetaWebhook } from "../meta/webhook.js";
import { messengerAccess } from "./account.js";
import { MessengerAdapter } from "./adapter.js";
import { customerMessageOf } from "./customer-message.js";
import { type MessengerEvent, messengerWebhook } from "./webhook-payload.js";

export interface MessengerDeps {
  database: Database;
  log: Logger;
  clock: Clock;
  graph: GraphClient;
  secrets: SecretBox;
}

/** Why the agent stepped back when a person answered from the Page inbox. */
export const PAGE_INBOX_REPLY = "person_replied_in_page_inbox";

/**
 * Facebook Messenger: the webhook at /webhooks/messenger (routed by page id = entry[].id) and
 * the Send API. Customer messages are stored through the core and answered by the worker;
 * receipts move delivery states; an echo of a person's Page-inbox reply makes the agent step back.
 */
export function createMessengerChannel(deps: MessengerDeps): ChannelModule {
  const log = deps.log.child({ channel: "messenger" });
  const adapter = new MessengerAdapter(deps);

  async function handleEvent(
    account: ChannelAccountRef,
    event: MessengerEvent,
    standby: boolean,
  ): Promise<void> {
    const { message, delivery, read } = event;
    if (message?.is_echo) {
      // Our own sends and other apps' echo back with their app_id; a person's Page-inbox reply has none.
      if (message.app_id == null) {
        await stepBackForPerson(deps.database, deps.clock, {
          channelAccountId: account.id,
          threadKey: event.recipient.id,
          reason: PAGE_INBOX_REPLY,
        });
      }
      return;
    }
    if (delivery) {
      for (const mid of delivery.mids ?? []) {
        await advanceDeliveryState(deps.database, {
          channelAccountId: account.id,
          channelMessageId: mid,
          state: "delivered",
        });
      }
      await advanceThreadUpTo(deps.database, {
        channelAccountId: account.id,
        threadKey: event.sender.id,
        state: "delivered",
        upTo: new Date(delivery.watermark),
      });
      return;
    }
    if (read) {
      await advanceThreadUpTo(deps.database, {
        channelAccountId: account.id,
        threadKey: event.sender.id,
        state: "read",
        upTo: new Date(read.watermark),
      });
      return;
    }
    const customer = customerMessageOf(event);
    if (!customer || standby) {
      // Referrals, handover notices, and messages of threads another app owns: nothing to answer.
      log.debug(
        { pageId: account.externalId, keys: Object.keys(event), standby },
        "messenger event not answered",
      );
      return;
    }
    await receiveInbound(deps.database, {
      channelAccountId: account.id,
      workspaceId: account.workspaceId,
      threadKey: event.sender.id,
      contact: { externalId: event.sender.id },
      ...customer,
    });
  }

  const router = new Router();
  registerMetaWebhook(router, deps, {
    kind: "messenger",
    envelope: messengerWebhook,
    accountIds: (body) => body.entry.map((e) => e.id),
    appSecretOf: (account) => messengerAccess(deps.secrets, account).credentials.appSecret,
    async handle(accounts, body) {
      for (const entry of body.entry) {
        const account = accounts.get(entry.id);
        if (!account) continue;
        for (const event of entry.messaging ?? []) await handleEvent(account, event, false);
        for (const event of entry.standby ?? []) await handleEvent(account, event, true);
      }
    },
  });
  return { adapter, router };
}
