import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PGlite } from "@electric-sql/pglite";
import { bodyParser } from "@koa/bodyparser";
import Koa from "koa";
import postgres from "postgres";

/**
 * The baseline the gateway's figures are divided by: the least a koa service can do per
 * inbound message and still keep it, namely parse the JSON body and INSERT it, in one statement,
 * into the same database engine with the same pool size. Run as its own process (like the
 * gateway) by bench/baseline.ts; it prints one JSON line with its URL once it listens.
 *
 * Deliberately bare: no router, no ORM, no validation, so the ratio shows everything the
 * gateway adds on top of "HTTP in, one row out".
 *
 * Environment: BASELINE_DATABASE_URL (PostgreSQL) or BASELINE_DATA_DIR (PGlite), DATABASE_POOL_SIZE.
 */

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS baseline_messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  body jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
)`;

type InsertMessage = (body: unknown) => Promise<string>;

async function connect(): Promise<{ insert: InsertMessage; close: () => Promise<void> }> {
  const url = process.env.BASELINE_DATABASE_URL;
  if (url) {
    const poolSize = Number(process.env.DATABASE_POOL_SIZE ?? 20);
    const client = postgres(url, { max: poolSize, onnotice: () => {} });
    await client.unsafe(CREATE_TABLE);
    return {
      async insert(body) {
        const json = client.json(body as postgres.JSONValue);
        const [row] = await client<{ id: string }[]>`
          INSERT INTO baseline_messages (body) VALUES (${json}) RETURNING id`;
        return row!.id;
      },
      close: () => client.end({ timeout: 1 }),
    };
  }
  const dataDir = process.env.BASELINE_DATA_DIR;
  if (!dataDir) throw new Error("set BASELINE_DATABASE_URL or BASELINE_DATA_DIR");
  const client = await PGlite.create(dataDir);
  await client.exec(CREATE_TABLE);
  return {
    async insert(body) {
      const result = await client.query<{ id: string }>(
        "INSERT INTO baseline_messages (body) VALUES ($1) RETURNING id",
        [JSON.stringify(body)],
      );
      return result.rows[0]!.id;
    },
    close: () => client.close(),
  };
}

async function main(): Promise<void> {
  const database = await connect();
  const app = new Koa();
  app.use(bodyParser({ enableTypes: ["json"], jsonLimit: "1mb" }));
  app.use(async (ctx) => {
    if (ctx.method !== "POST" || ctx.path !== "/messages") {
      ctx.status = 404;
      return;
    }
    ctx.body = { id: await database.insert(ctx.request.body) };
  });
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ msg: "baseline is running", url: `http://127.0.0.1:${port}` }));

  process.once("SIGTERM", () => {
    server.closeAllConnections();
    server.close(() => void database.close().finally(() => process.exit(0)));
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
