import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines } from "../../helpers/db.js";
import { startTestParley, type TestParley } from "../../helpers/server.js";

for (const engine of engines) {
  describe(`demo page and widget assets (${engine})`, () => {
    let gateway: TestParley;
    beforeAll(async () => {
      gateway = await startTestParley(engine);
    });
    afterAll(async () => {
      await gateway?.stop();
    });

    it("serves the demo page with the demo widget embedded", async () => {
      const res = await fetch(gateway.url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/html");
      const html = await res.text();
      expect(html).toContain("<h1>Parley Demo Shop</h1>");
      expect(html).toContain('<div id="parley-chat"></div>');
      expect(html).toContain('<script src="/livechat/demo/embed.js"></script>');
    });

    it("serves Web Chat itself, cacheable for a year, and the embed script of a widget", async () => {
      const embed = await fetch(`${gateway.url}/livechat/demo/embed.js`);
      expect(embed.status).toBe(200);
      expect(embed.headers.get("content-type")).toContain("javascript");
      const script = await embed.text();
      expect(script).toContain('"widgetId":"demo"');
      const webchatUrl = /"webchatUrl":"([^"]+)"/.exec(script)?.[1];
      expect(webchatUrl).toMatch(/^\/livechat\/webchat\.js\?v=\d+\.\d+\.\d+/);

      const webchat = await fetch(`${gateway.url}${webchatUrl}`);
      expect(webchat.status).toBe(200);
      expect(webchat.headers.get("cache-control")).toContain("max-age=31536000");
      expect(webchat.headers.get("access-control-allow-origin")).toBe("*");
      const code = await webchat.text();
      expect(code.length).toBeGreaterThan(1_000_000);
      expect(code).toContain("renderWebChat");

      const unknown = await fetch(`${gateway.url}/livechat/no-such-widget/embed.js`);
      expect(unknown.status).toBe(404);
    });
  });

  describe(`the root page without a demo widget (${engine})`, () => {
    let gateway: TestParley;
    beforeAll(async () => {
      gateway = await startTestParley(engine, { demo: false });
    });
    afterAll(async () => {
      await gateway?.stop();
    });

    it("points to the admin API instead of a chat", async () => {
      const res = await fetch(gateway.url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      const text = await res.text();
      expect(text).toContain("no demo chat widget");
      expect(text).toContain("/api/v1");
    });
  });
}
