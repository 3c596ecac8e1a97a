import type { Database } from "../db/client.js";

/** The signal every process hears when a channel account was created, edited or deleted. */
export const ACCOUNTS_CHANNEL = "parley_accounts";

/**
 * Every webhook and every live-chat post names its channel account, and reading that row each
 * time put a query on the busiest routes (behind the workers' queries, at that). Lookups are
 * kept for a few seconds and dropped in every process as soon as an account changes
 * (`accountsChanged`); the time limit only covers a change whose signal was lost.
 */
const TTL_MS = 5_000;

interface Entry {
  at: number;
  value: Promise<unknown>;
}

const caches = new WeakMap<Database, Map<string, Entry>>();

function cacheOf(database: Database): Map<string, Entry> {
  let cache = caches.get(database);
  if (!cache) {
    const created = new Map<string, Entry>();
    cache = created;
    caches.set(database, created);
    database
      .listen(ACCOUNTS_CHANNEL, () => created.clear())
      .catch(() => {
        // Without the signal the time limit still bounds how stale a lookup can be.
      });
  }
  return cache;
}

/**
 * `load()`'s result for `key`, shared by callers for a few seconds. A failed load is not kept, and
 * neither is one that found nothing: keys come from requests before they are authenticated (a
 * webhook's page id, a widget id in a URL), so keeping misses would let anyone grow the cache
 * without bound with made-up ids. Only accounts that exist take a place in it.
 */
export function cachedAccountLookup<T>(
  database: Database,
  key: string,
  load: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const cache = cacheOf(database);
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.value as Promise<T | undefined>;
  const value = load();
  cache.set(key, { at: Date.now(), value });
  const forget = () => {
    if (cache.get(key)?.value === value) cache.delete(key);
  };
  value.then((found) => {
    if (found === undefined) forget();
  }, forget);
  return value;
}

/** Call after a change to channel accounts has committed: every process forgets its lookups. */
export async function accountsChanged(database: Database): Promise<void> {
  caches.get(database)?.clear();
  await database.notify(ACCOUNTS_CHANNEL, "changed");
}
