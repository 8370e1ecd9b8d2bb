/**
 * One command at a time per stack: `up`, `down`, `reload`, `conf` and `clean` on the same output
 * folder take its lock file, created with O_EXCL (atomic on local file systems) and holding the
 * owner's pid and command, so a lock left by a killed process is recognised and taken over.
 * No npm package: flock needs a native addon, and this is twenty lines.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { UserError } from "../errors.js";
import { ensurePrivateFolder } from "../render/private-files.js";
import { isAlive, registryDir } from "./registry.js";

type Environment = Readonly<Record<string, string | undefined>>;

/** How long a command waits for another one on the same stack before refusing. */
const WAIT_MS = 15_000;
const POLL_MS = 100;

interface LockOwner {
  readonly pid: number;
  readonly command: string;
  readonly since: string;
}

export function lockFile(outDir: string, environment: Environment = process.env): string {
  const key = createHash("sha256").update(resolve(outDir)).digest("hex").slice(0, 16);
  return join(registryDir(environment), `${key}.lock`);
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, "utf8")) as Partial<LockOwner>;
    return typeof owner.pid === "number" ? { pid: owner.pid, command: String(owner.command), since: String(owner.since) } : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock once, or returns its live owner. A dead owner's lock is removed and taken. */
function tryLock(file: string, command: string): LockOwner | undefined {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    let fd: number;
    try {
      fd = openSync(file, "wx", 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = readOwner(file);
      // why: an owner still writing its pid (an empty file for a moment) counts as alive: wait and look again.
      if (owner === undefined) return { pid: -1, command: "another vllm-monitor command", since: "just now" };
      if (isAlive(owner.pid)) return owner;
      rmSync(file, { force: true });
      continue;
    }
    writeSync(fd, JSON.stringify({ pid: process.pid, command, since: new Date().toISOString() }));
    closeSync(fd);
    return undefined;
  }
  return { pid: -1, command: "another vllm-monitor command", since: "just now" };
}

/** A held lock; release() is idempotent. */
export interface StackLock {
  release(): void;
}

/**
 * Takes the stack's lock, waiting up to 15 s for another command on the same stack, then refuses
 * with a UserError naming it. The lock goes when the process exits at the latest.
 */
export async function lockStack(
  outDir: string,
  command: string,
  options: { environment?: Environment; waitMs?: number } = {},
): Promise<StackLock> {
  const environment = options.environment ?? process.env;
  ensurePrivateFolder(registryDir(environment));
  const file = lockFile(outDir, environment);
  const deadline = Date.now() + (options.waitMs ?? WAIT_MS);
  let owner = tryLock(file, command);
  while (owner !== undefined && Date.now() < deadline) {
    await new Promise((resolveWait) => setTimeout(resolveWait, POLL_MS));
    owner = tryLock(file, command);
  }
  if (owner !== undefined) {
    throw new UserError(
      `Another command is changing the stack of ${resolve(outDir)}: vllm-monitor ${owner.command} (pid ${owner.pid}, since ${owner.since}).`,
      ["wait for it to finish and run your command again", `if no such process runs, delete ${file}`],
    );
  }
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    process.off("exit", release);
    if (readOwner(file)?.pid === process.pid) rmSync(file, { force: true });
  };
  process.on("exit", release);
  return { release };
}

/** Runs `work` holding the stack's lock. */
export async function withStackLock<T>(outDir: string, command: string, work: () => Promise<T>): Promise<T> {
  const lock = await lockStack(outDir, command);
  try {
    return await work();
  } finally {
    lock.release();
  }
}
