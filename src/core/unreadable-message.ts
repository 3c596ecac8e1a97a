import type { AgentReply } from "./agent/types.js";
import { systemText } from "./texts.js";

/**
 * The channelData flag an adapter sets on a customer message the agent cannot read (a sticker,
 * a voice note, a shared contact, a type the platform itself calls unsupported). The message is
 * stored like any other, so it is kept and counted once, but it is answered without the LLM.
 */
export const UNREADABLE = "unreadable";

/** The fixed reply to an unreadable message, in the conversation's language; undefined for readable ones. */
export function unreadableMessageReply(
  channelData: Record<string, unknown>,
  language: string,
): AgentReply | undefined {
  if (channelData[UNREADABLE] !== true) return undefined;
  return { action: "answer", text: systemText("unsupportedMessage", language), citations: [] };
}
