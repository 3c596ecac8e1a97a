import type { AgentReply } from "../agent/types.js";
import { systemText } from "../texts.js";
import { extractEmail, parseYesNo } from "./customer-replies.js";
import { wantsHuman } from "./human-request.js";
import type { HandoffReason } from "./plan.js";
import { type HandoffSettings, pickLanguage } from "./settings.js";
import { matchTrigger } from "./triggers.js";

export type HandoffStep = "ask_wants_person" | "ask_email";

/** What the agent does with one customer message in a conversation it holds. */
export type Turn =
  | {
      kind: "reply";
      reply: AgentReply;
      /** Set when this reply is the agent's one request to rephrase. */
      askedToRephrase?: boolean | undefined;
      /** The helpdesk dialogue's next step; null ends it, undefined leaves it. */
      handoffStep?: HandoffStep | null | undefined;
    }
  | { kind: "handOff"; reason: HandoffReason; detail?: string | undefined }
  | { kind: "ticket"; email: string; reason: HandoffReason };

export interface TurnInput {
  text: string;
  language: string;
  settings: HandoffSettings;
  conversation: { rephraseRequestedAt: Date | null; handoffStep: HandoffStep | null };
  contactEmail: string | null;
  /** Asks the agent for its answer (retrieval and the LLM): only called when it is needed. */
  compose: () => Promise<AgentReply>;
}

const said = (text: string): AgentReply => ({ action: "answer", text, citations: [] });

/**
 * The hand-off rules, in order: a helpdesk dialogue under way continues; a trigger word or an
 * explicit request for a person hands off at once; otherwise the agent answers, and when it
 * cannot, the agent's "when I cannot answer" setting decides — transfer (after asking to
 * rephrase once), stay assigned, offer a ticket, or send the custom message.
 *
 * An explicit request always reaches people, whichever setting is chosen for unanswerable
 * questions: "stay assigned" is about what the agent does when it is stuck, not a way to refuse
 * a customer who asks for a person. (In ticket mode it becomes a ticket; in custom-message mode
 * the custom message is the business's chosen path to people.)
 */
export async function decideTurn(input: TurnInput): Promise<Turn> {
  const { language, settings } = input;
  const step = input.conversation.handoffStep;
  let endsDialogue = false;

  if (step === "ask_wants_person") {
    const answer = parseYesNo(input.text, language);
    if (answer === "yes") return ticketOrAskEmail(input, "helpdesk_ticket");
    if (answer === "no")
      return { kind: "reply", reply: said(systemText("helpdeskDeclined", language)), handoffStep: null };
    // Neither: the customer moved on; the offer lapses and the message is answered as usual.
    endsDialogue = true;
  } else if (step === "ask_email") {
    const email = extractEmail(input.text);
    if (email) return { kind: "ticket", email, reason: "helpdesk_ticket" };
    if (parseYesNo(input.text, language) === "no") {
      return { kind: "reply", reply: said(systemText("helpdeskDeclined", language)), handoffStep: null };
    }
    return {
      kind: "reply",
      reply: said(systemText("helpdeskEmailInvalid", language)),
      handoffStep: "ask_email",
    };
  }

  const trigger = matchTrigger(input.text, language, settings.triggers);
  if (trigger) return explicitRequest(input, "trigger", trigger.matched);
  if (settings.recognizeHumanRequests && wantsHuman(input.text, language)) {
    return explicitRequest(input, "customer_asked");
  }

  const reply = await input.compose();
  const dialogue = endsDialogue ? { handoffStep: null } : {};
  const cannotAnswer =
    reply.action === "handoff" || (reply.action === "clarify" && reply.reason === "no_match");
  if (!cannotAnswer || reply.failed) return { kind: "reply", reply, ...dialogue };

  switch (settings.whenAgentCannotAnswer) {
    case "transfer":
      if (input.conversation.rephraseRequestedAt === null) {
        const text =
          reply.action === "handoff" || !reply.text.trim() ? systemText("rephrase", language) : reply.text;
        return { kind: "reply", reply: { ...reply, text }, askedToRephrase: true, ...dialogue };
      }
      return { kind: "handOff", reason: "agent_cannot_answer", detail: reply.reason };
    case "stay_assigned": {
      const text =
        pickLanguage(settings.handoffUnavailableMessage, language) ??
        systemText("handoffUnavailable", language);
      return { kind: "reply", reply: said(text), ...dialogue };
    }
    case "helpdesk_ticket":
      return {
        kind: "reply",
        reply: said(systemText("helpdeskOffer", language)),
        handoffStep: "ask_wants_person",
      };
    case "custom_message":
      return { kind: "reply", reply: said(customMessage(settings, language)), ...dialogue };
  }
}

function explicitRequest(input: TurnInput, reason: HandoffReason, detail?: string): Turn {
  switch (input.settings.whenAgentCannotAnswer) {
    case "helpdesk_ticket":
      return ticketOrAskEmail(input, reason);
    case "custom_message":
      return { kind: "reply", reply: said(customMessage(input.settings, input.language)) };
    default:
      return { kind: "handOff", reason, detail };
  }
}

function ticketOrAskEmail(input: TurnInput, reason: HandoffReason): Turn {
  if (input.contactEmail) return { kind: "ticket", email: input.contactEmail, reason };
  return {
    kind: "reply",
    reply: said(systemText("helpdeskAskEmail", input.language)),
    handoffStep: "ask_email",
  };
}

/** Without a configured message the agent still must not leave the customer with nothing. */
function customMessage(settings: HandoffSettings, language: string): string {
  return pickLanguage(settings.customMessage, language) ?? systemText("handoffUnavailable", language);
}
