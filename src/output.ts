/**
 * Where the CLI prints. Every message goes through `print` / `printError`; `main()` may redirect
 * them for one call (tests run the CLI in process and read what it printed), without touching the
 * process's own streams, which other code (a test reporter) shares.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processOutput: Output = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

const redirection = new AsyncLocalStorage<Output>();

/** Writes to stdout, or to the output `withOutput` set for the current call. */
export function print(text: string): void {
  (redirection.getStore() ?? processOutput).stdout(text);
}

/** Writes to stderr, likewise. */
export function printError(text: string): void {
  (redirection.getStore() ?? processOutput).stderr(text);
}

/** Runs `work` with everything it prints sent to `output`. */
export function withOutput<T>(output: Output, work: () => Promise<T>): Promise<T> {
  return redirection.run(output, work);
}
