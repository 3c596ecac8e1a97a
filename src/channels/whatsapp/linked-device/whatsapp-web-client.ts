import type { ClientLike, LinkedClientFactory } from "./client.js";

/** Thrown when whatsapp-web.js, an optional dependency, is not installed or does not load. */
export class LinkedDeviceUnavailable extends Error {
  override name = "LinkedDeviceUnavailable";
}

/** The part of whatsapp-web.js we use, typed here because the package may well not be installed. */
interface WhatsappWebModule {
  Client: new (options: {
    authStrategy: unknown;
    puppeteer: { executablePath: string; headless: boolean; args: string[] };
  }) => ClientLike;
  LocalAuth: new (options: { clientId: string; dataPath: string }) => unknown;
}

/** A variable, not a literal: neither the type checker nor the build may require an optional package. */
const WHATSAPP_WEB_JS = "whatsapp-web.js";

/**
 * The real client. whatsapp-web.js (and with it puppeteer) is imported here, on the first
 * account that uses the linked-device transport, so an installation without such an account
 * neither loads it nor needs it installed.
 */
export const whatsappWebClient: LinkedClientFactory = async ({ accountId, dataPath, chromiumPath }) => {
  let wwebjs: WhatsappWebModule;
  try {
    // CommonJS: Node gives module.exports as the default export; LocalAuth is not a named export.
    wwebjs = ((await import(WHATSAPP_WEB_JS)) as { default: WhatsappWebModule }).default;
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
