import { and, eq } from "drizzle-orm";
import { recordAudit } from "../../core/audit.js";
import { type HandoffSettings, readHandoffSettings } from "../../core/handoff/settings.js";
import { agents, teams, workspaces } from "../../db/schema.js";
import { badRequest, notFound } from "../errors.js";
import type { AdminDeps } from "./deps.js";
import { type AdminRoute, defineRoute } from "./route.js";
import {
  availabilitySettingsPutSchema,
  availabilitySettingsSchema,
  handoffSettingsPutSchema,
  handoffSettingsViewSchema,
  teamHoursPutSchema,
  teamHoursSchema,
} from "./schemas/handoff.js";

/** Settings as admins see them: help-desk secrets are sealed at rest and never shown. */
function view(settings: HandoffSettings) {
  const { helpdesk } = settings;
  return {
    ...settings,
    helpdesk:
      helpdesk?.provider === "zendesk"
        ? {
            provider: "zendesk" as const,
            baseUrl: helpdesk.baseUrl,
            email: helpdesk.email,
            apiTokenConfigured: true,
          }
        : helpdesk?.provider === "gorgias"
          ? {
              provider: "gorgias" as const,
              baseUrl: helpdesk.baseUrl,
              username: helpdesk.username,
              apiKeyConfigured: true,
            }
          : helpdesk,
  };
}

export function handoffSettingsRoutes({ database, clock, secrets }: AdminDeps): AdminRoute[] {
  const { db } = database;
  const ids = { agentId: "agent" };
  return [
    defineRoute({
      method: "get",
      path: "/agents/:agentId/handoff",
      operationId: "getHandoffSettings",
      tag: "Hand-off",
      summary: "An agent's hand-off settings",
      ids,
      status: 200,
      response: handoffSettingsViewSchema,
      responseDescription: "Triggers, routing, what happens when the agent cannot answer, help desk.",
      async handle({ workspaceId, ids }) {
        const [row] = await db
          .select({ handoff: agents.handoff })
          .from(agents)
          .where(and(eq(agents.id, ids.agentId), eq(agents.workspaceId, workspaceId)));
        if (!row) throw notFound("agent");
        return view(readHandoffSettings(row.handoff));
      },
    }),
    defineRoute({
      method: "put",
      path: "/agents/:agentId/handoff",
      operationId: "setHandoffSettings",
      tag: "Hand-off",
      summary: "Set an agent's hand-off settings",
      description:
        "Replaces them whole. Help-desk secrets (`apiToken`, `apiKey`) are sealed at rest; leave them " +
        "out to keep the stored ones for the same help desk.",
      ids,
      body: handoffSettingsPutSchema,
      status: 200,
      response: handoffSettingsViewSchema,
      responseDescription: "The settings as stored.",
      async handle({ workspaceId, actor, ids, body }) {
        return db.transaction(async (tx) => {
          const [row] = await tx
            .select({ handoff: agents.handoff })
            .from(agents)
            .where(and(eq(agents.id, ids.agentId), eq(agents.workspaceId, workspaceId)))
            .for("update");
          if (!row) throw notFound("agent");
          const stored = readHandoffSettings(row.handoff).helpdesk;
          const input = body.helpdesk;
          let helpdesk: HandoffSettings["helpdesk"] = null;
          if (input?.provider === "builtin") helpdesk = input;
          if (input?.provider === "zendesk") {
            const kept = stored?.provider === "zendesk" ? stored.apiToken : undefined;
            const apiToken = input.apiToken ? secrets.seal(input.apiToken) : kept;
            if (!apiToken) throw badRequest("helpdesk.apiToken: required for a new Zendesk connection.");
            helpdesk = { ...input, apiToken };
          }
          if (input?.provider === "gorgias") {
            const kept = stored?.provider === "gorgias" ? stored.apiKey : undefined;
            const apiKey = input.apiKey ? secrets.seal(input.apiKey) : kept;
            if (!apiKey) throw badRequest("helpdesk.apiKey: required for a new Gorgias connection.");
            helpdesk = { ...input, apiKey };
          }
          const settings: HandoffSettings = { ...body, helpdesk };
          const now = clock.now();
          await tx
            .update(agents)
            .set({ handoff: settings, updatedAt: now })
            .where(eq(agents.id, ids.agentId));
          await recordAudit(tx, {
            workspaceId,
            actor,
            action: "agent.handoff_changed",
            subjectType: "agent",
            subjectId: ids.agentId,
            details: { ...view(settings) },
            now,
          });
          return view(settings);
        });
      },
    }),
    defineRoute({
      method: "get",
      path: "/availability",
      operationId: "getAvailability",
      tag: "Hand-off",
      summary: "Business hours and availability messages",
      status: 200,
      response: availabilitySettingsSchema,
      responseDescription: "The workspace's business hours and its messages per state and language.",
      async handle({ workspaceId }) {
        const [row] = await db
          .select({ businessHours: workspaces.businessHours, messages: workspaces.availabilityMessages })
          .from(workspaces)
          .where(eq(workspaces.id, workspaceId));
        if (!row) throw notFound("workspace");
        return availabilitySettingsSchema.parse(row);
      },
    }),
    defineRoute({
      method: "put",
      path: "/availability",
      operationId: "setAvailability",
      tag: "Hand-off",
      summary: "Set business hours and availability messages",
      body: availabilitySettingsPutSchema,
      status: 200,
      response: availabilitySettingsSchema,
      responseDescription: "As stored.",
      async handle({ workspaceId, actor, body }) {
        const now = clock.now();
        await db.transaction(async (tx) => {
          await tx
            .update(workspaces)
            .set({ businessHours: body.businessHours, availabilityMessages: body.messages })
            .where(eq(workspaces.id, workspaceId));
          await recordAudit(tx, {
            workspaceId,
            actor,
            action: "availability.changed",
            subjectType: "workspace",
            subjectId: workspaceId,
            details: body,
            now,
          });
        });
        return body;
      },
    }),
    defineRoute({
      method: "put",
      path: "/teams/:teamId/business-hours",
      operationId: "setTeamBusinessHours",
      tag: "Hand-off",
      summary: "Set a team's own business hours",
      description: "Used when hand-offs route to this team alone; null: the workspace's hours apply.",
      ids: { teamId: "team" },
      body: teamHoursPutSchema,
      status: 200,
      response: teamHoursSchema,
      responseDescription: "As stored.",
      async handle({ workspaceId, ids, body }) {
        const [row] = await db
          .update(teams)
          .set({ businessHours: body.businessHours })
          .where(and(eq(teams.id, ids.teamId), eq(teams.workspaceId, workspaceId)))
          .returning({ id: teams.id });
        if (!row) throw notFound("team");
        return { teamId: row.id, businessHours: body.businessHours };
      },
    }),
  ];
}
