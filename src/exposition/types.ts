/** Family types of the Prometheus text format 0.0.4 and of OpenMetrics 1.0. */
export type ExpositionType = "counter" | "gauge" | "histogram" | "summary" | "untyped" | "unknown" | "info" | "stateset" | "gaugehistogram";

export interface ExpositionSample {
  /** The series name as written, e.g. `<family>_bucket` for a histogram bucket. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** NaN, +Inf and -Inf are kept as the JavaScript values. */
  readonly value: number;
  /** Milliseconds since the epoch when the line carried a timestamp (OpenMetrics seconds are converted). */
  readonly timestampMs?: number;
}

export interface ExpositionFamily {
  /** The name from `# TYPE`/`# HELP`, or the sample name for samples without metadata. */
  readonly name: string;
  readonly type: ExpositionType;
  readonly help?: string;
  /** OpenMetrics `# UNIT`. */
  readonly unit?: string;
  readonly samples: readonly ExpositionSample[];
}

export type ExpositionFormat = "prometheus" | "openmetrics";

export interface ExpositionDocument {
  readonly format: ExpositionFormat;
  readonly families: readonly ExpositionFamily[];
}

/** The text is not valid exposition; `line` is 1-based. */
export class ExpositionSyntaxError extends Error {
  readonly line: number;

  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = "ExpositionSyntaxError";
    this.line = line;
  }
}
