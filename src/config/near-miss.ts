/**
 * Names that look like one of ours but are not: `VLLM_TARGETS=` instead of `VLLM_TARGET=`. Such a
 * line is silently ignored by a loader that only reads known names, and an ignored VLLM_TARGET
 * means demo mode: fake data mixed into a real stack. So a near miss is an error, not a note.
 *
 * Which names are looked at (see `loadSettings`): every key of the .env file (the file is ours;
 * another tool's variable is rarely within two edits of one of ours), but from the process
 * environment only plural/singular misses, since the environment carries every program's
 * variables (vLLM's own `VLLM_*` among them) and an edit distance would accuse them. Pure.
 */
import { ENV_NAMES, type EnvName } from "./schema.js";

/** The schema name `name` most likely meant, or undefined when it is not close to any. */
export function nearMiss(name: string, options: { readonly pluralOnly?: boolean } = {}): EnvName | undefined {
  const upper = name.toUpperCase();
  const plural = ENV_NAMES.find((known) => known !== name && (known === upper || pluralVariants(known).includes(upper)));
  if (plural !== undefined || options.pluralOnly === true) return plural;
  // why: two edits on a short name reach unrelated words (SCHEMA is two edits from SCHEME and from SCHEMAS), so short names get one.
  const allowed = (known: string): number => (known.length >= 8 ? 2 : 1);
  let best: { name: EnvName; distance: number } | undefined;
  for (const known of ENV_NAMES) {
    const distance = editDistance(known, upper);
    if (distance <= allowed(known) && (best === undefined || distance < best.distance)) best = { name: known, distance };
  }
  return best?.name;
}

/** `VLLM_TARGET` → `VLLM_TARGETS`, `VLLM_TARGETS_FILE` → `VLLM_TARGET_FILE`: an S added or dropped at the end of any word. */
function pluralVariants(name: string): string[] {
  const words = name.split("_");
  return words.map((word, index) => {
    const changed = word.endsWith("S") ? word.slice(0, -1) : `${word}S`;
    return [...words.slice(0, index), changed, ...words.slice(index + 1)].join("_");
  });
}

/** Levenshtein distance: inserts, deletions and substitutions each cost one. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
