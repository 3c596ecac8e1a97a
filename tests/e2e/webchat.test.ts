import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines } from "../helpers/db.js";
import { startTestParley, type TestParley } from "../helpers/server.js";
import { waitFor } from "../helpers/wait.js";

/**
 * The demo page in a real browser: Microsoft's Web Chat, served by Parley, talking Direct Line to
 * Parley. Debian's Chromium (`apt-get install chromium`) is driven by playwright-core.
 */
const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  const message = `${CHROMIUM} is missing: the Web Chat browser test cannot run (apt-get install chromium)`;
  if (process.env.CI) throw new Error(message);
  console.warn(`\n!!! WARNING: ${message}. SKIPPING tests/e2e/webchat.test.ts !!!\n`);
}

const engine = engines[0] ?? "pglite";

describe.skipIf(!haveChromium)(`Web Chat on the demo page, in Chromium (${engine})`, () => {
  let gateway: TestParley;
  let browser: Browser;
  beforeAll(async () => {
    [gateway, browser] = await Promise.all([
      startTestParley(engine),
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  it("answers the opening-hours question with its source, under a 'Powered by AI' header", async () => {
    const page = await browser.newPage({ locale: "en-US", viewport: { width: 1200, height: 800 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));

    await page.goto(gateway.url);
    const badge = page.locator(".parley-chat__badge");
    await badge.waitFor({ state: "visible", timeout: 20_000 });
    expect(await badge.textContent()).toBe("Powered by AI");
    expect(await page.locator(".parley-chat__title").textContent()).toBe("Parley Demo Shop");
    // Web Chat's transcript bubbles; its screen-reader copies of each message are hidden duplicates.
    const bubble = (text: RegExp) => page.locator(".webchat__text-content", { hasText: text });
    await bubble(/Hi! I'm Ava, an AI assistant/).waitFor({ timeout: 20_000 });

    const input = page.locator('[data-id="webchat-sendbox-input"]');
    await input.fill("What are your opening hours?");
    await input.press("Enter");

    const answer = bubble(/open Monday to Friday from 9:00 to 17:00/);
    await answer.waitFor({ timeout: 30_000 });
    // The answer and its source line arrive in one bubble, as Markdown paragraphs.
    await bubble(/Source: What are your opening hours\?/).waitFor({ timeout: 5_000 });
    // Web Chat shows "Sending" under the visitor's message until the server echoes it back with an id
    // and its clientActivityID (after 20 s it gives up: "Send failed"). Well before that, it is sent.
    await page
      .locator(".webchat__bubble--from-user", { hasText: "What are your opening hours?" })
      .waitFor({ timeout: 5_000 });
    await waitFor(async () => (await page.locator(".webchat__activity-status--sending").count()) === 0, {
      timeoutMs: 10_000,
      message: "Web Chat to mark the visitor's message as sent",
    });
    expect(await badge.isVisible()).toBe(true);
    await page.screenshot({ path: "/tmp/webchat.png" });
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it("speaks the browser's language: a Dutch browser gets a Dutch header, greeting and answer", async () => {
    const page = await browser.newPage({ locale: "nl-NL" });
    await page.goto(gateway.url);
    const badge = page.locator(".parley-chat__badge");
    await badge.waitFor({ state: "visible", timeout: 20_000 });
    expect(await badge.textContent()).toBe("Mogelijk gemaakt door AI");
    const bubble = (text: RegExp) => page.locator(".webchat__text-content", { hasText: text });
    await bubble(/Hallo! Ik ben Ava/).waitFor({ timeout: 20_000 });

    const input = page.locator('[data-id="webchat-sendbox-input"]');
    await input.fill("Wat zijn jullie openingstijden?");
    await input.press("Enter");
    await bubble(/open van maandag tot en met vrijdag van 9:00 tot 17:00/).waitFor({ timeout: 30_000 });
    await bubble(/Bron: Wat zijn jullie openingstijden\?/).waitFor({ timeout: 5_000 });
    await page.close();
  });
});
