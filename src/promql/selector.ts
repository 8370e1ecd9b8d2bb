/** Label matchers and series selectors, written the way PromQL expects them. */

export type MatchOp = "=" | "!=" | "=~" | "!~";

export interface Matcher {
  readonly label: string;
  readonly op: MatchOp;
  /** The raw value (a regex for =~ and !~); quoting and escaping happen in `series`. */
  readonly value: string;
}

export type Selector = readonly Matcher[];

export function matcher(label: string, op: MatchOp, value: string): Matcher {
  return { label, op, value };
}

function quote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** `name{a=~"b", …}`; the braces are left out when there is no matcher. */
export function series(name: string, selector: Selector = []): string {
  if (selector.length === 0) return name;
  return `${name}{${selector.map((m) => `${m.label}${m.op}${quote(m.value)}`).join(", ")}}`;
}

/**
 * A matcher for one histogram bucket edge. Python clients write `le="1.0"`, Go and Rust clients
 * and Prometheus 3 normalisation may write `le="1"`, so integral edges accept both.
 */
export function leMatcher(edge: number): Matcher {
  if (edge === Number.POSITIVE_INFINITY) return matcher("le", "=", "+Inf");
  const text = String(edge);
  return Number.isInteger(edge) ? matcher("le", "=~", `${text}(\\.0)?`) : matcher("le", "=", text);
}
