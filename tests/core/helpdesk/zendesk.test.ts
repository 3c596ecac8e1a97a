import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HelpdeskError, type TicketRequest } from "../../../src/core/helpdesk/ticket.js";
import { zendeskClient } from "../../../src/core/helpdesk/zendesk.js";
import { ZendeskStub } from "../../helpers/zendesk-stub.js";

function handOff(overrides: Partial<TicketRequest> = {}): TicketRequest {
  return {
    subject: "Order #1001 has not arrived",
    transcript: [
      {
        at: new Date("2026-01-05T09:00:00Z"),
        author: "customer",
        authorName: "Jane",
        text: "Where is my order?",
      },
      {
        at: new Date("2026-01-05T09:00:30Z"),
        author: "agent",
        text: "It left our warehouse yesterday.\nTracking: 1Z999",
      },
      {
        at: new Date("2026-01-05T09:01:00Z"),
        author: "customer",
        authorName: "Jane",
        text: "I want a person.",
      },
    ],
    requester: { email: "jane@example.com", name: "Jane Doe" },
    contactId: "contact-42",
    conversationId: "conv-7",
    channel: "messenger",
    language: "en",
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

describe("creating Zendesk tickets", () => {
  let stub: ZendeskStub;
  let url: string;

  beforeEach(async () => {
    stub = new ZendeskStub({ email: "bot@acme.example", apiToken: "tok-123" });
    ({ url } = await stub.start());
  });
  afterEach(() => stub.stop());

  const client = (overrides: { apiToken?: string; baseUrl?: string } = {}) =>
    zendeskClient({
      baseUrl: overrides.baseUrl ?? url,
      email: "bot@acme.example",
      apiToken: overrides.apiToken ?? "tok-123",
    });

  it("files the timestamped transcript as an internal note, with the requester and the contact's id", async () => {
    const created = await client().createTicket(handOff());

    expect(created).toEqual({ provider: "zendesk", externalId: "1", url: `${url}/agent/tickets/1` });
    const [ticket] = stub.tickets;
    expect(ticket?.input.subject).toBe("Order #1001 has not arrived");
    expect(ticket?.input.requester).toEqual({ name: "Jane Doe", email: "jane@example.com" });
    expect(ticket?.input.external_id).toBe("conv-7");
    expect(ticket?.input.tags).toEqual(["parley", "parley_messenger"]);
    expect(ticket?.input.comment.public).toBe(false);
    const note = ticket?.input.comment.body ?? "";
    expect(note).toContain("Parley contact: contact-42");
    expect(note).toContain("Parley conversation: conv-7");
    expect(note).toContain(
      [
        "[2026-01-05 09:00 UTC] Customer (Jane): Where is my order?",
        "[2026-01-05 09:00 UTC] AI agent: It left our warehouse yesterday.",
        "    Tracking: 1Z999",
        "[2026-01-05 09:01 UTC] Customer (Jane): I want a person.",
      ].join("\n"),
    );
  });

  it("gives each ticket Zendesk's next id, and names a customer without a name by their address", async () => {
    await client().createTicket(handOff());
    const second = await client().createTicket(handOff({ requester: { email: "anon@example.com" } }));

    expect(second.externalId).toBe("2");
    expect(stub.tickets[1]?.input.requester).toEqual({ name: "anon@example.com", email: "anon@example.com" });
  });

  it("returns the first ticket when the same hand-off is sent twice with its idempotency key", async () => {
    const first = await client().createTicket(handOff({ idempotencyKey: "handoff-event-9" }));
    const again = await client().createTicket(handOff({ idempotencyKey: "handoff-event-9" }));

    expect(again).toEqual(first);
    expect(stub.tickets).toHaveLength(1);
    expect(stub.tickets[0]?.idempotencyKey).toBe("handoff-event-9");
  });

  it("reports wrong credentials as a permanent auth failure, quoting Zendesk", async () => {
    const error = await rejection(client({ apiToken: "wrong" }).createTicket(handOff()));

    expect(error.code).toBe("helpdesk_auth_failed");
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("Couldn't authenticate you");
    expect(error.message).toContain("API token");
    expect(stub.tickets).toHaveLength(0);
  });

  it("reports a requester Zendesk refuses as a permanent rejection naming the field", async () => {
    const error = await rejection(client().createTicket(handOff({ requester: { email: "not-an-email" } })));

    expect(error.code).toBe("helpdesk_rejected");
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(
      "RecordInvalid: Requester: Email: not-an-email is not properly formatted",
    );
  });

  it("reports a wrong base URL as a rejection that says to check it", async () => {
    const error = await rejection(client({ baseUrl: `${url}/support` }).createTicket(handOff()));

    expect(error.code).toBe("helpdesk_rejected");
    expect(error.message).toContain("check the base URL");
  });

  it("reports a rate limit as retryable after Zendesk's Retry-After, then succeeds", async () => {
    stub.failNext(1, { status: 429, retryAfterSec: 7 });

    const error = await rejection(client().createTicket(handOff()));
    expect(error.code).toBe("helpdesk_rate_limited");
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(7000);
    expect(error.message).toContain("APIRateLimitExceeded");

    await expect(client().createTicket(handOff())).resolves.toMatchObject({ externalId: "1" });
  });

  it("reports a server error as retryable, even when its body is an HTML page", async () => {
    stub.failNext(1, { status: 500 });

    const error = await rejection(client().createTicket(handOff()));
    expect(error.code).toBe("helpdesk_unavailable");
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("HTTP 500");
  });

  it("reports a token revoked mid-way as a permanent auth failure", async () => {
    stub.failNext(1, { status: 401 });

    const error = await rejection(client().createTicket(handOff()));
    expect(error.code).toBe("helpdesk_auth_failed");
    expect(error.retryable).toBe(false);
  });

  it("reports a refused connection as a retryable network failure", async () => {
    const closedUrl = await urlOfAClosedPort();
    const error = await rejection(client({ baseUrl: closedUrl }).createTicket(handOff()));

    expect(error.code).toBe("helpdesk_network");
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("reports no answer within the timeout as retryable, warning that the ticket may exist", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const slow = zendeskClient({
        baseUrl: `http://127.0.0.1:${port}`,
        email: "bot@acme.example",
        apiToken: "tok-123",
        timeoutMs: 200,
      });
      const error = await rejection(slow.createTicket(handOff()));
      expect(error.code).toBe("helpdesk_network");
      expect(error.retryable).toBe(true);
      expect(error.message).toContain("did not answer within 0.2 s");
      expect(error.message).toContain("may have been created");
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("passes the caller's abort on instead of classifying it", async () => {
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));

    await expect(client().createTicket(handOff(), controller.signal)).rejects.toThrow("shutting down");
    expect(stub.tickets).toHaveLength(0);
  });
});

async function urlOfAClosedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
