import type { ClientLike, LinkedClientFactory } from "./client.js";

/** Thrown when whatsapp-web.js, an optional dependency, is not installed or does not load. */
export class LinkedDeviceUnavailable extends Error {
  override name = "LinkedDeviceUnavailable";
}

/**
 * The real client. whatsapp-web.js (and with it puppeteer) is imported here, on the first
 * account that uses the linked-device transport, so an installation without such an account
 * neither loads it nor needs it installed.
 */
export const whatsappWebClient: LinkedClientFactory = async ({ accountId, dataPath, chromiumPath }) => {
  let wwebjs: typeof import("whatsapp-web.js");
  try {
    // CommonJS: Node gives module.exports as the default export; LocalAuth is not a named export.
    wwebjs = (await import("whatsapp-web.js")).default;
  } catch (err) {
    throw new LinkedDeviceUnavailable(
      "whatsapp-web.js could not be loaded, so linked-device WhatsApp accounts cannot run. It is an " +
        "optional dependency: install it with `PUPPETEER_SKIP_DOWNLOAD=1 npm install whatsapp-web.js` " +
        `and make sure Chromium is at CHROMIUM_PATH. (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const client: ClientLike = new wwebjs.Client({
    // The session is kept on disk per account, so a restart does not ask for a new QR code.
    authStrategy: new wwebjs.LocalAuth({ clientId: accountId, dataPath }),
    puppeteer: {
      executablePath: chromiumPath,
      headless: true,
      // Containers rarely allow Chromium's sandbox, have no GPU and a small /dev/shm.
      args: ["--no-sandbox", "--disable-setuid-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    },
  });
  return client;
};
