import { OpenAIStub, stubReply } from "../tests/helpers/openai-stub.js";

/** What the stub LLM answers every question with; a reply with any other text is not an answer. */
export const STUB_ANSWER = "We are open Monday to Saturday, 9:00 to 17:00.";

/**
 * The tests' OpenAI-compatible server (tests/helpers/openai-stub.ts), in the bench process, on
 * 127.0.0.1. `delayMs` (settable later) holds every completion that long: 0 measures the
 * gateway alone, 1000 stands in for a real model.
 */
export function startLlmStub(delayMs: number): Promise<OpenAIStub> {
  return OpenAIStub.start({ delayMs, fallback: stubReply.answer(STUB_ANSWER) });
}
