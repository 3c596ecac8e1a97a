import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retrievePassages } from "../../../src/core/agent/retrieval.js";
import * as schema from "../../../src/db/schema.js";
import { engines, freshDatabase, type TestDatabase } from "../../helpers/db.js";

const RETURNS_BODY = [
  "Welcome to our help centre. This article explains how returns work.",
  "## Returning an item",
  "You can return any item within 30 days of delivery. Print the return label from your account.",
  "Refunds are paid to your original payment method within 5 working days after we receive the parcel.",
  "Gift cards cannot be exchanged for cash.",
].join("\n\n");

interface Ids {
  workspace: string;
  agent: string;
  otherAgent: string;
  otherWorkspace: string;
  otherWorkspaceAgent: string;
}

async function seed(t: TestDatabase): Promise<Ids> {
  const { db } = t.database;
  const [ws1, ws2] = await db
    .insert(schema.workspaces)
    .values([{ name: "Shop" }, { name: "Other shop" }])
    .returning();
  const [agent, otherAgent, otherWorkspaceAgent] = await db
    .insert(schema.agents)
    .values([
      { workspaceId: ws1!.id, name: "Mila" },
      { workspaceId: ws1!.id, name: "Bo" },
      { workspaceId: ws2!.id, name: "Eve" },
    ])
    .returning();
  const a = { workspaceId: ws1!.id, agentId: agent!.id };
  await db.insert(schema.shortAnswers).values([
    {
      ...a,
      language: "en",
      question: "What are your opening hours?",
      answer: "We are open Monday to Friday from 9:00 to 17:00.",
    },
    {
      ...a,
      language: "en",
      question: "How long does delivery take?",
      answer: "Delivery takes 1 to 3 working days.",
    },
    {
      ...a,
      language: "nl",
      question: "Wat zijn jullie openingstijden?",
      answer: "We zijn open van maandag tot en met vrijdag van 9:00 tot 17:00.",
    },
    {
      ...a,
      language: "pl",
      question: "Jakie są wasze godziny otwarcia?",
      answer: "Jesteśmy otwarci od poniedziałku do piątku w godzinach 9:00–17:00.",
    },
    { ...a, language: "en", question: "Parley Pro Max", answer: "The Parley Pro Max costs 99 euros." },
    { ...a, language: "nl", question: "Parley Pro Max", answer: "De Parley Pro Max kost 99 euro." },
    {
      workspaceId: ws1!.id,
      agentId: otherAgent!.id,
      language: "en",
      question: "What are your opening hours?",
      answer: "Bo's shop never closes.",
    },
    {
      workspaceId: ws2!.id,
      agentId: otherWorkspaceAgent!.id,
      language: "en",
      question: "What are your opening hours?",
      answer: "The other shop is open around the clock.",
    },
  ]);
  await db.insert(schema.knowledgeArticles).values([
    {
      ...a,
      language: "en",
      title: "Returns and refunds",
      url: "https://shop.example/returns",
      body: RETURNS_BODY,
    },
    {
      ...a,
      language: "en",
      title: "Warehouse notes",
      isPrivate: true,
      body: "Staff only: the warehouse closes early on Fridays at 15:00 for stock counting.",
    },
    {
      ...a,
      language: "nl",
      title: "Verzending en levering",
      url: "https://shop.example/nl/verzending",
      body:
        "Wij versturen met PostNL.\n\n" +
        "De levertijd is 1 tot 3 werkdagen. Bestel je vóór 15:00, dan versturen we nog dezelfde dag.",
    },
    {
      ...a,
      language: "en",
      title: "Payment",
      body: "We accept iDEAL and credit cards.\r\n\r\nPayPal is not accepted.\r\n",
    },
    {
      workspaceId: ws2!.id,
      agentId: otherWorkspaceAgent!.id,
      language: "en",
      title: "Returns",
      body: "At the other shop you can return items within 90 days.",
    },
  ]);
  return {
    workspace: ws1!.id,
    agent: agent!.id,
    otherAgent: otherAgent!.id,
    otherWorkspace: ws2!.id,
    otherWorkspaceAgent: otherWorkspaceAgent!.id,
  };
}

for (const engine of engines) {
  describe(`retrievePassages (${engine})`, () => {
    let t: TestDatabase;
    let ids: Ids;
    const ask = (question: string, language: string, limit?: number) =>
      retrievePassages(t.database, {
        workspaceId: ids.workspace,
        agentId: ids.agent,
        question,
        language,
        limit,
      });

    beforeAll(async () => {
      t = await freshDatabase(engine);
      ids = await seed(t);
    });
    afterAll(async () => {
      await t.drop();
    });

    it("picks each language's text search configuration inside the query, not by a function call", async () => {
      const chosen = await t.database.query<{ lang: string | null; config: string }>(
        "SELECT lang, parley_ts_config(lang)::text AS config FROM unnest($1::text[]) AS lang",
        [["en", "nl-BE", "SV", "no", "pl", "xx", null]],
      );
      expect(chosen.map((r) => r.config)).toEqual([
        "english",
        "dutch",
        "swedish",
        "norwegian",
        "parley_unaccent",
        "parley_unaccent",
        "parley_unaccent",
      ]);
      // Inlined, the plan holds the CASE itself; a call would cost an executor start per language.
      const plan = await t.database.query<Record<string, string>>(
        "EXPLAIN VERBOSE SELECT to_tsvector(parley_ts_config(lang), 'opening hours') FROM unnest($1::text[]) AS lang",
        [["en"]],
      );
      const text = plan.map((row) => Object.values(row).join("")).join("\n");
      expect(text).toContain("'english'::regconfig");
      expect(text).not.toContain("parley_ts_config");
    });

    it("finds the short answer for the question, with its source and full coverage", async () => {
      const [best] = await ask("What are your opening hours?", "en");
      expect(best).toMatchObject({
        source: { kind: "short_answer", title: "What are your opening hours?" },
        text: "We are open Monday to Friday from 9:00 to 17:00.",
        question: "What are your opening hours?",
        language: "en",
        coverage: 1,
        isPrivate: false,
      });
      expect(best!.rank).toBeGreaterThan(0);
    });

    it("matches stemmed words: 'open' and 'hours' in other forms", async () => {
      const [best] = await ask("When are you opened, what hour?", "en");
      expect(best?.text).toBe("We are open Monday to Friday from 9:00 to 17:00.");
      expect(best?.coverage).toBe(1);
    });

    it("searches Dutch content with the Dutch stemmer", async () => {
      const [best] = await ask("Wat zijn de openingstijden?", "nl");
      expect(best).toMatchObject({
        text: "We zijn open van maandag tot en met vrijdag van 9:00 tot 17:00.",
        language: "nl",
        coverage: 1,
      });
    });

    it("searches Polish content, without counting function words as terms", async () => {
      const [best] = await ask("Jakie są godziny otwarcia?", "pl");
      expect(best).toMatchObject({
        text: "Jesteśmy otwarci od poniedziałku do piątku w godzinach 9:00–17:00.",
        language: "pl",
        coverage: 1,
      });
      // "czy", "w" and "jest" alone match nothing: no function-word answer for a bicycle question.
      expect(await ask("Czy macie rowery w sprzedaży?", "pl")).toEqual([]);
    });

    it("prefers content in the conversation's language when it matches as well", async () => {
      const [inDutch] = await ask("Parley Pro Max?", "nl");
      const [inEnglish] = await ask("Parley Pro Max?", "en");
      expect(inDutch?.text).toBe("De Parley Pro Max kost 99 euro.");
      expect(inEnglish?.text).toBe("The Parley Pro Max costs 99 euros.");
    });

    it("still finds content in another language when that is all there is", async () => {
      const [best] = await ask("How long does delivery take?", "nl");
      expect(best).toMatchObject({
        text: "Delivery takes 1 to 3 working days.",
        language: "en",
        coverage: 1,
      });
    });

    it("quotes an article's best paragraph, not the whole article, and cites title and url", async () => {
      const [best] = await ask("How many days do I have to return an item?", "en");
      expect(best).toMatchObject({
        source: { kind: "article", title: "Returns and refunds", url: "https://shop.example/returns" },
        text: "You can return any item within 30 days of delivery. Print the return label from your account.",
        isPrivate: false,
        // mani, day, return, item: "many" is not an English stop word and the article lacks it.
        coverage: 0.75,
      });
    });

    it("adds the paragraph holding the terms the best one lacks", async () => {
      const [best] = await ask("Return label and refund payment method", "en");
      expect(best?.text).toBe(
        "You can return any item within 30 days of delivery. Print the return label from your account.\n\n" +
          "Refunds are paid to your original payment method within 5 " +
          "working days after we receive the parcel.",
      );
      expect(best?.coverage).toBe(1);
    });

    it("never quotes a heading alone", async () => {
      const [best] = await ask("Returning an item", "en");
      expect(best?.text).toBe(
        "## Returning an item\n\n" +
          "You can return any item within 30 days of delivery. Print the return label from your account.",
      );
    });

    it("splits paragraphs of text with Windows line endings", async () => {
      const [best] = await ask("Is PayPal possible?", "en");
      expect(best?.text).toBe("PayPal is not accepted.");
    });

    it("reports partial coverage honestly", async () => {
      const [best] = await ask("Can I exchange a gift card for a bicycle?", "en");
      expect(best?.text).toBe("Gift cards cannot be exchanged for cash.");
      // exchang, gift, card, bicycl: three of four.
      expect(best?.coverage).toBe(0.75);
    });

    it("marks private content as private", async () => {
      const [best] = await ask("When does the warehouse close on Friday?", "en");
      expect(best).toMatchObject({ source: { kind: "article", title: "Warehouse notes" }, isPrivate: true });
      expect(best?.text).toContain("Staff only");
    });

    it("returns nothing for a question its content does not touch", async () => {
      expect(await ask("Do you sell bicycles?", "en")).toEqual([]);
      expect(await ask("What is it?", "en")).toEqual([]);
      expect(await ask("👍", "en")).toEqual([]);
    });

    it("sorts best first and honours the limit", async () => {
      const all = await ask("opening hours delivery returns refund warehouse", "en", 10);
      expect(all.length).toBeGreaterThan(2);
      const coverages = all.filter((p) => p.language === "en").map((p) => p.coverage);
      expect(coverages).toEqual([...coverages].sort((x, y) => y - x));
      expect(await ask("opening hours delivery returns refund warehouse", "en", 2)).toHaveLength(2);
    });

    it("survives quotes, backslashes and tsquery operators in the question", async () => {
      const passages = await ask("What's \\ 'your' opening | hours & (!refund):* <-> \"x\"", "en");
      expect(passages.map((p) => p.source.title)).toContain("What are your opening hours?");
    });

    it("never shows another agent's or another workspace's content", async () => {
      const questions = ["What are your opening hours?", "Can I return items within 90 days?"];
      for (const question of questions) {
        const texts = (await ask(question, "en", 20)).map((p) => p.text).join("\n");
        expect(texts).not.toMatch(/Bo's shop|other shop/i);
      }
      const [bo] = await retrievePassages(t.database, {
        workspaceId: ids.workspace,
        agentId: ids.otherAgent,
        question: "What are your opening hours?",
        language: "en",
      });
      expect(bo?.text).toBe("Bo's shop never closes.");
      // Agent id from one workspace with another workspace's id: nothing, even though both exist.
      expect(
        await retrievePassages(t.database, {
          workspaceId: ids.otherWorkspace,
          agentId: ids.agent,
          question: "What are your opening hours?",
          language: "en",
        }),
      ).toEqual([]);
      const [other] = await retrievePassages(t.database, {
        workspaceId: ids.otherWorkspace,
        agentId: ids.otherWorkspaceAgent,
        question: "What are your opening hours?",
        language: "en",
      });
      expect(other?.text).toBe("The other shop is open around the clock.");
    });

    it("searches a language the agent has articles in but no short answers", async () => {
      // Bo has English short answers only.
      await t.database.db.insert(schema.knowledgeArticles).values({
        workspaceId: ids.workspace,
        agentId: ids.otherAgent,
        language: "de",
        title: "Versand",
        body: "Wir versenden innerhalb von zwei Werktagen.",
      });
      const [best] = await retrievePassages(t.database, {
        workspaceId: ids.workspace,
        agentId: ids.otherAgent,
        question: "Wann versenden Sie meine Bestellung?",
        language: "de",
      });
      expect(best).toMatchObject({ source: { kind: "article", title: "Versand" }, language: "de" });
    });

    it("follows an article's edits: each paragraph's stored lexemes are its own", async () => {
      // In the other workspace, so the shared content above stays as it is.
      const askThere = async (question: string) =>
        (
          await retrievePassages(t.database, {
            workspaceId: ids.otherWorkspace,
            agentId: ids.otherWorkspaceAgent,
            question,
            language: "en",
          })
        ).find((p) => p.source.kind === "article");
      const [article] = await t.database.db
        .insert(schema.knowledgeArticles)
        .values({
          workspaceId: ids.otherWorkspace,
          agentId: ids.otherWorkspaceAgent,
          language: "en",
          title: "Workshop",
          body: "We repair bicycles.\n\nThe workshop opens at eight.",
        })
        .returning();
      expect((await askThere("When does the workshop open?"))?.text).toBe("The workshop opens at eight.");

      // A paragraph more in front: lexemes kept from the old body would pair "We repair scooters
      // now." with the old second paragraph's "workshop" and "open".
      await t.database.db
        .update(schema.knowledgeArticles)
        .set({ body: "Opening times changed.\n\nWe repair scooters now.\n\nThe workshop opens at nine." })
        .where(eq(schema.knowledgeArticles.id, article!.id));
      expect((await askThere("When does the workshop open?"))?.text).toBe("The workshop opens at nine.");
    });
  });
}
