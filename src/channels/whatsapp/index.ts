import Router from "@koa/router";
import type { Logger } from "pino";
import type { ChannelAccountRef, ChannelModule } from "../../core/channel.js";
import type { Clock } from "../../core/clock.js";
import { advanceDeliveryState } from "../../core/delivery-status.js";
import { receiveInbound } from "../../core/receive.js";
import { flagReplyWindowClosed } from "../../core/reply-window.js";
import type { Database } from "../../db/client.js";
import type { Attachment } from "../../db/schema.js";
import { HttpError } from "../../http/errors.js";
import type { GraphClient } from "../meta/graph-client.js";
import type { SecretBox } from "../meta/secret-box.js";
import { registerMetaWebhook } from "../meta/webhook.js";
import { whatsappAccess, whatsappTransport } from "./account.js";
import { WhatsappAdapter } from "./adapter.js";
import { customerMessageOf } from "./customer-message.js";
import { LinkedDeviceManager, type LinkedDeviceOptions } from "./linked-device/manager.js";
import { mediaAttachment } from "./media.js";
import { statusReportOf } from "./status-report.js";
import {
  type WhatsappChangeValue,
  type WhatsappWebhook,
  whatsappChangeValue,
  whatsappWebhook,
} from "./webhook-payload.js";

export interface WhatsappDeps {
  database: Database;
  log: Logger;
  clock: Clock;
  graph: GraphClient;
  secrets: SecretBox;
  /** The linked-device transport (whatsapp-web.js); without it such accounts cannot send. */
  linkedDevice?: LinkedDeviceOptions | undefined;
}

/** Each delivery's `messages` changes, validated once though both the routing and the handling read them. */
const changesOf = new WeakMap<WhatsappWebhook, WhatsappChangeValue[]>();

/** The `messages` changes of a delivery; other fields (account updates, templates) are not ours. */
function messageChanges(body: WhatsappWebhook): WhatsappChangeValue[] {
  const known = changesOf.get(body);
  if (known) return known;
  const changes = body.entry.flatMap((entry) =>
    entry.changes.flatMap((change) => {
      if (change.field !== "messages") return [];
      const value = whatsappChangeValue.safeParse(change.value);
      return value.success ? [value.data] : [];
    }),
  );
  changesOf.set(body, changes);
  return changes;
}

/**
 * The WhatsApp Cloud API: the webhook at /webhooks/whatsapp (routed by metadata.phone_number_id)
 * and sending through Graph. Customer messages are stored through the core and marked read;
 * statuses move delivery states forward only; a 131047 failure closes the reply window.
 */
export function createWhatsappChannel(deps: WhatsappDeps): ChannelModule {
  const log = deps.log.child({ channel: "whatsapp" });
  const linkedDevices = deps.linkedDevice
    ? new LinkedDeviceManager({ database: deps.database, log }, deps.linkedDevice)
    : undefined;
  const adapter = new WhatsappAdapter({ ...deps, linkedDevices });

  async function handleValue(account: ChannelAccountRef, value: WhatsappChangeValue): Promise<void> {
    for (const error of value.errors ?? []) {
      log.warn({ phoneNumberId: account.externalId, error }, "WhatsApp reported an error in a webhook");
    }
    for (const status of value.statuses ?? []) {
      const report = statusReportOf(status);
      if (!report) continue;
      const moved = await advanceDeliveryState(deps.database, {
        channelAccountId: account.id,
        channelMessageId: status.id,
        state: report.state,
        error: report.error,
        windowClosed: report.windowClosed,
      });
      if (moved && report.windowClosed) await flagReplyWindowClosed(deps.database, moved.messageId);
    }
    for (const message of value.messages ?? []) {
      const customer = customerMessageOf(message);
      if (!customer) {
        log.debug({ phoneNumberId: account.externalId, type: message.type }, "whatsapp message not answered");
        continue;
      }
      const attachments: Attachment[] = [];
      if (customer.media) {
        const { accessToken } = whatsappAccess(deps.secrets, account).credentials;
        const { attachment, lookupError } = await mediaAttachment(deps.graph, accessToken, customer.media);
        if (lookupError)
          log.warn({ err: lookupError, mediaId: customer.media.id }, "media metadata lookup failed");
        attachments.push(attachment);
      }
      const name = value.contacts?.find((c) => c.wa_id === message.from)?.profile?.name;
      await receiveInbound(deps.database, {
        channelAccountId: account.id,
        workspaceId: account.workspaceId,
        threadKey: message.from,
        contact: { externalId: message.from, name },
        channelMessageId: customer.channelMessageId,
        text: customer.text,
        attachments,
        channelData: customer.channelData,
      });
    }
  }

  const router = new Router();
  registerMetaWebhook(router, deps, {
    kind: "whatsapp",
    envelope: whatsappWebhook,
    accountIds: (body) => messageChanges(body).map((v) => v.metadata.phone_number_id),
    appSecretOf: (account) => {
      if (whatsappTransport(account) === "linked_device") {
        throw new HttpError(
          403,
          "wrong_transport",
          "This number uses the linked-device transport, not webhooks.",
        );
      }
      return whatsappAccess(deps.secrets, account).credentials.appSecret;
    },
    async handle(accounts, body) {
      for (const value of messageChanges(body)) {
        const account = accounts.get(value.metadata.phone_number_id);
        if (account) await handleValue(account, value);
      }
    },
  });
  return {
    adapter,
    router,
    start: async () => linkedDevices?.start(),
    stop: async () => linkedDevices?.stop(),
  };
}
