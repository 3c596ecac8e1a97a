import type Router from "@koa/router";
import type { Database } from "../../db/client.js";
import { HttpError } from "../../http/errors.js";
import { livechatAccountByWidgetId } from "./accounts.js";
import { WEBCHAT_URL } from "./webchat-asset.js";

/**
 * `GET /livechat/{widgetId}/embed.js`: the one line a website adds to get the chat,
 * `<script src="https://parley.example/livechat/{widgetId}/embed.js" async></script>`.
 * It loads Web Chat from the same Parley, asks for a visitor token and renders the chat with a
 * header (widget title, "Powered by AI" while the AI answers). Inside an element with id
 * `parley-chat` the chat is drawn in place (the demo page does this); otherwise it opens from a
 * button in the corner. The header follows `channelData.parley` of incoming bot activities,
 * read through a Web Chat store middleware.
 */

const STYLE = `
.parley-chat{display:flex;flex-direction:column;height:100%;box-sizing:border-box;background:#fff;
  border:1px solid #d1d5db;border-radius:12px;overflow:hidden;font-family:system-ui,sans-serif}
.parley-chat__header{display:flex;align-items:center;justify-content:space-between;gap:8px;
  padding:12px 16px;background:#1f2937;color:#fff}
.parley-chat__title{font-weight:600;font-size:16px}
.parley-chat__badge{font-size:12px;padding:3px 10px;border-radius:999px;background:#4f46e5;white-space:nowrap}
.parley-chat__badge[hidden]{display:none}
.parley-chat__body{flex:1;min-height:0}
.parley-chat__panel{position:fixed;right:16px;bottom:88px;width:min(380px,calc(100vw - 32px));
  height:min(560px,calc(100vh - 120px));z-index:2147483000;box-shadow:0 12px 32px rgba(0,0,0,.2)}
.parley-chat__panel[hidden]{display:none}
.parley-chat__launcher{position:fixed;right:16px;bottom:16px;width:56px;height:56px;border:0;border-radius:50%;
  background:#4f46e5;color:#fff;font-size:26px;cursor:pointer;z-index:2147483000;box-shadow:0 6px 16px rgba(0,0,0,.25)}
`;

/** Browser code; plain ES2017 in a string, so no build step stands between it and the page. */
function embedScript(widgetId: string): string {
  const config = JSON.stringify({ widgetId, webchatUrl: WEBCHAT_URL, style: STYLE });
  return `(function () {
  "use strict";
  var config = ${config};
  var script = document.currentScript;
  var origin = new URL(script ? script.src : location.href, location.href).origin;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function loadWebChat() {
    if (window.WebChat) return Promise.resolve();
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = origin + config.webchatUrl;
      tag.onload = function () { resolve(); };
      tag.onerror = function () { reject(new Error("Web Chat could not be loaded")); };
      document.head.appendChild(tag);
    });
  }

  // The visitor's chat survives page changes: the last token is kept and offered back, and the
  // server shows the same chat again unless it has been closed meanwhile (then it starts afresh).
  var storageKey = "parley-chat:" + config.widgetId;
  function remembered() {
    try { return localStorage.getItem(storageKey) || undefined; } catch (e) { return undefined; }
  }
  function remember(token) {
    try { localStorage.setItem(storageKey, token); } catch (e) { /* private mode: chats start afresh */ }
  }

  function requestToken() {
    var previous = remembered();
    return fetch(origin + "/livechat/" + encodeURIComponent(config.widgetId) + "/token", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ locale: navigator.language, resume: previous ? { token: previous } : undefined })
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body && body.error ? body.error.message : "HTTP " + response.status);
        remember(body.token);
        return body;
      });
    });
  }

  function mount(container) {
    container.classList.add("parley-chat");
    var header = element("div", "parley-chat__header");
    var title = element("span", "parley-chat__title");
    var badge = element("span", "parley-chat__badge");
    badge.hidden = true;
    header.appendChild(title);
    header.appendChild(badge);
    var body = element("div", "parley-chat__body");
    container.appendChild(header);
    container.appendChild(body);

    function showHeader(state) {
      var who = state.assignee && state.assignee.name;
      if (who || state.title) title.textContent = who || state.title;
      badge.textContent = state.poweredByAiLabel || "";
      badge.hidden = !state.poweredByAi;
    }

    Promise.all([loadWebChat(), requestToken()]).then(function (results) {
      var grant = results[1];
      var WebChat = window.WebChat;
      showHeader(grant.header);
      var store = WebChat.createStore({}, function () {
        return function (next) {
          return function (action) {
            if (action.type === "DIRECT_LINE/INCOMING_ACTIVITY") {
              var activity = action.payload && action.payload.activity;
              var fromBot = activity && activity.from && activity.from.role === "bot";
              var parley = fromBot && activity.channelData && activity.channelData.parley;
              if (parley) showHeader(parley);
            }
            return next(action);
          };
        };
      });
      WebChat.renderWebChat({
        directLine: WebChat.createDirectLine({ token: grant.token, domain: origin + "/v3/directline" }),
        store: store,
        locale: navigator.language,
        styleOptions: { hideUploadButton: true }
      }, body);
    }).catch(function (error) {
      body.textContent = "The chat is not available right now.";
      console.error("Parley chat:", error);
    });
  }

  function floating() {
    var panel = element("div", "parley-chat__panel");
    panel.hidden = true;
    var launcher = element("button", "parley-chat__launcher", "\\u{1F4AC}");
    launcher.type = "button";
    launcher.setAttribute("aria-label", "Chat");
    var started = false;
    launcher.addEventListener("click", function () {
      panel.hidden = !panel.hidden;
      if (!started) {
        started = true;
        mount(panel);
      }
    });
    document.body.appendChild(panel);
    document.body.appendChild(launcher);
  }

  var style = document.createElement("style");
  style.textContent = config.style;
  document.head.appendChild(style);
  function start() {
    var inline = document.getElementById("parley-chat");
    if (inline) mount(inline);
    else floating();
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
`;
}

export function registerEmbedScriptRoute(router: Router, deps: { database: Database }): void {
  router.get("/livechat/:widgetId/embed.js", async (ctx) => {
    const widgetId = String(ctx.params.widgetId);
    if (!(await livechatAccountByWidgetId(deps.database, widgetId))) {
      throw new HttpError(404, "widget_not_found", "No live-chat widget has this id.");
    }
    ctx.type = "application/javascript; charset=utf-8";
    ctx.set("Cache-Control", "public, max-age=300");
    ctx.body = embedScript(widgetId);
  });
}
