import { expect } from "vitest";
import { waitFor } from "./wait.js";

export interface Activity {
  type: string;
  id: string;
  text?: string;
  from: { id: string; name?: string; role?: string };
  channelData?: { parley?: { poweredByAi: boolean; assignee: { name: string } | null } };
}

/** A website visitor on the demo widget, through Direct Line as Web Chat would talk. */
export class Visitor {
  private constructor(
    private readonly url: string,
    readonly grant: {
      token: string;
      conversationId: string;
      userId: string;
      resumed: boolean;
      header: { poweredByAi: boolean };
    },
  ) {}

  /** Opens the widget; `resume` is the token this browser kept from an earlier visit. */
  static async arrive(url: string, resume?: string): Promise<Visitor> {
    const res = await fetch(`${url}/livechat/demo/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ locale: "en-US", ...(resume ? { resume: { token: resume } } : {}) }),
    });
    const visitor = new Visitor(url, (await res.json()) as Visitor["grant"]);
    await fetch(`${url}/v3/directline/conversations`, { method: "POST", headers: visitor.headers() });
    return visitor;
  }

  headers() {
    return { authorization: `Bearer ${this.grant.token}`, "content-type": "application/json" };
  }

  async say(text: string): Promise<void> {
    const res = await fetch(
      `${this.url}/v3/directline/conversations/${this.grant.conversationId}/activities`,
      {
        method: "POST",
        headers: this.headers(),
        body: JSON.stringify({ type: "message", from: { id: this.grant.userId, role: "user" }, text }),
      },
    );
    expect(res.status).toBe(200);
  }

  async botMessages(): Promise<Activity[]> {
    const res = await fetch(
      `${this.url}/v3/directline/conversations/${this.grant.conversationId}/activities`,
      {
        headers: this.headers(),
      },
    );
    const body = (await res.json()) as { activities: Activity[] };
    return body.activities.filter(
      (a) => a.type === "message" && a.from.role === "bot" && !a.id.endsWith("|greeting"),
    );
  }

  async waitForBotMessages(count: number): Promise<Activity[]> {
    await waitFor(async () => (await this.botMessages()).length >= count, {
      message: `${count} bot messages`,
    });
    return this.botMessages();
  }
}
