import {
  addNote,
  assignConversation,
  claimConversation,
  closeByPerson,
  handBackToAgent,
  InboxError,
  listNotes,
  type Note,
  replyAsPerson,
} from "../../core/inbox.js";
import { badRequest, HttpError } from "../errors.js";
import type { AdminDeps } from "./deps.js";
import { type AdminRoute, defineRoute } from "./route.js";
import {
  assignSchema,
  claimSchema,
  closeSchema,
  noteCreateSchema,
  noteListSchema,
  noteSchema,
  personReplySchema,
  postedMessageSchema,
} from "./schemas/inbox.js";

const ids = { conversationId: "conversation" };

const noteJson = (note: Note) => ({ ...note, createdAt: note.createdAt.toISOString() });

/** Who is acting: the token's person, or — for a workspace token — the person it names. */
function actingUser(tokenUser: string | null, named: string | undefined): string {
  const userId = tokenUser ?? named;
  if (!userId) {
    throw badRequest("userId: say which person is acting (a person's own token says it by itself).");
  }
  if (tokenUser && named && named !== tokenUser) {
    throw new HttpError(403, "forbidden", "A person's token acts for that person only.");
  }
  return userId;
}

async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof InboxError) {
      if (err.code === "not_found") throw new HttpError(404, "not_found", err.message);
      throw new HttpError(409, "conflict", err.message);
    }
    throw err;
  }
}

/** The human inbox: people claim, assign, answer, note, close and hand back conversations. */
export function inboxRoutes({ database, clock, adapters, metrics }: AdminDeps): AdminRoute[] {
  const deps = { database, clock, adapters, metrics };
  const tag = "Inbox";
  const empty = async () => undefined;
  return [
    defineRoute({
      method: "post",
      path: "/conversations/:conversationId/claim",
      operationId: "claimConversation",
      tag,
      summary: "Take a conversation",
      description:
        "From the queue, a team or the AI agent (which then stays silent: a reply it is still " +
        "composing is dropped). Held by another person: 409, assign it instead.",
      ids,
      body: claimSchema,
      status: 204,
      errors: [409],
      responseDescription: "Claimed.",
      async handle({ workspaceId, ids, body, userId }) {
        const user = actingUser(userId, body.userId);
        await mapped(() =>
          claimConversation(deps, { workspaceId, conversationId: ids.conversationId, userId: user }),
        );
        return empty();
      },
    }),
    defineRoute({
      method: "post",
      path: "/conversations/:conversationId/assign",
      operationId: "assignConversation",
      tag,
      summary: "Assign a conversation to a person, a team or the queue",
      ids,
      body: assignSchema,
      status: 204,
      errors: [409],
      responseDescription: "Assigned.",
      async handle({ workspaceId, ids, body }) {
        await mapped(() =>
          assignConversation(deps, { workspaceId, conversationId: ids.conversationId, to: body.to }),
        );
        return empty();
      },
    }),
    defineRoute({
      method: "post",
      path: "/conversations/:conversationId/messages",
      operationId: "replyToConversation",
      tag,
      summary: "Answer the customer",
      description:
        "Delivered through the customer's own channel, with its rules (reply windows, message " +
        "tags). Answering a conversation you do not hold yet claims it.",
      ids,
      body: personReplySchema,
      status: 201,
      errors: [409],
      response: postedMessageSchema,
      responseDescription: "The message, queued for delivery (see its deliveryState).",
      async handle({ workspaceId, ids, body, userId }) {
        const user = actingUser(userId, body.userId);
        return mapped(() =>
          replyAsPerson(deps, {
            workspaceId,
            conversationId: ids.conversationId,
            userId: user,
            text: body.text,
          }),
        );
      },
    }),
    defineRoute({
      method: "get",
      path: "/conversations/:conversationId/notes",
      operationId: "listNotes",
      tag,
      summary: "A conversation's internal notes",
      description: "Oldest first. Notes are for the team and never reach the customer.",
      ids,
      status: 200,
      response: noteListSchema,
      responseDescription: "The notes.",
      async handle({ workspaceId, ids }) {
        const notes = await mapped(() =>
          listNotes(deps, { workspaceId, conversationId: ids.conversationId }),
        );
        return { data: notes.map(noteJson) };
      },
    }),
    defineRoute({
      method: "post",
      path: "/conversations/:conversationId/notes",
      operationId: "addNote",
      tag,
      summary: "Add an internal note",
      ids,
      body: noteCreateSchema,
      status: 201,
      response: noteSchema,
      responseDescription: "The note.",
      async handle({ workspaceId, ids, body, userId }) {
        const note = await mapped(() =>
          addNote(deps, {
            workspaceId,
            conversationId: ids.conversationId,
            userId: userId ?? body.userId ?? null,
            text: body.text,
          }),
        );
        return noteJson(note);
      },
    }),
    defineRoute({
      method: "post",
      path: "/conversations/:conversationId/close",
      operationId: "closeConversation",
      tag,
      summary: "Close a conversation",
      description:
        "A later message from the customer starts a new conversation (or reopens an email thread).",
      ids,
      body: closeSchema,
      status: 204,
      responseDescription: "Closed (closing a closed conversation changes nothing).",
      async handle({ workspaceId, ids, body, userId }) {
        await mapped(() =>
          closeByPerson(deps, {
            workspaceId,
            conversationId: ids.conversationId,
            userId: userId ?? body.userId ?? null,
          }),
        );
        return empty();
      },
    }),
    defineRoute({
      method: "post",
      path: "/conversations/:conversationId/hand-back",
      operationId: "handBackToAgent",
      tag,
      summary: "Hand a conversation back to the AI agent",
      description: "The agent answers the customer's next message. 409 if the conversation has no agent.",
      ids,
      status: 204,
      errors: [409],
      responseDescription: "Handed back.",
      async handle({ workspaceId, ids }) {
        await mapped(() => handBackToAgent(deps, { workspaceId, conversationId: ids.conversationId }));
        return empty();
      },
    }),
  ];
}
