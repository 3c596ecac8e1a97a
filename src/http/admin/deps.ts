import type { Logger } from "pino";
import type { SecretBox } from "../../channels/meta/secret-box.js";
import type { Config } from "../../config.js";
import type { Clock } from "../../core/clock.js";
import type { Database } from "../../db/client.js";

export interface AdminDeps {
  database: Database;
  log: Logger;
  clock: Clock;
  config: Config;
  /** The same box the channels open secrets with, so what the API seals they can read. */
  secrets: SecretBox;
}
