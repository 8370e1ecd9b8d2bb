import { UserError } from "../errors.js";
import { placeValue, placementContext, type TemplateFormat } from "./quote.js";

export type { TemplateFormat } from "./quote.js";

/** A whitelisted variable's value for templates. */
export interface TemplateValue {
  /** `undefined`: whitelisted but unset; using it in a template is an error. */
  readonly value: string | undefined;
  /** Messages name the variable and never show the value. */
  readonly secret?: boolean;
  /**
   * YAML/JSON text built by this program (never user text), inserted verbatim: flow mappings,
   * lists, whole rendered fragments. Must be asked for explicitly.
   */
  readonly trusted?: boolean;
  /** How to give it a value, appended to the "has no value" message. */
  readonly hint?: string;
}

/** The whitelist: only names in this map are replaced; every other `$` stays as it is. */
export type TemplateValues = ReadonlyMap<string, TemplateValue>;

export interface RenderOptions {
  /** Shown in messages as `fileName:line`. */
  readonly fileName: string;
  readonly format: TemplateFormat;
}

export interface RenderResult {
  readonly text: string;
  /** Each as `file:line: ...`; empty when the text is good. */
  readonly problems: readonly string[];
}

// `$$` (kept as is), `${NAME}` or `$NAME`. `${NAME:-x}` and `${__rate_interval}`-style names fall through untouched.
/** Braced upper-case names belong to vllm-monitor; Grafana's `${__rate_interval}` and `${job}` stay untouched. */
const SETTINGS_NAMESPACE = /^[A-Z][A-Z0-9_]*$/;

const PLACEHOLDER = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * Replaces whitelisted `${NAME}` / `$NAME` placeholders in one pass (inserted values are never
 * scanned again) and writes each value so it stays one scalar where it lands. Every other byte
 * is kept: `$job`, `${__rate_interval}`, `{{ $labels.instance }}`, `$1`, `$$`. Pure.
 */
export function renderTemplateCollecting(text: string, values: TemplateValues, options: RenderOptions): RenderResult {
  const problems: string[] = [];
  const lineStarts = [0];
  for (let index = 0; index < text.length; index += 1) if (text[index] === "\n") lineStarts.push(index + 1);
  let lineIndex = 0;

  const rendered = text.replace(
    PLACEHOLDER,
    (match: string, dollar: string | undefined, braced: string | undefined, bare: string | undefined, offset: number) => {
      const name = braced ?? bare;
      if (dollar !== undefined || name === undefined) return match;
      const entry = values.get(name);
      // why: `${UPPER_CASE}` is the settings' namespace; left as written, Prometheus would fail on it much later.
      const claimed = braced !== undefined && SETTINGS_NAMESPACE.test(braced);
      if (entry === undefined && !claimed) return match;
      while (lineIndex + 1 < lineStarts.length && (lineStarts[lineIndex + 1] ?? Infinity) <= offset) lineIndex += 1;
      const where = `${options.fileName}:${lineIndex + 1}`;
      if (entry === undefined) {
        problems.push(
          `${where}: \${${name}} is neither a setting of .env_example nor a value vllm-monitor computes; fix the name, or declare it in src/config/schema.ts with substitutable: true`,
        );
        return match;
      }
      if (entry.value === undefined) {
        problems.push(`${where}: ${name} has no value${entry.hint === undefined ? "" : `; ${entry.hint}`}`);
        return match;
      }
      if (entry.trusted === true) return entry.value;
      const lineStart = lineStarts[lineIndex] ?? 0;
      const lineEnd = text.indexOf("\n", offset);
      const line = text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd).replace(/\r$/, "");
      const context = placementContext(options.format, line, offset - lineStart, offset - lineStart + match.length);
      const placed = placeValue(context, entry.value);
      if (placed.ok) return placed.text;
      problems.push(`${where}: the value of ${name}${entry.secret === true ? " (hidden)" : ""} ${placed.reason}`);
      return match;
    },
  );
  return { text: rendered, problems };
}

/** Like `renderTemplateCollecting`, but throws one UserError listing every problem. */
export function renderTemplate(text: string, values: TemplateValues, options: RenderOptions): string {
  const result = renderTemplateCollecting(text, values, options);
  if (result.problems.length > 0) throw new UserError(`cannot render ${options.fileName}:`, result.problems);
  return result.text;
}

/** The format a template's output has, from its name (`x.yml.template` → yaml). */
export function formatOf(fileName: string): TemplateFormat {
  const base = fileName.replace(/\.template$/, "");
  if (/\.json$/i.test(base)) return "json";
  if (/\.ya?ml$/i.test(base)) return "yaml";
  throw new Error(`no template format for ${fileName}: name templates *.yml.template, *.yaml.template or *.json.template`);
}
