import { chmodSync, lstatSync, mkdirSync, writeFileSync } from "node:fs";
import { UserError } from "../errors.js";

/**
 * Folders and files that hold secrets or state, private whatever the umask: `mkdir`'s and
 * `writeFile`'s modes are masked by the umask and ignored for what already exists, so each is
 * checked and tightened after the call.
 */

export const PRIVATE_FOLDER_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates the folder (and missing parents) 0700, or tightens an existing one to 0700. Refuses a
 * folder another user owns: they could swap what we write there (a password file, a token).
 */
export function ensurePrivateFolder(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  const info = lstatSync(path);
  if (!info.isDirectory()) throw new UserError(`cannot use ${path}: it is not a folder`, ["move it away, or pass another folder"]);
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new UserError(
      `refusing to keep secrets or state in ${path}: it belongs to another user (uid ${info.uid}), who could replace what vllm-monitor writes there`,
      [`use a folder of your own (e.g. --out with a new path), or have its owner remove it`],
    );
  }
  if ((info.mode & 0o777) !== PRIVATE_FOLDER_MODE) chmodSync(path, PRIVATE_FOLDER_MODE);
}

/** Writes the file 0600, also when it existed with a looser mode. */
export function writePrivateFile(path: string, content: string): void {
  writeFileSync(path, content, { mode: PRIVATE_FILE_MODE });
  chmodSync(path, PRIVATE_FILE_MODE);
}
