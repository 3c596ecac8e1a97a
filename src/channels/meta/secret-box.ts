import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Logger } from "pino";

const PREFIX = "sealed:v1:";

/**
 * Encrypts channel secrets (access tokens, app secrets) for storage with AES-256-GCM under
 * PARLEY_SECRET_KEY. Without a key, values are kept as given: the caller warns about it once,
 * and once a key is configured those plain values still read and are sealed on their next save.
 */
export class SecretBox {
  constructor(private readonly key: Buffer | undefined) {}

  get encrypts(): boolean {
    return this.key !== undefined;
  }

  seal(value: string): string {
    if (!this.key) return value;
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const sealed = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
    return `${PREFIX}${[iv, cipher.getAuthTag(), sealed].map((b) => b.toString("base64url")).join(".")}`;
  }

  /** Seals every value of a credentials object (all its fields are secrets). */
  sealAll<T extends Record<string, string>>(values: T): T {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, this.seal(v)])) as T;
  }

  openAll<T extends Record<string, string>>(values: T): T {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, this.open(v)])) as T;
  }

  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    if (!this.key) throw new Error("a channel secret is encrypted but PARLEY_SECRET_KEY is not set");
    const [iv, tag, sealed] = stored
      .slice(PREFIX.length)
      .split(".")
      .map((p) => Buffer.from(p, "base64url"));
    if (!iv || !tag || !sealed) throw new Error("a stored channel secret is malformed");
    const decipher = createDecipheriv("aes-256-gcm", this.key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed), decipher.final()]).toString("utf8");
  }
}

/**
 * The box for this process; says once, at start, when secrets will be stored unencrypted (given
 * a logger: processes that store no secrets pass none).
 */
export function createSecretBox(key: Buffer | undefined, log: Logger | undefined): SecretBox {
  if (!key) {
    log?.warn(
      "PARLEY_SECRET_KEY is not set: channel access tokens and app secrets are stored unencrypted. " +
        "Set it to 32 random bytes (e.g. `openssl rand -base64 32`) to encrypt them at rest.",
    );
  }
  return new SecretBox(key);
}
