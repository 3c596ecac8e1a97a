import type { Logger } from "pino";
import type { PreviewSessions } from "../../channels/livechat/preview.js";
import type { SecretBox } from "../../channels/meta/secret-box.js";
import type { Config } from "../../config.js";
import type { ChannelAdapter } from "../../core/channel.js";
import type { Clock } from "../../core/clock.js";
import type { Metrics } from "../../core/metrics.js";
import type { Database } from "../../db/client.js";

export interface AdminDeps {
  database: Database;
  log: Logger;
  clock: Clock;
  config: Config;
  /** The same box the channels open secrets with, so what the API seals they can read. */
  secrets: SecretBox;
  /** Starts an admin's preview chat with an agent (the live chat provides it). */
  previews: PreviewSessions;
  /** The channels' capabilities, for messages people send from the inbox. */
  adapters: ReadonlyMap<string, ChannelAdapter>;
  metrics?: Metrics | undefined;
}
