import { expect } from "vitest";

/** A visitor's live chat, opened over plain HTTP (the widget token endpoint and Direct Line). */
export interface LiveChat {
  token: string;
  conversationId: string;
}

/** Opens a chat in the demo widget and posts one question, as a browser would. */
export async function askOverLiveChat(url: string, text: string): Promise<LiveChat> {
  const tokenRes = await fetch(`${url}/livechat/demo/token`, { method: "POST" });
  expect(tokenRes.status).toBe(200);
  const { token, conversationId, userId } = (await tokenRes.json()) as Record<string, string>;
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const start = await fetch(`${url}/v3/directline/conversations`, {
    method: "POST",
    headers,
    body: JSON.stringify({ user: { id: userId }, locale: "en-US" }),
  });
  expect([200, 201]).toContain(start.status);
  const post = await fetch(`${url}/v3/directline/conversations/${conversationId}/activities`, {
    method: "POST",
    headers,
    body: JSON.stringify({
      type: "message",
      from: { id: userId, role: "user" },
      text,
      locale: "en-US",
      channelData: { clientActivityID: `ask-${Date.now()}` },
    }),
  });
  expect(post.status).toBe(200);
  return { token: token!, conversationId: conversationId! };
}

/** The bot's messages in the chat so far, the greeting left out. */
export async function botTexts(url: string, chat: LiveChat): Promise<string[]> {
  const res = await fetch(`${url}/v3/directline/conversations/${chat.conversationId}/activities`, {
    headers: { authorization: `Bearer ${chat.token}` },
  });
  const body = (await res.json()) as {
    activities: { type: string; id: string; text?: string; from: { role?: string } }[];
  };
  return body.activities
    .filter((a) => a.type === "message" && a.from.role === "bot" && !a.id.endsWith("|greeting"))
    .map((a) => a.text ?? "");
}
