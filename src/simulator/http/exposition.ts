import { createdFamilyName, type MetricFamily } from "../../catalog/index.js";

/**
 * The Prometheus text format exactly as Python's prometheus_client writes it, which vLLM uses:
 * values and `le` as Python floats (`1.0`, `2560.0`, `1.7e+09`), labels sorted by name, and a
 * `<name>_created` gauge family after each counter, histogram and summary. prom-client writes
 * `le="1"` and has no `_created` families, hence this small writer.
 */

/** Python's `repr(float)`. */
function pythonRepr(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e16 || magnitude < 1e-4)) {
    return value.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  }
  const text = String(value);
  return Number.isInteger(value) ? `${text}.0` : text;
}

/** prometheus_client's `floatToGoString`: Python repr, switching to exponents sooner like Go. */
export function formatValue(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (Number.isNaN(value)) return "NaN";
  const text = pythonRepr(value);
  const dot = text.indexOf(".");
  if (value > 0 && dot > 6 && !text.includes("e")) {
    const mantissa = `${text[0]}.${text.slice(1, dot)}${text.slice(dot + 1)}`.replace(/[0.]+$/, "");
    return `${mantissa}e+0${dot - 1}`;
  }
  return text;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** `{a="1",b="2"}` with names sorted, or "" for no labels. */
export function formatLabels(pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 0) return "";
  const sorted = [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${sorted.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(",")}}`;
}

export interface Child {
  readonly labelText: string;
  readonly created: number;
  /** Counter or gauge value. */
  value: number;
  /** Histogram: per-bucket (non-cumulative) counts, the last one for +Inf. */
  readonly bucketCounts?: Float64Array;
  readonly bucketLabels?: readonly string[];
  sum: number;
  count: number;
}

/** One family with its children, able to render itself. */
export class Family {
  readonly definition: MetricFamily;
  private readonly writeCreated: boolean;
  private readonly children = new Map<string, Child>();
  private readonly header: string;
  private readonly createdHeader: string;

  constructor(definition: MetricFamily, writeCreated: boolean) {
    this.definition = definition;
    this.writeCreated = writeCreated && definition.type !== "gauge";
    const help = escapeHelp(definition.help);
    this.header = `# HELP ${definition.name} ${help}\n# TYPE ${definition.name} ${definition.type}\n`;
    const created = createdFamilyName(definition);
    this.createdHeader = `# HELP ${created} ${help}\n# TYPE ${created} gauge\n`;
  }

  /** The child with these label values (in `definition.labels` order), created on first use. */
  child(values: readonly string[], createdAt: number): Child {
    const key = values.join("\u0001");
    const existing = this.children.get(key);
    if (existing !== undefined) return existing;
    const pairs = this.definition.labels.map((name, index) => [name, values[index] ?? ""] as const);
    const buckets = this.definition.type === "histogram" ? [...(this.definition.buckets ?? []), Infinity] : undefined;
    const child: Child = {
      labelText: formatLabels(pairs),
      created: createdAt,
      value: 0,
      sum: 0,
      count: 0,
      ...(buckets === undefined
        ? {}
        : {
            bucketCounts: new Float64Array(buckets.length),
            bucketLabels: buckets.map((bound) => formatLabels([...pairs, ["le", formatValue(bound)]])),
          }),
    };
    this.children.set(key, child);
    return child;
  }

  /** Drops the child with these label values (a gauge child that no longer applies). */
  forget(values: readonly string[]): void {
    this.children.delete(values.join("\u0001"));
  }

  /** Records one histogram observation. */
  observe(child: Child, value: number): void {
    const counts = child.bucketCounts;
    if (counts === undefined) return;
    const bounds = this.definition.buckets ?? [];
    let index = 0;
    while (index < bounds.length && value > (bounds[index] as number)) index += 1;
    counts[index] = (counts[index] as number) + 1;
    child.sum += value;
    child.count += 1;
  }

  /** Records one summary observation. */
  observeSummary(child: Child, value: number): void {
    child.sum += value;
    child.count += 1;
  }

  render(out: string[]): void {
    const name = this.definition.name;
    out.push(this.header);
    for (const child of this.children.values()) {
      if (child.bucketCounts !== undefined && child.bucketLabels !== undefined) {
        let cumulative = 0;
        for (let index = 0; index < child.bucketCounts.length; index += 1) {
          cumulative += child.bucketCounts[index] as number;
          out.push(`${name}_bucket${child.bucketLabels[index]} ${formatValue(cumulative)}\n`);
        }
        out.push(`${name}_count${child.labelText} ${formatValue(child.count)}\n${name}_sum${child.labelText} ${formatValue(child.sum)}\n`);
      } else if (this.definition.type === "summary") {
        out.push(`${name}_count${child.labelText} ${formatValue(child.count)}\n${name}_sum${child.labelText} ${formatValue(child.sum)}\n`);
      } else {
        // why: vLLM's counters count whole things; some simulated ones accumulate expected (fractional) amounts. Seconds stay fractional.
        const value = this.definition.type === "counter" && this.definition.unit !== "seconds" ? Math.floor(child.value) : child.value;
        out.push(`${name}${child.labelText} ${formatValue(value)}\n`);
      }
    }
    if (this.writeCreated && this.children.size > 0) {
      const created = createdFamilyName(this.definition);
      out.push(this.createdHeader);
      for (const child of this.children.values()) out.push(`${created}${child.labelText} ${formatValue(child.created)}\n`);
    }
  }
}
