/** Polls `check` until it returns true, failing with `message` after `timeoutMs`. Not a sleep: it returns as soon as it can. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  {
    timeoutMs = 15_000,
    intervalMs = 50,
    message = "condition",
  }: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
