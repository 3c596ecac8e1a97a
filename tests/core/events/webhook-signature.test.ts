import { describe, expect, it } from "vitest";
import {
  signWebhook,
  verifyWebhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
} from "../../../src/core/events/webhook-signature.js";

const secret = "whsec_test_secret";
const body = '{"type":"conversation.handed_off","data":{"conversationId":"c_1"}}';
const t = 1_767_603_600; // 2026-01-05T09:00:00Z

describe("Parley's webhook signature", () => {
  it("is the header a receiver can compute with any HMAC tool", () => {
    // printf '%s' "1767603600.$body" | openssl dgst -sha256 -hmac whsec_test_secret
    expect(WEBHOOK_SIGNATURE_HEADER).toBe("parley-signature");
    expect(signWebhook(secret, body, t)).toBe(
      "t=1767603600,v1=ecb57833e0a390251078a952b9e0ebd3b3b4b1e7919d220fbdfff326f1457d63",
    );
  });

  it("verifies what it signed, within the tolerance either way", () => {
    const header = signWebhook(secret, body, t);
    expect(verifyWebhookSignature(secret, header, body, t)).toBe(true);
    expect(verifyWebhookSignature(secret, header, body, t + 300)).toBe(true);
    expect(verifyWebhookSignature(secret, header, body, t - 300)).toBe(true);
    expect(verifyWebhookSignature(secret, ` ${header.replace(",", ", ")} `, body, t)).toBe(true);
  });

  it("rejects a changed body, another secret and a changed timestamp", () => {
    const header = signWebhook(secret, body, t);
    expect(verifyWebhookSignature(secret, header, body.replace("c_1", "c_2"), t)).toBe(false);
    expect(verifyWebhookSignature(secret, header, `${body} `, t)).toBe(false);
    expect(verifyWebhookSignature("another secret", header, body, t)).toBe(false);
    expect(verifyWebhookSignature(secret, header.replace(`t=${t}`, `t=${t + 1}`), body, t)).toBe(false);
  });

  it("rejects a replay outside the tolerance, and honours a custom tolerance", () => {
    const header = signWebhook(secret, body, t);
    expect(verifyWebhookSignature(secret, header, body, t + 301)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, t - 301)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, t + 60, 30)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, t + 3600, 7200)).toBe(true);
  });

  it("rejects malformed headers without throwing", () => {
    const v1 = signWebhook(secret, body, t).split("v1=")[1] ?? "";
    for (const header of [
      "",
      "garbage",
      `v1=${v1}`,
      `t=${t}`,
      `t=${t},v1=`,
      `t=abc,v1=${v1}`,
      `t=${t}.5,v1=${v1}`,
      `t=${t},v1=${v1.slice(0, 63)}`,
      `t=${t},v1=${v1}00`,
      `t=${t},v0=${v1}`,
    ]) {
      expect(verifyWebhookSignature(secret, header, body, t), JSON.stringify(header)).toBe(false);
    }
  });
});
