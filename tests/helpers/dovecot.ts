import { execFile, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createConnection, createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { SMTPServer } from "smtp-server";
import { waitFor } from "./wait.js";

/**
 * A throwaway Dovecot (Debian's package, configured as in DEPENDENCIES.md) per test file, on a
 * free port in a temporary directory, plus an SMTP receiver (`smtp-server`) that files every
 * delivered mail into the recipient's Dovecot mailbox, so the gateway's answers land in the
 * customer's mailbox as they would on the internet.
 */

const run = promisify(execFile);
const DOVECOT = "/usr/sbin/dovecot";
const DOVEADM = "/usr/bin/doveadm";
export const MAIL_PASSWORD = "secret";

/**
 * Whether the email tests can run. On CI a missing Dovecot fails the run (`.ci/run` installs it);
 * on a developer machine without it the tests are skipped with a loud warning.
 */
export function dovecotInstalled(): boolean {
  const installed = existsSync(DOVECOT) && existsSync(DOVEADM);
  if (installed) return true;
  const message = `Dovecot is not installed (${DOVECOT}); the email tests need it: apt-get install dovecot-imapd dovecot-core`;
  if (process.env.CI) throw new Error(message);
  console.warn(`\n!!!!!!!!!!\nWARNING: ${message}. SKIPPING the email tests.\n!!!!!!!!!!\n`);
  return false;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export interface TestDovecot {
  port: number;
  /** Lets `address` log in over IMAP with MAIL_PASSWORD. */
  addUser(address: string): void;
  /** Files a raw mail into `address`'s INBOX the way a local delivery agent does (works while stopped). */
  deliver(address: string, raw: Buffer | string): Promise<void>;
  /** Stops the server (connected clients are dropped); the mail stays. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  close(): Promise<void>;
}

export async function startDovecot(): Promise<TestDovecot> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "parley-dove-"));
  // Dovecot drops to `nobody` for mail access: it must be able to reach the directory.
  chmodSync(dir, 0o755);
  for (const sub of ["run", "state", "mail"]) mkdirSync(path.join(dir, sub));
  const nobody = {
    uid: Number((await run("id", ["-u", "nobody"])).stdout.trim()),
    gid: Number((await run("getent", ["group", "nogroup"])).stdout.split(":")[2]),
  };
  chownSync(path.join(dir, "mail"), nobody.uid, nobody.gid);
  let delivered = 0;
  const port = await freePort();
  const usersFile = path.join(dir, "users");
  const users = new Set<string>();
  const writeUsers = () =>
    writeFileSync(usersFile, [...users].map((u) => `${u}:{PLAIN}${MAIL_PASSWORD}\n`).join(""));
  writeUsers();
  const conf = path.join(dir, "dovecot.conf");
  writeFileSync(
    conf,
    `protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%u
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${usersFile}
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${dir}/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
`,
  );

  const start = async () => {
    // The daemon keeps inherited stdout/stderr open, so only its exit status is waited for.
    await new Promise<void>((resolve, reject) => {
      const child = spawn(DOVECOT, ["-c", conf], { stdio: "ignore" });
      child.once("error", reject);
      child.once("exit", (code) =>
        code === 0 ? resolve() : reject(new Error(`dovecot exited with ${code}`)),
      );
    });
    await waitFor(() => accepts(port), { timeoutMs: 15_000, message: "Dovecot to listen" });
  };
  const stop = async () => {
    await run(DOVEADM, ["-c", conf, "stop"]).catch(() => {});
    await waitFor(async () => !(await accepts(port)), { timeoutMs: 15_000, message: "Dovecot to stop" });
  };
  await start();
  return {
    port,
    addUser(address) {
      users.add(address);
      writeUsers();
    },
    async deliver(address, raw) {
      // Maildir delivery, as a local delivery agent does it: write into tmp/, rename into new/.
      // It needs no running server, and Dovecot's IDLE notices the new file at once.
      const maildir = path.join(dir, "mail", address);
      for (const sub of ["", "cur", "new", "tmp"]) {
        mkdirSync(path.join(maildir, sub), { recursive: true });
        chownSync(path.join(maildir, sub), nobody.uid, nobody.gid);
      }
      const bytes = typeof raw === "string" ? Buffer.from(raw) : raw;
      const name = `${Date.now()}.M${process.hrtime.bigint()}P${process.pid}Q${++delivered}.parley,S=${bytes.length}`;
      const tmp = path.join(maildir, "tmp", name);
      writeFileSync(tmp, bytes);
      chownSync(tmp, nobody.uid, nobody.gid);
      renameSync(tmp, path.join(maildir, "new", name));
    },
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface DeliveredMail {
  from: string;
  to: string[];
  raw: Buffer;
}

export interface TestMailReceiver {
  port: number;
  /** Everything accepted so far, in order. */
  delivered: DeliveredMail[];
  /** Refuse every recipient with this SMTP reply (e.g. "550 no such user") until cleared. */
  refuseWith: { code: number; message: string } | undefined;
  close(): Promise<void>;
}

/** The internet's mail servers, for the gateway's SMTP client: accepts any login and files into Dovecot. */
export async function startMailReceiver(dovecot: TestDovecot): Promise<TestMailReceiver> {
  const port = await freePort();
  const receiver: TestMailReceiver = {
    port,
    delivered: [],
    refuseWith: undefined,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(_auth, _session, callback) {
      callback(null, { user: "gateway" });
    },
    onRcptTo(_address, _session, callback) {
      const refusal = receiver.refuseWith;
      if (!refusal) return callback();
      const err = Object.assign(new Error(refusal.message), { responseCode: refusal.code });
      callback(err);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks);
        const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
        Promise.all(to.map((address) => dovecot.deliver(address, raw)))
          .then(() => {
            receiver.delivered.push({ from, to, raw });
            callback();
          })
          .catch((err: Error) => callback(Object.assign(err, { responseCode: 451 })));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return receiver;
}
