import { setTimeout as sleep } from "node:timers/promises";

export interface WaitOptions {
  /** What we are waiting for, for the timeout message. */
  readonly what: string;
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** Stops waiting early (rejects with the signal's reason), e.g. when the awaited process died. */
  readonly signal?: AbortSignal;
}

/** Polls `check` until it returns true; throws naming `what` after `timeoutMs` (default 30 s). */
export async function waitUntil(check: () => Promise<boolean> | boolean, options: WaitOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `: last error: ${lastError.message}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what}${detail}`);
    }
    await sleep(intervalMs, undefined, options.signal === undefined ? undefined : { signal: options.signal });
  }
}

/** Waits until `url` answers with a 2xx status. */
export async function waitForHttp(url: string, options: Partial<WaitOptions> & { headers?: Record<string, string> } = {}): Promise<void> {
  await waitUntil(
    async () => {
      const response = await fetch(url, { headers: options.headers, signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      return response.ok;
    },
    { what: options.what ?? url, timeoutMs: options.timeoutMs, intervalMs: options.intervalMs, signal: options.signal },
  );
}
