import type { ReportedState } from "../../core/delivery-status.js";
import { REPLY_WINDOW_CLOSED } from "../../core/reply-window.js";
import type { WhatsappPlatformError, WhatsappStatus } from "./webhook-payload.js";

/** 131047 "Re-engagement message": sent after the customer-service window had closed. */
const RE_ENGAGEMENT = 131047;

export interface StatusReport {
  state: ReportedState;
  error?: string | undefined;
  windowClosed: boolean;
}

/** A status webhook as a delivery report; undefined for statuses that move nothing (deleted, warning). */
export function statusReportOf(status: WhatsappStatus): StatusReport | undefined {
  switch (status.status) {
    case "sent":
    case "delivered":
    case "read":
      return { state: status.status, windowClosed: false };
    case "played":
      return { state: "read", windowClosed: false };
    case "failed": {
      const first = status.errors?.[0];
      const windowClosed = first?.code === RE_ENGAGEMENT;
      return { state: "failed", error: failureText(first, windowClosed), windowClosed };
    }
    default:
      return undefined;
  }
}

function failureText(error: WhatsappPlatformError | undefined, windowClosed: boolean): string {
  if (!error) return "failed: WhatsApp reported the message failed without a reason";
  const what = error.title ?? error.message ?? "failed";
  const details = error.error_data?.details;
  const reason = `${details ? `${what} (${details})` : what} [WhatsApp error ${error.code}]`;
  return `${windowClosed ? REPLY_WINDOW_CLOSED : error.code}: ${reason}`;
}
