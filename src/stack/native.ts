/**
 * Placeholder for the native (no Docker) stack. The native mode replaces this file with the
 * real implementation; the CLI's `up --native` / `down --native` already call these functions.
 */
import { UserError } from "../errors.js";

export interface NativeStackOptions {
  readonly envFile: string;
  readonly outDir: string;
}

function notAvailable(): never {
  throw new UserError("Native mode is not available yet in this build.", [
    "use the compose stack instead: vllm-monitor up (needs a Docker engine)",
  ]);
}

export async function startNativeStack(options: NativeStackOptions): Promise<void> {
  void options;
  notAvailable();
}

export async function stopNativeStack(options: NativeStackOptions): Promise<void> {
  void options;
  notAvailable();
}

export async function nativeStatus(options: NativeStackOptions): Promise<void> {
  void options;
  notAvailable();
}
