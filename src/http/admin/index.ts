import Router from "@koa/router";
import { agentRoutes } from "./agents.js";
import { type AdminState, requireWorkspace } from "./auth.js";
import { channelAccountRoutes } from "./channel-accounts.js";
import { conversationRoutes } from "./conversations.js";
import { creditRoutes } from "./credits.js";
import type { AdminDeps } from "./deps.js";
import { handoffSettingsRoutes } from "./handoff-settings.js";
import { inboxRoutes } from "./inbox.js";
import { knowledgeArticleRoutes } from "./knowledge-articles.js";
import { ADMIN_API_PREFIX, OPENAPI_PATH, openApiDocument } from "./openapi.js";
import { peopleRoutes } from "./people.js";
import { shortAnswerRoutes } from "./short-answers.js";
import { skippedMessageRoutes } from "./skipped-messages.js";

export type { AdminDeps } from "./deps.js";

/** The admin API at /api/v1: every route needs a workspace's bearer token, except its OpenAPI document. */
export function createAdminRouter(deps: AdminDeps): Router {
  const routes = [
    ...agentRoutes(deps),
    ...shortAnswerRoutes(deps),
    ...knowledgeArticleRoutes(deps),
    ...channelAccountRoutes(deps),
    ...skippedMessageRoutes(deps),
    ...conversationRoutes(deps),
    ...creditRoutes(deps),
    ...inboxRoutes(deps),
    ...handoffSettingsRoutes(deps),
    ...peopleRoutes(deps),
  ];
  const document = openApiDocument(routes, deps.config.publicUrl);
  const router = new Router<AdminState>({ prefix: ADMIN_API_PREFIX });
  router.get(OPENAPI_PATH, (ctx) => {
    ctx.body = document;
  });
  const authenticated = requireWorkspace(deps.database);
  for (const route of routes) router[route.method](route.path, authenticated, route.handler);
  return router;
}
