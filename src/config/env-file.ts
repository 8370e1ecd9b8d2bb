/** One `NAME=value` assignment read from a .env file. */
export interface EnvEntry {
  readonly name: string;
  readonly value: string;
  /** 1-based line where the assignment starts. */
  readonly line: number;
}

export interface ParsedEnvFile {
  readonly entries: readonly EnvEntry[];
  /** Malformed lines, each as `file:line: what is wrong` (never the line's text: it may hold a secret). */
  readonly problems: readonly string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const DOUBLE_QUOTE_ESCAPES: Readonly<Record<string, string>> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\", $: "$" };

/**
 * Reads a .env file the way people write them and docker compose reads them: blank lines and
 * `#` comments, an optional `export ` prefix, unquoted values with inline ` # comments`,
 * single quotes (literal), double quotes (`\n`, `\t`, `\"`, `\\` escapes; may span lines), CRLF.
 * No `${VAR}` expansion: values are taken literally. Pure.
 */
export function parseEnvFile(text: string, fileName: string): ParsedEnvFile {
  const source = text.replace(/^\uFEFF/, "").replace(/\r\n/g, "\n");
  const entries: EnvEntry[] = [];
  const problems: string[] = [];
  let position = 0;
  let line = 1;

  const restOfLine = (from: number): string => {
    const end = source.indexOf("\n", from);
    return source.slice(from, end === -1 ? source.length : end);
  };
  const skipLine = (): void => {
    const end = source.indexOf("\n", position);
    position = end === -1 ? source.length : end + 1;
    line += 1;
  };

  while (position < source.length) {
    const startLine = line;
    const where = `${fileName}:${startLine}`;
    const current = restOfLine(position);
    const trimmed = current.trimStart();
    if (trimmed === "" || trimmed.startsWith("#")) {
      skipLine();
      continue;
    }
    let cursor = position + (current.length - trimmed.length);
    if (/^export[ \t]+/.test(trimmed)) cursor += /^export[ \t]+/.exec(trimmed)?.[0].length ?? 0;
    const name = NAME.exec(source.slice(cursor, cursor + 256))?.[0];
    if (name === undefined) {
      problems.push(`${where}: expected NAME=value (a name starts with a letter or _ and holds letters, digits and _)`);
      skipLine();
      continue;
    }
    cursor += name.length;
    while (source[cursor] === " " || source[cursor] === "\t") cursor += 1;
    if (source[cursor] !== "=") {
      problems.push(`${where}: ${name} has no "=" after it; write ${name}=value`);
      skipLine();
      continue;
    }
    cursor += 1;
    const afterEquals = cursor;
    while (source[cursor] === " " || source[cursor] === "\t") cursor += 1;
    const quote = source[cursor];

    if (quote === "'" || quote === '"') {
      const parsed = readQuoted(source, cursor, quote);
      if (parsed === undefined) {
        problems.push(
          `${where}: the value of ${name} opens a ${quote === "'" ? "single" : "double"} quote that is never closed; add the closing ${quote}`,
        );
        position = source.length;
        continue;
      }
      const linesSpanned = countNewlines(source, cursor, parsed.end);
      const trailing = restOfLine(parsed.end);
      if (!/^[ \t]*(#.*)?$/.test(trailing)) {
        problems.push(
          `${fileName}:${startLine + linesSpanned}: unexpected text after the closing quote of ${name}; put a comment after " #" or quote the whole value`,
        );
      } else {
        entries.push({ name, value: parsed.value, line: startLine });
      }
      position = parsed.end;
      line += linesSpanned;
      skipLine();
      continue;
    }

    const raw = restOfLine(afterEquals);
    entries.push({ name, value: stripInlineComment(raw), line: startLine });
    skipLine();
  }
  return { entries, problems };
}

/** An unquoted value ends at a `#` that follows whitespace (`A=#b` keeps `#b`, like compose). */
function stripInlineComment(raw: string): string {
  const match = /[ \t]#/.exec(raw);
  const value = match === null ? raw : raw.slice(0, match.index);
  return value.trim();
}

function readQuoted(source: string, openAt: number, quote: "'" | '"'): { value: string; end: number } | undefined {
  let value = "";
  for (let index = openAt + 1; index < source.length; index += 1) {
    const char = source[index] as string;
    if (char === quote) return { value, end: index + 1 };
    if (quote === '"' && char === "\\" && index + 1 < source.length) {
      const next = source[index + 1] as string;
      const escaped = DOUBLE_QUOTE_ESCAPES[next];
      value += escaped ?? `\\${next}`;
      index += 1;
      continue;
    }
    value += char;
  }
  return undefined;
}

function countNewlines(source: string, from: number, to: number): number {
  let count = 0;
  for (let index = from; index < to; index += 1) if (source[index] === "\n") count += 1;
  return count;
}
