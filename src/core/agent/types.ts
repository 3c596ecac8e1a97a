import type { AGENT_PERSONALITIES, AGENT_ROLES, Citation } from "../../db/schema.js";

/** What the agent needs to know about itself to answer in character. */
export interface AgentProfile {
  id: string;
  workspaceId: string;
  name: string;
  role: (typeof AGENT_ROLES)[number];
  personality: (typeof AGENT_PERSONALITIES)[number];
  brandVoice: string | null;
  citationsEnabled: boolean;
}

/** A piece of the agent's own content that retrieval found for a question. */
export interface Passage {
  source: Citation;
  /** The text the answer may use: a short answer's answer, or the best paragraph(s) of an article. */
  text: string;
  /** For a short answer, the question it answers. */
  question?: string | undefined;
  language: string;
  /** Share of the question's search terms this passage contains (0..1). */
  coverage: number;
  /** PostgreSQL's ts_rank_cd, for ordering among equals. */
  rank: number;
  /** Private content may inform an answer but is never cited. */
  isPrivate: boolean;
}

export interface HistoryTurn {
  role: "customer" | "agent";
  text: string;
}

export interface AnswerRequest {
  agent: AgentProfile;
  /** ISO 639-1 code of the conversation's language; the reply must be in it. */
  language: string;
  question: string;
  /** Earlier turns of this conversation, oldest first (without the current question). */
  history: HistoryTurn[];
  passages: Passage[];
  /** Aborted when the worker loses its lease or the process shuts down. */
  signal?: AbortSignal | undefined;
}

export type AgentAction = "answer" | "clarify" | "handoff";

export interface AgentReply {
  action: AgentAction;
  text: string;
  citations: Citation[];
  /** Why the agent handed off or could not answer; recorded on the conversation. */
  reason?: string | undefined;
  /**
   * True when the text is an apology because the answerer failed (LLM down, malformed output
   * after every retry). Such a reply is still sent, so the customer is never left in silence,
   * but it is not an answer: billing and metrics must not count it as one.
   */
  failed?: boolean | undefined;
}

/** The one interface between the message path and whatever produces answers. */
export interface Answerer {
  readonly name: string;
  answer(request: AnswerRequest): Promise<AgentReply>;
}
