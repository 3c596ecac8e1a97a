import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuiltinAnswerer } from "../../../src/core/agent/builtin-answerer.js";
import { retrievePassages } from "../../../src/core/agent/retrieval.js";
import type { AgentProfile, AgentReply } from "../../../src/core/agent/types.js";
import { DEMO_SHORT_ANSWERS } from "../../../src/core/demo-content.js";
import { SUPPORTED_LANGUAGES } from "../../../src/core/language.js";
import { systemText } from "../../../src/core/texts.js";
import * as schema from "../../../src/db/schema.js";
import { engines, freshDatabase, type TestDatabase } from "../../helpers/db.js";

const DEMO_HOURS_EN =
  "The Parley Demo Shop is open Monday to Friday from 9:00 to 17:00 and on Saturday from 10:00 to 14:00. " +
  "We are closed on Sunday.";

for (const engine of engines) {
  describe(`BuiltinAnswerer over retrieval (${engine})`, () => {
    let t: TestDatabase;
    /** Has the demo shop's short answers in all languages. */
    let demo: AgentProfile;
    /** Has English content only, one short answer phrased differently, and a private article. */
    let english: AgentProfile;
    const answerer = new BuiltinAnswerer();

    async function ask(agent: AgentProfile, question: string, language: string): Promise<AgentReply> {
      const passages = await retrievePassages(t.database, {
        workspaceId: agent.workspaceId,
        agentId: agent.id,
        question,
        language,
      });
      return answerer.answer({ agent, language, question, history: [], passages });
    }

    beforeAll(async () => {
      t = await freshDatabase(engine);
      const { db } = t.database;
      const [ws] = await db.insert(schema.workspaces).values({ name: "Parley Demo Shop" }).returning();
      const [demoRow, englishRow] = await db
        .insert(schema.agents)
        .values([
          { workspaceId: ws!.id, name: "Mila" },
          { workspaceId: ws!.id, name: "Ada", citationsEnabled: true },
        ])
        .returning();
      const profile = (row: typeof schema.agents.$inferSelect): AgentProfile => ({
        id: row.id,
        workspaceId: row.workspaceId,
        name: row.name,
        role: row.role,
        personality: row.personality,
        brandVoice: row.brandVoice,
        citationsEnabled: row.citationsEnabled,
      });
      demo = profile(demoRow!);
      english = profile(englishRow!);
      await db
        .insert(schema.shortAnswers)
        .values(DEMO_SHORT_ANSWERS.map((a) => ({ ...a, workspaceId: ws!.id, agentId: demo.id })));
      await db.insert(schema.shortAnswers).values([
        {
          workspaceId: ws!.id,
          agentId: english.id,
          language: "en",
          question: "When are you open?",
          answer: "We are open on weekdays from 8:00 to 18:00.",
        },
        {
          workspaceId: ws!.id,
          agentId: english.id,
          language: "en",
          question: "How long does delivery take?",
          answer: "Delivery takes 2 working days.",
        },
      ]);
      await db.insert(schema.knowledgeArticles).values({
        workspaceId: ws!.id,
        agentId: english.id,
        language: "en",
        title: "Price match (internal)",
        isPrivate: true,
        body: "We match any competitor's price for the same product if the customer shows the offer.",
      });
    });
    afterAll(async () => {
      await t.drop();
    });

    it("answers with the matching short answer and names it as the source", async () => {
      const reply = await ask(demo, "What are your opening hours?", "en");
      expect(reply.action).toBe("answer");
      expect(reply.text).toBe(`${DEMO_HOURS_EN}\n\nSource: What are your opening hours?`);
      expect(reply.citations).toEqual([
        expect.objectContaining({ kind: "short_answer", title: "What are your opening hours?" }),
      ]);
    });

    it("matches a short answer phrased differently ('When are you open?')", async () => {
      const reply = await ask(english, "What are your opening hours?", "en");
      expect(reply.action).toBe("answer");
      expect(reply.text).toBe("We are open on weekdays from 8:00 to 18:00.\n\nSource: When are you open?");
    });

    it("says it could not find it, and offers a person, for what its content does not hold", async () => {
      for (const agent of [demo, english]) {
        const reply = await ask(agent, "Do you sell bicycles?", "en");
        expect(reply).toEqual({
          action: "clarify",
          text:
            "Sorry, I couldn't find that in our information. Could you rephrase your question? " +
            "If you prefer, I can also connect you with a person from our team.",
          citations: [],
          reason: "no_match",
        });
      }
    });

    it.each([
      ["nl", "Verkopen jullie ook fietsen?"],
      ["de", "Verkaufen Sie auch Fahrräder?"],
      ["pl", "Czy sprzedajecie rowery?"],
      ["sv", "Säljer ni cyklar?"],
      ["fr", "Est-ce que vous vendez des vélos ?"],
    ])("does not make up an answer in %s (%s)", async (language, question) => {
      const reply = await ask(demo, question, language);
      expect(reply).toEqual({
        action: "clarify",
        text: systemText("notFound", language),
        citations: [],
        reason: "no_match",
      });
    });

    it("answers the demo shop's questions in every supported language, in that language", async () => {
      for (const language of SUPPORTED_LANGUAGES) {
        for (const item of DEMO_SHORT_ANSWERS.filter((a) => a.language === language)) {
          const reply = await ask(demo, item.question, language);
          expect(reply.action, `${language}: ${item.question}`).toBe("answer");
          expect(reply.text).toBe(
            `${item.answer}\n\n${systemText("sourceLabel", language)}: ${item.question}`,
          );
        }
      }
    });

    it("answers a Dutch customer from Dutch content and a Polish one from Polish content", async () => {
      const dutch = await ask(demo, "Hoe lang duurt het voordat mijn bestelling geleverd wordt?", "nl");
      expect(dutch.text).toMatch(/^Bestellingen die je op een werkdag vóór 15:00 plaatst/);
      expect(dutch.text).toMatch(/\n\nBron: Hoe lang duurt de levering\?$/);
      const polish = await ask(demo, "Jakie macie godziny otwarcia?", "pl");
      expect(polish.text).toMatch(/^Parley Demo Shop jest otwarty od poniedziałku do piątku/);
      expect(polish.text).toMatch(/\n\nŹródło: Jakie są wasze godziny otwarcia\?$/);
    });

    it("says so when it quotes content in another language than the customer's", async () => {
      const reply = await ask(english, "How long does delivery take?", "nl");
      expect(reply.action).toBe("answer");
      expect(reply.text).toBe(
        `${systemText("otherLanguageNote", "nl")}\n\nDelivery takes 2 working days.\n\n` +
          "Bron: How long does delivery take?",
      );
    });

    it("uses private content but never cites it", async () => {
      const reply = await ask(english, "Do you match a competitor's price?", "en");
      expect(reply.action).toBe("answer");
      expect(reply.text).toBe(
        "We match any competitor's price for the same product if the customer shows the offer.",
      );
      expect(reply.citations).toEqual([]);
    });

    it("leaves sources out when the agent has citations switched off", async () => {
      const reply = await ask({ ...demo, citationsEnabled: false }, "What are your opening hours?", "en");
      expect(reply).toEqual({ action: "answer", text: DEMO_HOURS_EN, citations: [] });
    });
  });
}

describe("BuiltinAnswerer confidence rule", () => {
  const agent: AgentProfile = {
    id: "agent",
    workspaceId: "ws",
    name: "Mila",
    role: "customer_service",
    personality: "friendly",
    brandVoice: null,
    citationsEnabled: true,
  };
  const passage = (coverage: number) => ({
    source: { kind: "short_answer" as const, id: "p", title: "Opening hours" },
    text: "We open at 9.",
    language: "en",
    coverage,
    rank: 0.1,
    isPrivate: false,
  });
  const answer = (coverage: number) =>
    new BuiltinAnswerer().answer({
      agent,
      language: "en",
      question: "q",
      history: [],
      passages: [passage(coverage)],
    });

  it("quotes a passage holding half of the question's terms", async () => {
    expect((await answer(0.5)).text).toBe("We open at 9.\n\nSource: Opening hours");
  });

  it("does not quote a passage holding less than half", async () => {
    expect((await answer(0.49)).action).toBe("clarify");
    expect((await answer(1 / 3)).text).toBe(systemText("notFound", "en"));
  });

  it("answers in the conversation's language when nothing matches", async () => {
    const reply = await new BuiltinAnswerer().answer({
      agent,
      language: "sv-SE",
      question: "Säljer ni cyklar?",
      history: [],
      passages: [],
    });
    expect(reply.text).toBe(systemText("notFound", "sv"));
    expect(reply.text).toMatch(/^Tyvärr hittade jag inte det i vår information/);
  });
});
