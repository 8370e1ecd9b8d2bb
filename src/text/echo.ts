/**
 * How user and target text is echoed into messages: bounded, and with every control character
 * escaped, so a 1 MB value or an ESC sequence from a target's body cannot flood or drive the
 * terminal. Pure.
 */

/** Characters of a value shown before "…". */
export const ECHO_LENGTH = 80;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** C0 controls, DEL and C1 controls (0x9b is a one-byte CSI to many terminals) as `\xHH`. */
export function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => NAMED[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** True when the text holds a C0/C1 control character or DEL. */
export function hasControl(text: string): boolean {
  return /[\u0000-\u001f\u007f-\u009f]/.test(text);
}

/** The first ECHO_LENGTH characters, then "…"; control characters escaped. */
export function echo(text: string): string {
  const cut = text.length > ECHO_LENGTH ? `${text.slice(0, ECHO_LENGTH)}…` : text;
  return escapeControl(cut);
}

/** The most problems one error lists; the rest are counted. */
export const MAX_PROBLEMS = 50;

/** At most MAX_PROBLEMS problems, each bounded, then "… and N more". */
export function boundProblems(problems: readonly string[]): string[] {
  const shown = problems.slice(0, MAX_PROBLEMS).map((problem) => (problem.length > 2_000 ? `${problem.slice(0, 2_000)}…` : problem));
  const rest = problems.length - shown.length;
  if (rest > 0) shown.push(`… and ${rest.toLocaleString("en-US")} more`);
  return shown;
}
