import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { gorgiasClient } from "../../../src/core/helpdesk/gorgias.js";
import { HelpdeskError, type TicketRequest } from "../../../src/core/helpdesk/ticket.js";
import { GorgiasStub } from "../../helpers/gorgias-stub.js";

function handOff(overrides: Partial<TicketRequest> = {}): TicketRequest {
  return {
    subject: "Order #1001 has not arrived",
    transcript: [
      {
        at: new Date("2026-01-05T09:00:00Z"),
        author: "customer",
        authorName: "Jane",
        text: "Where is my <b>order</b>?",
      },
      {
        at: new Date("2026-01-05T09:00:30Z"),
        author: "agent",
        text: "It left our warehouse yesterday.\nTracking: 1Z999",
      },
    ],
    requester: { email: "jane@example.com", name: "Jane Doe" },
    contactId: "contact-42",
    conversationId: "conv-7",
    channel: "livechat",
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<HelpdeskError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(HelpdeskError);
  return error as HelpdeskError;
}

describe("creating Gorgias tickets", () => {
  let stub: GorgiasStub;
  let url: string;

  beforeEach(async () => {
    stub = new GorgiasStub({ username: "bot@acme.example", apiKey: "key-123" });
    ({ url } = await stub.start());
  });
  afterEach(() => stub.stop());

  const client = (overrides: { apiKey?: string; baseUrl?: string } = {}) =>
    gorgiasClient({
      baseUrl: overrides.baseUrl ?? url,
      username: "bot@acme.example",
      apiKey: overrides.apiKey ?? "key-123",
      timeZone: "Europe/Amsterdam",
    });

  it("files the transcript as the customer's incoming API message, with the contact's id", async () => {
    const created = await client().createTicket(handOff());

    expect(created).toEqual({ provider: "gorgias", externalId: "1001", url: `${url}/app/ticket/1001` });
    const input = stub.tickets[0]?.input;
    expect(input).toMatchObject({
      customer: { email: "jane@example.com", name: "Jane Doe" },
      external_id: "conv-7",
      channel: "api",
      via: "api",
      from_agent: false,
      subject: "Order #1001 has not arrived",
      tags: [{ name: "parley" }, { name: "parley_livechat" }],
      meta: { parley_contact_id: "contact-42", parley_conversation_id: "conv-7" },
    });
    const [message] = input?.messages ?? [];
    expect(message).toMatchObject({
      channel: "api",
      via: "api",
      from_agent: false,
      sender: { email: "jane@example.com", name: "Jane Doe" },
    });
    expect(message?.body_text).toContain("Parley contact: contact-42");
    expect(message?.body_text).toContain(
      [
        "[2026-01-05 10:00 +01:00] Customer (Jane): Where is my <b>order</b>?",
        "[2026-01-05 10:00 +01:00] AI agent: It left our warehouse yesterday.",
        "    Tracking: 1Z999",
      ].join("\n"),
    );
    expect(message?.body_html).toContain("Where is my &lt;b&gt;order&lt;/b&gt;?");
    expect(message?.body_html).toContain("Parley contact: contact-42");
  });

  it("gives each ticket Gorgias' next id, and leaves out a name the customer never gave", async () => {
    await client().createTicket(handOff());
    const second = await client().createTicket(handOff({ requester: { email: "anon@example.com" } }));

    expect(second.externalId).toBe("1002");
    expect(stub.tickets[1]?.input.customer).toEqual({ email: "anon@example.com" });
  });

  it("reports wrong credentials as a permanent auth failure that says what to check", async () => {
    const error = await rejection(client({ apiKey: "wrong" }).createTicket(handOff()));

    expect(error.code).toBe("helpdesk_auth_failed");
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("HTTP 401");
    expect(error.message).toContain("API key");
    expect(stub.tickets).toHaveLength(0);
  });

  it("reports an address Gorgias refuses as a permanent rejection naming the field", async () => {
    const error = await rejection(client().createTicket(handOff({ requester: { email: "not-an-email" } })));

    expect(error.code).toBe("helpdesk_rejected");
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("HTTP 400");
    expect(error.message).toContain("Not a valid email address: not-an-email");
  });

  it("reports a rate limit as retryable after Gorgias' Retry-After, then succeeds", async () => {
    stub.failNext(1, { status: 429, retryAfterSec: 5 });

    const error = await rejection(client().createTicket(handOff()));
    expect(error.code).toBe("helpdesk_rate_limited");
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(5000);

    await expect(client().createTicket(handOff())).resolves.toMatchObject({ externalId: "1001" });
  });

  it("reports server errors as retryable until they stop", async () => {
    stub.failNext(2, { status: 500 });

    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = await rejection(client().createTicket(handOff()));
      expect(error.code).toBe("helpdesk_unavailable");
      expect(error.retryable).toBe(true);
    }
    await expect(client().createTicket(handOff())).resolves.toMatchObject({ externalId: "1001" });
    expect(stub.requestCount).toBe(3);
  });

  it("reports a refused connection as a retryable network failure", async () => {
    const closedUrl = await urlOfAClosedPort();
    const error = await rejection(client({ baseUrl: closedUrl }).createTicket(handOff()));

    expect(error.code).toBe("helpdesk_network");
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(closedUrl);
  });
});

async function urlOfAClosedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
