/**
 * The supervisor's record of what it runs, in `.vllm-monitor/native.json`: read by `status`,
 * `down` and a `--detach`ed start waiting for readiness. Holds no secret.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";

const portUse = z.object({ port: z.number().int(), variable: z.string() });

const stateSchema = z.object({
  supervisorPid: z.number().int(),
  /** `starting` until every process is ready, then `running`. */
  phase: z.enum(["starting", "running", "stopping"]),
  startedAt: z.string(),
  demo: z.boolean(),
  outDir: z.string(),
  envFile: z.string(),
  prometheusUrl: z.string(),
  processes: z.array(z.object({ name: z.string(), pid: z.number().int(), command: z.string(), ports: z.array(portUse) })),
});

export type NativeState = z.infer<typeof stateSchema>;

/** The recorded state, or undefined when there is none or it cannot be read. */
export function readState(file: string): NativeState | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const parsed = stateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes atomically (temp file + rename) so a reader never sees half a file. */
export function writeState(file: string, state: NativeState): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
  renameSync(temp, file);
}

export function removeState(file: string): void {
  rmSync(file, { force: true });
}

/** True when a process with this pid exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
