import type Router from "@koa/router";
import { DEMO_WIDGET_ID } from "../../core/bootstrap.js";
import type { Database } from "../../db/client.js";
import { livechatAccountByWidgetId } from "./accounts.js";

/**
 * `GET /`: with the demo seeded, a page with the live chat on it, so a fresh install can be tried
 * in a browser at once. It embeds the `demo` widget exactly as a customer's website would.
 * Without a `demo` widget (an operator's own database) it says where to start instead.
 */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function demoPage(title: string): string {
  const name = escapeHtml(title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name} · Parley live chat demo</title>
<style>
  body { margin: 0; font-family: system-ui, sans-serif; background: #f3f4f6; color: #111827; }
  main { max-width: 1100px; margin: 0 auto; padding: 32px 16px; display: grid; gap: 32px;
         grid-template-columns: minmax(0, 1fr) minmax(320px, 420px); }
  @media (max-width: 800px) { main { grid-template-columns: 1fr; } }
  h1 { margin-top: 0; }
  code { background: #e5e7eb; padding: 2px 4px; border-radius: 4px; word-break: break-all; }
  #parley-chat { height: 640px; }
</style>
</head>
<body>
<main>
  <section>
    <h1>${name}</h1>
    <p>This page is served by Parley. The chat is Microsoft's Web Chat, talking to Parley over
      Direct Line 3.0; the AI agent answers from the demo shop's short answers, in your browser's
      language, and names its source.</p>
    <p>Try: <em>What are your opening hours?</em></p>
    <p>Put the same chat on your own website with one line:<br>
      <code>&lt;script src="<span id="origin"></span>/livechat/${escapeHtml(DEMO_WIDGET_ID)}/embed.js" async&gt;&lt;/script&gt;</code></p>
  </section>
  <div id="parley-chat"></div>
</main>
<script>document.getElementById("origin").textContent = location.origin;</script>
<script src="/livechat/${encodeURIComponent(DEMO_WIDGET_ID)}/embed.js"></script>
</body>
</html>
`;
}

const NO_DEMO_PAGE = `Parley is running.

There is no demo chat widget in this database. Create workspaces, agents and chat widgets through
the admin API (/api/v1, described at /api/v1/openapi.json); the README explains the first steps.
`;

export function registerDemoPageRoute(router: Router, deps: { database: Database }): void {
  router.get("/", async (ctx) => {
    const demo = await livechatAccountByWidgetId(deps.database, DEMO_WIDGET_ID);
    ctx.set("Cache-Control", "no-store");
    if (!demo) {
      ctx.type = "text/plain; charset=utf-8";
      ctx.body = NO_DEMO_PAGE;
      return;
    }
    ctx.type = "text/html; charset=utf-8";
    ctx.body = demoPage(demo.settings.title);
  });
}
