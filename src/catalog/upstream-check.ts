import type { MetricFamily, MetricType } from "./types.js";

/**
 * Reads the `vllm:` metric definitions out of vLLM's Python source and compares them with the
 * catalog, as vLLM's own dashboard CI checks its dashboards against the source. Pure: the caller
 * reads the files. A hand-written scanner, because no TypeScript library parses Python; it
 * understands the shapes vLLM uses: `self._counter_cls(name="vllm:…", buckets=[…])`,
 * `prometheus_client.Histogram(…)`, names and bucket lists held in constants, and
 * `"vllm:…": OffloadingHistogramMetadata(buckets=…)` tables.
 */

export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

/** Buckets as read: numbers, vLLM's `build_1_2_5_buckets(max_model_len)`, or an expression the scanner cannot evaluate. */
export type UpstreamBuckets = readonly number[] | "one-two-five" | "unresolved";

export interface UpstreamFamily {
  /** Wire name: counters carry `_total` as prometheus_client writes them. */
  readonly name: string;
  readonly type: MetricType;
  readonly buckets?: UpstreamBuckets;
  readonly path: string;
  readonly line: number;
}

/** A `vllm:` name the source mentions outside any definition the scanner understood (e.g. built in a loop). */
export interface UpstreamMention {
  readonly name: string;
  readonly path: string;
  readonly line: number;
}

export interface UpstreamTree {
  readonly families: readonly UpstreamFamily[];
  readonly mentions: readonly UpstreamMention[];
}

export interface CatalogFinding {
  readonly kind: "missing" | "wrong type" | "wrong buckets";
  readonly name: string;
  readonly detail: string;
  readonly where: string;
}

interface Call {
  readonly callee: string;
  readonly args: string;
  readonly start: number;
}

/** The text with comments blanked out (strings kept), so `#` inside a string survives. */
function withoutComments(text: string): string {
  let out = "";
  let quote: string | undefined;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index] as string;
    if (quote !== undefined) {
      out += char;
      if (char === "\\") {
        out += text[index + 1] ?? "";
        index += 1;
      } else if (text.startsWith(quote, index)) {
        out += quote.slice(1);
        index += quote.length - 1;
        quote = undefined;
      }
    } else if (char === "#") {
      while (index < text.length && text[index] !== "\n") index += 1;
      out += "\n";
    } else {
      if (char === '"' || char === "'") quote = text.startsWith(char.repeat(3), index) ? char.repeat(3) : char;
      if (quote !== undefined && quote.length === 3) {
        out += quote;
        index += 2;
        continue;
      }
      out += char;
    }
  }
  return out;
}

/** The index just past the bracket that closes the one at `open`, skipping strings. */
function closingBracket(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let index = open; index < text.length; index += 1) {
    const char = text[index] as string;
    if (quote !== undefined) {
      if (char === "\\") index += 1;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if ("([{".includes(char)) depth += 1;
    else if (")]}".includes(char)) {
      depth -= 1;
      if (depth === 0) return index + 1;
    }
  }
  return text.length;
}

/** Adjacent string literals joined, as Python joins them; undefined when `expr` is not only strings. */
function stringValue(expr: string): string | undefined {
  const trimmed = expr.trim().replace(/^\(([\s\S]*)\)$/, "$1");
  const parts = [...trimmed.matchAll(/\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join("") !== trimmed) return undefined;
  return parts.map((part) => part[1] ?? part[2] ?? "").join("");
}

/** A top-level keyword argument `key=` of a call's argument text. */
function keywordArgument(args: string, key: string): string | undefined {
  const pattern = new RegExp(`(?:^|[,(\\s])${key}\\s*=`, "g");
  for (const match of args.matchAll(pattern)) {
    const start = (match.index ?? 0) + match[0].length;
    let depth = 0;
    let quote: string | undefined;
    for (let index = start; index <= args.length; index += 1) {
      const char = args[index] ?? ",";
      if (quote !== undefined) {
        if (char === "\\") index += 1;
        else if (char === quote) quote = undefined;
      } else if (char === '"' || char === "'") quote = char;
      else if ("([{".includes(char)) depth += 1;
      else if (")]}".includes(char)) depth -= 1;
      if (quote === undefined && depth <= 0 && (char === "," || index === args.length || depth < 0)) return args.slice(start, index).trim();
    }
  }
  return undefined;
}

/**
 * Assignments `NAME = value` (also class attributes), the last one before `before` winning; names
 * not assigned in this file fall back to the `vllm:` strings other files assign (`shared`).
 */
class Constants {
  private readonly assignments: { name: string; value: string; at: number }[] = [];
  private readonly shared: ReadonlyMap<string, string>;

  constructor(code: string, shared: ReadonlyMap<string, string> = new Map()) {
    this.shared = shared;
    for (const match of code.matchAll(/^[ \t]*([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=\n]*)?=(?!=)\s*/gm)) {
      const start = (match.index ?? 0) + match[0].length;
      const first = code[start] ?? "";
      const end = "([{".includes(first)
        ? closingBracket(code, start)
        : code.indexOf("\n", start) === -1
          ? code.length
          : code.indexOf("\n", start);
      const value = code.slice(start, end).trim();
      // why: a keyword argument on its own line (`buckets=buckets,`) is not an assignment.
      if (!value.endsWith(",")) this.assignments.push({ name: match[1] as string, value, at: start });
    }
  }

  /** `NAME = "vllm:…"` assignments of this file. */
  metricNames(): { name: string; value: string }[] {
    return this.assignments.flatMap((item) => {
      const value = stringValue(item.value);
      return value?.startsWith("vllm:") === true ? [{ name: item.name, value: `"${value}"` }] : [];
    });
  }

  resolve(name: string, before: number): string | undefined {
    const plain = name.split(".").pop() ?? name;
    const candidates = this.assignments.filter((item) => item.name === plain);
    const earlier = candidates.filter((item) => item.at < before);
    const local = (earlier[earlier.length - 1] ?? candidates[0])?.value;
    // why: only constants (UPPER_CASE) cross files; a local `name` is a loop variable, not another file's.
    return local ?? (/^[A-Z][A-Z0-9_]*$/.test(plain) ? this.shared.get(plain) : undefined);
  }
}

function numberList(expr: string): number[] | undefined {
  const inner = /^[([]([\s\S]*)[)\]]$/.exec(expr.trim())?.[1];
  if (inner === undefined) return undefined;
  const items = inner
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  const numbers = items.map((item) => Number(item.replace(/_/g, "")));
  return numbers.every((value) => Number.isFinite(value)) ? numbers : undefined;
}

function bucketsOf(expr: string, constants: Constants, at: number, depth = 0): UpstreamBuckets {
  const trimmed = expr.trim();
  if (/^build_(1_2_5_)?buckets\s*\(/.test(trimmed)) return "one-two-five";
  const literal = numberList(trimmed);
  if (literal !== undefined) return literal;
  const slice = /^([A-Za-z_][\w.]*)\s*\[\s*(-?\d*)\s*:\s*(-?\d*)\s*\]$/.exec(trimmed);
  const reference = slice?.[1] ?? (/^[A-Za-z_][\w.]*$/.test(trimmed) ? trimmed : undefined);
  if (reference === undefined || depth > 3) return "unresolved";
  const value = constants.resolve(reference, at);
  if (value === undefined) return "unresolved";
  const resolved = bucketsOf(value, constants, at, depth + 1);
  if (slice === null || typeof resolved === "string") return resolved;
  const from = slice[2] === "" ? undefined : Number(slice[2]);
  const to = slice[3] === "" ? undefined : Number(slice[3]);
  return resolved.slice(from, to);
}

function typeOf(callee: string): MetricType | undefined {
  const lower = callee.toLowerCase();
  if (lower.includes("histogram")) return "histogram";
  if (lower.includes("counter")) return "counter";
  if (lower.includes("gauge")) return "gauge";
  if (lower.includes("summary")) return "summary";
  return undefined;
}

function calls(code: string): Call[] {
  const found: Call[] = [];
  for (const match of code.matchAll(/([A-Za-z_][\w.]*)\s*\(/g)) {
    const callee = match[1] as string;
    if (typeOf(callee.split(".").pop() ?? "") === undefined) continue;
    const open = (match.index ?? 0) + match[0].length - 1;
    found.push({ callee, args: code.slice(open + 1, closingBracket(code, open) - 1), start: match.index ?? 0 });
  }
  return found;
}

function wireName(name: string, type: MetricType): string {
  return type === "counter" && !name.endsWith("_total") ? `${name}_total` : name;
}

/** Every `vllm:` family one Python file defines; `shared` holds name constants other files define. */
export function familiesInFile(file: SourceFile, shared: ReadonlyMap<string, string> = new Map()): UpstreamFamily[] {
  const code = withoutComments(file.text);
  const constants = new Constants(code, shared);
  const lineOf = (offset: number) => code.slice(0, offset).split("\n").length;
  const families: UpstreamFamily[] = [];
  for (const call of calls(code)) {
    const type = typeOf(call.callee.split(".").pop() ?? "") as MetricType;
    const nameExpr = keywordArgument(call.args, "name");
    // why: metadata tables key the definition by name: `"vllm:…": XHistogramMetadata(…)` or `Names.X: …`.
    const key = nameExpr ?? /([A-Za-z_][\w.]*|"[^"]*")\s*:\s*$/.exec(code.slice(Math.max(0, call.start - 200), call.start))?.[1];
    if (key === undefined) continue;
    const name = stringValue(key) ?? stringValue(constants.resolve(key, call.start) ?? "");
    if (name === undefined || !name.startsWith("vllm:")) continue;
    const bucketsExpr = type === "histogram" ? keywordArgument(call.args, "buckets") : undefined;
    const family: UpstreamFamily = { name: wireName(name, type), type, path: file.path, line: lineOf(call.start) };
    families.push(bucketsExpr === undefined ? family : { ...family, buckets: bucketsOf(bucketsExpr, constants, call.start) });
  }
  return families;
}

/** Name constants (`CPU_CACHE_USAGE_PERC = "vllm:…"`) of every file; a name given two values is left out as ambiguous. */
function sharedMetricNames(files: readonly SourceFile[]): Map<string, string> {
  const values = new Map<string, Set<string>>();
  for (const file of files) {
    for (const { name, value } of new Constants(withoutComments(file.text)).metricNames())
      values.set(name, (values.get(name) ?? new Set()).add(value));
  }
  return new Map([...values].filter(([, set]) => set.size === 1).map(([name, set]) => [name, [...set][0] as string]));
}

/** Every family of a source tree, one entry per wire name (the first definition found), and the names it mentions but defines in a way the scanner does not read. */
export function upstreamFamilies(files: readonly SourceFile[]): UpstreamTree {
  const shared = sharedMetricNames(files);
  const byName = new Map<string, UpstreamFamily>();
  for (const file of files)
    for (const family of familiesInFile(file, shared)) if (!byName.has(family.name)) byName.set(family.name, family);
  const known = (name: string) => byName.has(name) || byName.has(`${name}_total`);
  const mentions = new Map<string, UpstreamMention>();
  for (const file of files) {
    const code = withoutComments(file.text);
    for (const match of code.matchAll(/["'](vllm:[a-z][a-z0-9_]*)["']/g)) {
      const name = match[1] as string;
      if (!known(name) && !mentions.has(name))
        mentions.set(name, { name, path: file.path, line: code.slice(0, match.index ?? 0).split("\n").length });
    }
  }
  return {
    families: [...byName.values()].sort((a, b) => a.name.localeCompare(b.name)),
    mentions: [...mentions.values()].sort((a, b) => a.name.localeCompare(b.name)),
  };
}

function sameBuckets(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((value, index) => Math.abs(value - (b[index] as number)) <= 1e-9 * Math.max(1, Math.abs(value)));
}

/**
 * Families upstream defines that the catalog lacks, or declares with another type or other buckets;
 * mentioned names the catalog lacks too (their type unread).
 */
export function compareWithCatalog(upstream: UpstreamTree, catalog: readonly MetricFamily[]): CatalogFinding[] {
  const findings: CatalogFinding[] = [];
  for (const mention of upstream.mentions) {
    if (catalog.some((item) => item.name === mention.name || item.name === `${mention.name}_total`)) continue;
    findings.push({
      kind: "missing",
      name: mention.name,
      detail: "mentioned in the source, type not read",
      where: `${mention.path}:${mention.line}`,
    });
  }
  for (const family of upstream.families) {
    const where = `${family.path}:${family.line}`;
    // why: a counter's wire name gains `_total`; a family declared as another type keeps its bare name.
    const bare = family.name.replace(/_total$/, "");
    const declared = catalog.filter((item) => item.name === family.name || item.name === bare);
    if (declared.length === 0) {
      findings.push({ kind: "missing", name: family.name, detail: `${family.type} not in the catalog`, where });
      continue;
    }
    const ours = declared[0] as MetricFamily & { readonly bucketScheme?: string };
    if (ours.type !== family.type) {
      findings.push({ kind: "wrong type", name: family.name, detail: `upstream ${family.type}, catalog ${ours.type}`, where });
      continue;
    }
    const upstreamBuckets = family.buckets;
    if (upstreamBuckets === undefined || upstreamBuckets === "unresolved") continue;
    if (upstreamBuckets === "one-two-five") {
      if (ours.bucketScheme !== "one-two-five")
        findings.push({
          kind: "wrong buckets",
          name: family.name,
          detail: "upstream builds 1-2-5 buckets from max_model_len; the catalog has a fixed list",
          where,
        });
    } else if (ours.buckets === undefined || !sameBuckets(upstreamBuckets, ours.buckets)) {
      findings.push({
        kind: "wrong buckets",
        name: family.name,
        detail: `upstream ${upstreamBuckets.join(", ")}; catalog ${ours.buckets?.join(", ") ?? ours.bucketScheme ?? "none"}`,
        where,
      });
    }
  }
  return findings.sort((a, b) => a.name.localeCompare(b.name));
}
