/**
 * Where a placeholder sits in a YAML or JSON line, and how a value must be written there so it
 * stays one scalar. Pure; works line by line (our templates keep quoted scalars on one line).
 */

export type TemplateFormat = "yaml" | "json";

export type PlacementContext =
  "yaml-double-quoted" | "yaml-single-quoted" | "yaml-comment" | "yaml-plain-whole" | "yaml-plain-partial" | "json-string" | "json-bare";

/** A value placed, or why it cannot be (the reason never contains the value). */
export type Placement = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string };

// A plain scalar YAML reads back as the same text: no indicator first, no spaces, no flow or comment characters.
const PLAIN_SAFE = /^[A-Za-z0-9_./][A-Za-z0-9_./:@%+=~-]*$/;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const LINE_BREAK = /[\r\n\u0085\u2028\u2029]/;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

export function placementContext(format: TemplateFormat, line: string, start: number, end: number): PlacementContext {
  return format === "json" ? jsonContext(line, start) : yamlContext(line, start, end);
}

export function placeValue(context: PlacementContext, value: string): Placement {
  switch (context) {
    case "yaml-double-quoted":
    case "json-string":
      return { ok: true, text: doubleQuotedContent(value) };
    case "yaml-single-quoted":
      if (LINE_BREAK.test(value) || CONTROL.test(value))
        return { ok: false, reason: "contains a line break or control character, which a single-quoted YAML string cannot hold" };
      return { ok: true, text: value.replace(/'/g, "''") };
    case "yaml-comment":
      if (LINE_BREAK.test(value)) return { ok: false, reason: "contains a line break, which would end the YAML comment it is placed in" };
      return { ok: true, text: value };
    case "yaml-plain-whole":
      return { ok: true, text: PLAIN_SAFE.test(value) && !value.endsWith(":") ? value : `"${doubleQuotedContent(value)}"` };
    case "yaml-plain-partial":
      if (PLAIN_SAFE.test(value) && !value.endsWith(":")) return { ok: true, text: value };
      return {
        ok: false,
        reason: "holds characters that cannot stand unquoted inside a longer YAML value; quote the placeholder in the template",
      };
    case "json-bare":
      return { ok: true, text: JSON_NUMBER.test(value) || value === "true" || value === "false" ? value : JSON.stringify(value) };
  }
}

/** Escapes for a double-quoted YAML scalar or a JSON string (JSON escapes are valid YAML escapes). */
function doubleQuotedContent(value: string): string {
  return JSON.stringify(value)
    .slice(1, -1)
    .replace(/[\u007f-\u009f\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function jsonContext(line: string, start: number): PlacementContext {
  let inString = false;
  for (let index = 0; index < start; index += 1) {
    const char = line[index];
    if (inString && char === "\\") index += 1;
    else if (char === '"') inString = !inString;
  }
  return inString ? "json-string" : "json-bare";
}

function yamlContext(line: string, start: number, end: number): PlacementContext {
  let state: "plain" | "double" | "single" = "plain";
  for (let index = 0; index < start; index += 1) {
    const char = line[index];
    if (state === "double") {
      if (char === "\\") index += 1;
      else if (char === '"') state = "plain";
    } else if (state === "single") {
      if (char === "'" && line[index + 1] === "'") index += 1;
      else if (char === "'") state = "plain";
    } else if (char === "#" && (index === 0 || /\s/.test(line[index - 1] ?? ""))) {
      return "yaml-comment";
    } else if ((char === '"' || char === "'") && startsScalar(line, index)) {
      state = char === '"' ? "double" : "single";
    }
  }
  if (state === "double") return "yaml-double-quoted";
  if (state === "single") return "yaml-single-quoted";
  const after = line.slice(end);
  const endsScalar = /^\s*$/.test(after) || /^\s+#/.test(after) || /^\s*[,\]}]/.test(after);
  return startsScalar(line, start) && endsScalar ? "yaml-plain-whole" : "yaml-plain-partial";
}

/** True when a scalar may begin at `index`: line start, after `key: `, `- `, `? `, or a flow `[`, `{`, `,`. */
function startsScalar(line: string, index: number): boolean {
  let previous = index - 1;
  while (previous >= 0 && (line[previous] === " " || line[previous] === "\t")) previous -= 1;
  if (previous < 0) return true;
  const char = line[previous];
  if (char === "[" || char === "{" || char === ",") return true;
  return (char === ":" || char === "-" || char === "?") && previous < index - 1;
}
