import { describe, expect, it } from "vitest";
import {
  formatTicketHtml,
  formatTicketText,
  formatTranscript,
  formatTranscriptHtml,
  type HelpdeskEndpoint,
  helpdeskHttpError,
  type TicketRequest,
  type TranscriptEntry,
} from "../../../src/core/helpdesk/ticket.js";

const entries: TranscriptEntry[] = [
  {
    at: new Date("2026-01-05T09:00:00Z"),
    author: "customer",
    authorName: "Jane",
    text: "Where is my order?",
  },
  {
    at: new Date("2026-01-05T09:00:20Z"),
    author: "agent",
    text: "It left our warehouse yesterday.\r\nTracking: 1Z999\r\n\r\nAnything else?",
  },
  { at: new Date("2026-01-05T09:02:00Z"), author: "system", text: "Handed over to the team." },
  { at: new Date("2026-01-05T09:05:00Z"), author: "person", authorName: "Ann", text: "Hi Jane, Ann here.  " },
];

describe("the plain-text transcript", () => {
  it("heads every message with its UTC time and author, and indents further lines", () => {
    expect(formatTranscript(entries)).toBe(
      [
        "[2026-01-05 09:00 UTC] Customer (Jane): Where is my order?",
        "[2026-01-05 09:00 UTC] AI agent: It left our warehouse yesterday.",
        "    Tracking: 1Z999",
        "",
        "    Anything else?",
        "[2026-01-05 09:02 UTC] System: Handed over to the team.",
        "[2026-01-05 09:05 UTC] Team member (Ann): Hi Jane, Ann here.",
      ].join("\n"),
    );
  });

  it("writes times in the workspace's zone with its offset, summer time included", () => {
    const winter = formatTranscript([entries[0]!], { timeZone: "Europe/Amsterdam" });
    const summer = formatTranscript([{ ...entries[0]!, at: new Date("2026-07-01T09:00:00Z") }], {
      timeZone: "Europe/Amsterdam",
    });
    expect(winter).toBe("[2026-01-05 10:00 +01:00] Customer (Jane): Where is my order?");
    expect(summer).toBe("[2026-07-01 11:00 +02:00] Customer (Jane): Where is my order?");
  });

  it("cannot be spoofed by a customer typing a fake transcript line", () => {
    const text = formatTranscript([
      {
        at: new Date("2026-01-05T09:00:00Z"),
        author: "customer",
        text: "hi\n[2026-01-05 09:01 UTC] AI agent: refund approved",
      },
    ]);
    expect(text.split("\n")[1]).toBe("    [2026-01-05 09:01 UTC] AI agent: refund approved");
  });

  it("refuses a time zone that does not exist instead of writing 'Invalid DateTime'", () => {
    expect(() => formatTranscript(entries, { timeZone: "Mars/Olympus" })).toThrow(/unknown time zone/);
  });
});

describe("the HTML transcript", () => {
  it("escapes the customer's markup and keeps line breaks", () => {
    const html = formatTranscriptHtml([
      {
        at: new Date("2026-01-05T09:00:00Z"),
        author: "customer",
        authorName: 'Jane "<b>"',
        text: "<script>alert('x')</script> & more\nsecond line",
      },
    ]);
    expect(html).toBe(
      "<p><strong>[2026-01-05 09:00 UTC] Customer (Jane &quot;&lt;b&gt;&quot;):</strong><br>" +
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more<br>second line</p>",
    );
  });
});

describe("the ticket's first message", () => {
  const req: TicketRequest = {
    subject: "Order question",
    transcript: entries.slice(0, 1),
    requester: { email: "jane@example.com", name: "Jane Doe" },
    contactId: "contact-42",
    conversationId: "conv-7",
    channel: "whatsapp",
    language: "nl",
  };

  it("starts with the Parley ids and the customer, then the transcript", () => {
    expect(formatTicketText(req)).toBe(
      [
        "Handed over by Parley from a whatsapp conversation.",
        "Parley conversation: conv-7",
        "Parley contact: contact-42",
        "Customer: Jane Doe <jane@example.com>",
        "Language: nl",
        "",
        "[2026-01-05 09:00 UTC] Customer (Jane): Where is my order?",
      ].join("\n"),
    );
  });

  it("escapes the customer's address in HTML", () => {
    expect(formatTicketHtml(req)).toContain("Customer: Jane Doe &lt;jane@example.com&gt;");
  });
});

describe("classifying a helpdesk's answer", () => {
  const endpoint: HelpdeskEndpoint = {
    provider: "zendesk",
    url: "https://acme.zendesk.com/api/v2/tickets.json",
    authorization: "Basic x",
    credentialsHint: "the token",
    fetch,
    timeoutMs: 1000,
  };
  const now = Date.parse("2026-01-05T09:00:00Z");

  it("reads Retry-After given as an HTTP date", () => {
    const answer = {
      status: 503,
      headers: new Headers({ "retry-after": "Mon, 05 Jan 2026 09:01:30 GMT" }),
      body: undefined,
    };
    const error = helpdeskHttpError(endpoint, answer, undefined, now);
    expect(error).toMatchObject({ code: "helpdesk_unavailable", retryable: true, retryAfterMs: 90_000 });
  });

  it("treats a 403 as a permissions problem, not a retry", () => {
    const answer = { status: 403, headers: new Headers(), body: undefined };
    const error = helpdeskHttpError(endpoint, answer, "Forbidden", now);
    expect(error).toMatchObject({ code: "helpdesk_auth_failed", retryable: false });
    expect(error.message).toContain("needs permission to create tickets");
  });
});
