import { and, asc, eq, gt } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { systemText } from "../../core/texts.js";
import { UNREADABLE } from "../../core/unreadable-message.js";
import type { Database } from "../../db/client.js";
import { type Attachment, type Citation, channelThreads, messages } from "../../db/schema.js";
import type { DirectLineConversation } from "./auth.js";
import { type HeaderState, type HeaderView, headerState, headerView } from "./header.js";
import { activityId, greetingActivityId } from "./ids.js";

/**
 * For live chat the database is the activity log: every message of the conversation's thread,
 * in both directions, is an activity, in `seq` order. Nothing is kept in memory, so any replica
 * can answer any client and a reconnecting client resumes exactly where its watermark says.
 */

export interface ActivityAttachment {
  contentType: string;
  contentUrl?: string;
  name?: string;
}

export interface Activity {
  type: "message";
  id: string;
  timestamp: string;
  channelId: "directline";
  from: { id: string; name?: string; role: "user" | "bot" };
  conversation: { id: string };
  text: string;
  textFormat?: "plain" | "markdown";
  locale?: string;
  replyToId?: string;
  attachments: ActivityAttachment[];
  channelData?: Record<string, unknown>;
}

export interface ActivitySet {
  activities: Activity[];
  watermark: string;
}

/** What Parley adds to every bot activity, so a page can keep its header in step. */
export interface ParleyChannelData extends HeaderView {
  citations: Citation[];
}

/** The most activities one read returns; a client with more to catch up reads again from the watermark. */
const PAGE_SIZE = 100;

export const BOT_ID = "parley-agent";

export interface ReadOptions {
  /** The last `seq` the client has; undefined reads from the start (and includes the greeting). */
  after: number | undefined;
  now: Date;
}

export interface ActivityPage {
  set: ActivitySet;
  /** True when the page is full and more activities may follow the watermark. */
  more: boolean;
}

export async function readActivityPage(
  database: Database,
  conversation: DirectLineConversation,
  { after, now }: ReadOptions,
): Promise<ActivityPage> {
  const replied = alias(messages, "replied");
  const rows = await database.db
    .select({ message: messages, repliedSeq: replied.seq })
    .from(messages)
    .innerJoin(channelThreads, eq(channelThreads.id, messages.threadId))
    .leftJoin(replied, eq(replied.id, messages.inReplyToId))
    .where(
      and(
        eq(channelThreads.channelAccountId, conversation.account.id),
        eq(channelThreads.threadKey, conversation.conversationId),
        gt(messages.seq, after ?? 0),
      ),
    )
    .orderBy(asc(messages.seq))
    .limit(PAGE_SIZE);

  const wantsGreeting = after === undefined;
  const needsHeader = wantsGreeting || rows.some((r) => r.message.direction === "out");
  const header = needsHeader
    ? await headerState(database, conversation.account, conversation.conversationId)
    : undefined;

  const activities: Activity[] = [];
  if (wantsGreeting && header) {
    const first = rows[0]?.message.createdAt;
    // Placed just before the first real activity, so clients that order by time keep it on top.
    const at = first ? new Date(first.getTime() - 1) : now;
    const greeting = greetingActivity(conversation, header, at);
    if (greeting) activities.push(greeting);
  }
  for (const { message, repliedSeq } of rows) {
    activities.push(
      message.direction === "in"
        ? inboundActivity(conversation, message)
        : outboundActivity(conversation, message, repliedSeq, header as HeaderState),
    );
  }
  const lastSeq = rows.at(-1)?.message.seq ?? after ?? 0;
  return { set: { activities, watermark: String(lastSeq) }, more: rows.length === PAGE_SIZE };
}

type MessageRow = typeof messages.$inferSelect;

function base(conversation: DirectLineConversation, id: string, at: Date) {
  return {
    type: "message" as const,
    id,
    timestamp: at.toISOString(),
    channelId: "directline" as const,
    conversation: { id: conversation.conversationId },
  };
}

function renderAttachments(attachments: Attachment[]): ActivityAttachment[] {
  return attachments.map((a) => ({
    contentType: a.contentType,
    ...(a.url ? { contentUrl: a.url } : {}),
    ...(a.name ? { name: a.name } : {}),
  }));
}

/**
 * The visitor's own message, echoed with its id and the channelData it was posted with (Web Chat
 * waits for this); only our own mark for file-only messages is taken off again.
 */
function inboundActivity(conversation: DirectLineConversation, message: MessageRow): Activity {
  const name = message.senderHints.name;
  const locale = message.senderHints.messageLocale;
  const { [UNREADABLE]: _ours, ...channelData } = message.channelData;
  return {
    ...base(conversation, activityId(conversation.conversationId, message.seq), message.createdAt),
    from: { id: message.authorId ?? conversation.userId, ...(name ? { name } : {}), role: "user" },
    text: message.text,
    ...(locale ? { locale } : {}),
    attachments: renderAttachments(message.attachments),
    ...(Object.keys(channelData).length > 0 ? { channelData } : {}),
  };
}

function parleyChannelData(
  conversation: DirectLineConversation,
  header: HeaderState,
  language: string | undefined,
  citations: Citation[],
): { parley: ParleyChannelData } {
  return { parley: { ...headerView(conversation.account, header, language), citations } };
}

function outboundActivity(
  conversation: DirectLineConversation,
  message: MessageRow,
  repliedSeq: number | null,
  header: HeaderState,
): Activity {
  const language = message.language ?? header.language ?? conversation.locale;
  const name =
    message.authorKind === "agent"
      ? (header.agentName ?? conversation.account.settings.title)
      : message.authorKind === "user" && header.assignee
        ? header.assignee.name
        : conversation.account.settings.title;
  return {
    ...base(conversation, activityId(conversation.conversationId, message.seq), message.createdAt),
    from: { id: message.authorKind === "agent" ? BOT_ID : `parley-${message.authorKind}`, name, role: "bot" },
    text: asMarkdown(message.text),
    textFormat: "markdown",
    ...(language ? { locale: language } : {}),
    ...(repliedSeq !== null ? { replyToId: activityId(conversation.conversationId, repliedSeq) } : {}),
    attachments: renderAttachments(message.attachments),
    channelData: parleyChannelData(conversation, header, language, message.citations),
  };
}

/**
 * The agent introduces itself to a client reading from the start. It is not stored: it has no
 * seq, so it never moves a watermark, and it is only said while an AI agent would answer.
 */
function greetingActivity(
  conversation: DirectLineConversation,
  header: HeaderState,
  at: Date,
): Activity | undefined {
  if (!header.poweredByAi || !header.agentName) return undefined;
  const language = header.language ?? conversation.locale;
  return {
    ...base(conversation, greetingActivityId(conversation.conversationId), at),
    from: { id: BOT_ID, name: header.agentName, role: "bot" },
    text: systemText("greeting", language, { agentName: header.agentName }),
    textFormat: "plain",
    ...(language ? { locale: language } : {}),
    attachments: [],
    channelData: parleyChannelData(conversation, header, language, []),
  };
}

/**
 * Stored texts are plain. Web Chat renders plain text's blank lines as tall gaps, so replies go
 * out as Markdown with every character that Markdown would read as formatting escaped: the
 * customer sees exactly the text, in paragraphs, with its source URLs made into links.
 */
export function asMarkdown(plain: string): string {
  return plain
    .replace(/[\\`*_[\]<>#~|]/g, "\\$&")
    .replace(/^(\s*)(\d+)\.(\s)/gm, "$1$2\\.$3")
    .replace(/^(\s*)([-+])(\s)/gm, "$1\\$2$3")
    .replace(/\n(?!\n)/g, "  \n");
}
