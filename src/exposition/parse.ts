import {
  ExpositionSyntaxError,
  type ExpositionDocument,
  type ExpositionFamily,
  type ExpositionFormat,
  type ExpositionSample,
  type ExpositionType,
} from "./types.js";

const TYPES: ReadonlySet<string> = new Set<ExpositionType>([
  "counter",
  "gauge",
  "histogram",
  "summary",
  "untyped",
  "unknown",
  "info",
  "stateset",
  "gaugehistogram",
]);

/** Sample-name suffixes a family of each type may carry besides its own name. */
const SUFFIXES: Readonly<Record<ExpositionType, readonly string[]>> = {
  counter: ["_total", "_created"],
  gauge: [],
  histogram: ["_bucket", "_sum", "_count", "_created"],
  summary: ["_sum", "_count", "_created"],
  untyped: [],
  unknown: [],
  info: ["_info"],
  stateset: [],
  gaugehistogram: ["_bucket", "_gsum", "_gcount"],
};

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const NUMBER = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/;

interface FamilyBuilder {
  name: string;
  type?: ExpositionType;
  help?: string;
  unit?: string;
  samples: ExpositionSample[];
}

export interface ParseOptions {
  /** Force a format; otherwise taken from `contentType`, else from a final `# EOF` line. */
  readonly format?: ExpositionFormat;
  /** The response's Content-Type header, e.g. `application/openmetrics-text; version=1.0.0`. */
  readonly contentType?: string;
}

/** Which format a body is in, from its Content-Type header or, failing that, a `# EOF` line. */
export function detectFormat(text: string, contentType?: string): ExpositionFormat {
  if (contentType !== undefined && /application\/openmetrics-text/i.test(contentType)) return "openmetrics";
  if (contentType !== undefined && /text\/plain/i.test(contentType)) return "prometheus";
  return /(^|\n)# EOF\r?(\n|$)/.test(text) ? "openmetrics" : "prometheus";
}

/**
 * Parses the Prometheus text format 0.0.4 or OpenMetrics 1.0 text into families of samples.
 * Throws ExpositionSyntaxError naming the first bad line.
 */
export function parseExposition(text: string, options: ParseOptions = {}): ExpositionDocument {
  const format = options.format ?? detectFormat(text, options.contentType);
  const openMetrics = format === "openmetrics";
  const families: FamilyBuilder[] = [];
  const byName = new Map<string, FamilyBuilder>();
  let current: FamilyBuilder | undefined;
  let sawEof = false;

  const familyNamed = (name: string): FamilyBuilder => {
    let family = byName.get(name);
    if (family === undefined) {
      family = { name, samples: [] };
      byName.set(name, family);
      families.push(family);
    }
    return family;
  };

  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  lines.forEach((rawLine, index) => {
    const lineNumber = index + 1;
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    if (sawEof) throw new ExpositionSyntaxError(lineNumber, "text after # EOF");
    if (line.trim() === "") {
      if (openMetrics) throw new ExpositionSyntaxError(lineNumber, "empty line (not allowed in OpenMetrics)");
      return;
    }
    if (line.startsWith("#")) {
      const meta = /^#\s+(HELP|TYPE|UNIT|EOF)(?:\s+(\S+)(?:\s(.*))?)?$/.exec(line);
      if (meta === null || meta[1] === undefined) return; // a plain comment
      const keyword = meta[1];
      if (keyword === "EOF") {
        if (!openMetrics) return;
        sawEof = true;
        return;
      }
      const name = meta[2];
      if (name === undefined) throw new ExpositionSyntaxError(lineNumber, `# ${keyword} without a metric name`);
      if (!METRIC_NAME.test(name) || METRIC_NAME.exec(name)?.[0] !== name) {
        throw new ExpositionSyntaxError(lineNumber, `invalid metric name "${name}"`);
      }
      const family = familyNamed(name);
      const rest = meta[3] ?? "";
      if (keyword === "HELP") {
        if (family.help !== undefined) throw new ExpositionSyntaxError(lineNumber, `second HELP line for ${name}`);
        family.help = unescapeHelp(rest, openMetrics);
      } else if (keyword === "TYPE") {
        const type = rest.trim();
        if (!TYPES.has(type)) throw new ExpositionSyntaxError(lineNumber, `unknown type "${type}" for ${name}`);
        if (family.type !== undefined) throw new ExpositionSyntaxError(lineNumber, `second TYPE line for ${name}`);
        if (family.samples.length > 0) throw new ExpositionSyntaxError(lineNumber, `TYPE line for ${name} after its samples`);
        family.type = type as ExpositionType;
      } else {
        family.unit = rest.trim();
      }
      current = family;
      return;
    }
    const sample = parseSampleLine(line, lineNumber, openMetrics);
    const owner =
      current !== undefined && belongsTo(current, sample.name) ? current : (findOwner(byName, sample.name) ?? familyNamed(sample.name));
    owner.samples.push(sample);
    current = owner;
  });

  if (openMetrics && !sawEof) throw new ExpositionSyntaxError(lines.length, "OpenMetrics text must end with # EOF");
  return {
    format,
    families: families.map((family): ExpositionFamily => ({
      name: family.name,
      type: family.type ?? (openMetrics ? "unknown" : "untyped"),
      ...(family.help !== undefined ? { help: family.help } : {}),
      ...(family.unit !== undefined ? { unit: family.unit } : {}),
      samples: family.samples,
    })),
  };
}

/** Every distinct series name in a document, e.g. `x_bucket`, `x_sum`, `x_count` for a histogram. */
export function sampleNames(document: ExpositionDocument): Set<string> {
  const names = new Set<string>();
  for (const family of document.families) for (const sample of family.samples) names.add(sample.name);
  return names;
}

function belongsTo(family: FamilyBuilder, sampleName: string): boolean {
  if (sampleName === family.name) return true;
  if (!sampleName.startsWith(family.name)) return false;
  const suffix = sampleName.slice(family.name.length);
  return SUFFIXES[family.type ?? "untyped"].includes(suffix);
}

function findOwner(byName: ReadonlyMap<string, FamilyBuilder>, sampleName: string): FamilyBuilder | undefined {
  const exact = byName.get(sampleName);
  if (exact !== undefined) return exact;
  for (const suffix of new Set(Object.values(SUFFIXES).flat())) {
    if (!sampleName.endsWith(suffix)) continue;
    const family = byName.get(sampleName.slice(0, -suffix.length));
    if (family !== undefined && belongsTo(family, sampleName)) return family;
  }
  return undefined;
}

function unescapeHelp(text: string, openMetrics: boolean): string {
  return text.replace(/\\(.)/g, (whole, char: string) => {
    if (char === "n") return "\n";
    if (char === "\\") return "\\";
    if (char === '"' && openMetrics) return '"';
    return whole;
  });
}

function parseSampleLine(line: string, lineNumber: number, openMetrics: boolean): ExpositionSample {
  const nameMatch = METRIC_NAME.exec(line);
  if (nameMatch === null) throw new ExpositionSyntaxError(lineNumber, `expected a metric name, found "${preview(line)}"`);
  const name = nameMatch[0];
  let position = name.length;
  let labels: Record<string, string> = {};
  if (line[position] === "{") {
    const parsed = parseLabels(line, position + 1, lineNumber);
    labels = parsed.labels;
    position = parsed.end;
  }
  let rest = line.slice(position);
  if (openMetrics) {
    const exemplar = rest.indexOf(" # {");
    if (exemplar >= 0) rest = rest.slice(0, exemplar);
  }
  if (!/^[ \t]/.test(rest)) throw new ExpositionSyntaxError(lineNumber, `expected a space and a value after ${name}`);
  const fields = rest.trim().split(/[ \t]+/);
  if (fields.length > 2)
    throw new ExpositionSyntaxError(lineNumber, `unexpected text after the value of ${name}: "${preview(fields.slice(2).join(" "))}"`);
  const value = parseValue(fields[0] ?? "");
  if (value === undefined) throw new ExpositionSyntaxError(lineNumber, `"${preview(fields[0] ?? "")}" is not a number (value of ${name})`);
  const timestampText = fields[1];
  if (timestampText === undefined) return { name, labels, value };
  const timestamp = parseValue(timestampText);
  if (timestamp === undefined || !Number.isFinite(timestamp) || (!openMetrics && !Number.isInteger(timestamp))) {
    throw new ExpositionSyntaxError(lineNumber, `"${preview(timestampText)}" is not a timestamp (sample ${name})`);
  }
  return { name, labels, value, timestampMs: openMetrics ? Math.round(timestamp * 1000) : timestamp };
}

function parseLabels(line: string, start: number, lineNumber: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let position = start;
  const skipSpaces = () => {
    while (line[position] === " " || line[position] === "\t") position += 1;
  };
  for (;;) {
    skipSpaces();
    if (line[position] === "}") return { labels, end: position + 1 };
    const nameMatch = LABEL_NAME.exec(line.slice(position));
    if (nameMatch === null) throw new ExpositionSyntaxError(lineNumber, `expected a label name at column ${position + 1}`);
    const labelName = nameMatch[0];
    position += labelName.length;
    skipSpaces();
    if (line[position] !== "=") throw new ExpositionSyntaxError(lineNumber, `expected "=" after label ${labelName}`);
    position += 1;
    skipSpaces();
    if (line[position] !== '"') throw new ExpositionSyntaxError(lineNumber, `expected a quoted value for label ${labelName}`);
    position += 1;
    let value = "";
    for (;;) {
      const char = line[position];
      if (char === undefined) throw new ExpositionSyntaxError(lineNumber, `unterminated value of label ${labelName}`);
      position += 1;
      if (char === '"') break;
      if (char === "\\") {
        const escaped = line[position];
        position += 1;
        if (escaped === "n") value += "\n";
        else if (escaped === "\\" || escaped === '"') value += escaped;
        else throw new ExpositionSyntaxError(lineNumber, `invalid escape "\\${escaped ?? ""}" in label ${labelName}`);
      } else {
        value += char;
      }
    }
    if (Object.hasOwn(labels, labelName)) throw new ExpositionSyntaxError(lineNumber, `label ${labelName} appears twice`);
    labels[labelName] = value;
    skipSpaces();
    if (line[position] === ",") position += 1;
    else if (line[position] !== "}") throw new ExpositionSyntaxError(lineNumber, `expected "," or "}" after label ${labelName}`);
  }
}

function parseValue(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === "nan") return Number.NaN;
  if (lower === "+inf" || lower === "inf") return Number.POSITIVE_INFINITY;
  if (lower === "-inf") return Number.NEGATIVE_INFINITY;
  return NUMBER.test(text) ? Number(text) : undefined;
}

function preview(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
