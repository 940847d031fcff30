// Polling for a condition in tests of asynchronous loops (the trainer, the
// worker session): resolves once `ok()` holds, fails naming what it waited for.

export async function until(what: string, ok: () => boolean, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!ok()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    // The interval between two looks at the condition: nothing is compared after a fixed wait.
    await new Promise((r) => setTimeout(r, 10));
  }
}
