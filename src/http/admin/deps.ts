import type { Logger } from "pino";
import type { Config } from "../../config.js";
import type { Clock } from "../../core/clock.js";
import type { Database } from "../../db/client.js";

export interface AdminDeps {
  database: Database;
  log: Logger;
  clock: Clock;
  config: Config;
}
