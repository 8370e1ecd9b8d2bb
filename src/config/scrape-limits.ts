import { z } from "zod";

/**
 * Scrape limits: what one target may send before Prometheus refuses the scrape (marks it down
 * with the reason) instead of ingesting it whole. A cardinality bomb on one target must not take
 * the memory of the Prometheus that watches everything else. Pure.
 */

/** The scrape jobs of the rendered prometheus.yml. */
export const SCRAPE_JOBS = ["vllm", "gpu", "node", "prometheus"] as const;
export type ScrapeJob = (typeof SCRAPE_JOBS)[number];

/** The Prometheus scrape_config fields, one .env variable each. */
export const SCRAPE_LIMIT_KINDS = {
  sample_limit: { variable: "SCRAPE_SAMPLE_LIMIT", unit: "series", fileSdOnly: false },
  label_limit: { variable: "SCRAPE_LABEL_LIMIT", unit: "labels per series", fileSdOnly: false },
  label_name_length_limit: { variable: "SCRAPE_LABEL_NAME_LENGTH_LIMIT", unit: "characters per label name", fileSdOnly: false },
  label_value_length_limit: { variable: "SCRAPE_LABEL_VALUE_LENGTH_LIMIT", unit: "characters per label value", fileSdOnly: false },
  body_size_limit: { variable: "SCRAPE_BODY_SIZE_LIMIT", unit: "bytes of one /metrics page", fileSdOnly: false },
  target_limit: { variable: "SCRAPE_TARGET_LIMIT", unit: "targets per job", fileSdOnly: true },
} as const;
export type ScrapeLimitKind = keyof typeof SCRAPE_LIMIT_KINDS;

/** Jobs whose targets come from file_sd (target_limit applies to them only). */
const FILE_SD_JOBS: ReadonlySet<ScrapeJob> = new Set(["vllm", "gpu", "node"]);

const MB = 1024 * 1024;

/**
 * Defaults, sized from real pages with a wide margin. Measured (series = non-comment lines):
 * the simulator replaying vLLM's V1 catalog, one model on 8 data-parallel engines: 2,907 series,
 * 326 KB (112 B a line); its dcgm-exporter page with every field for 8 GPUs: 208 series, 36 KB
 * (175 B a line); prometheus-node-exporter 1.5 on a 2-core VM: 541 series, 26 KB.
 */
export const DEFAULT_SCRAPE_LIMITS: Readonly<Record<ScrapeJob, Readonly<Record<ScrapeLimitKind, number>>>> = {
  // why: 17× one model on 8 engines leaves room for LoRA adapters, speculative decoding and KV-connector
  // families (each adds per-engine histograms); a 200,000-series page is refused.
  vllm: {
    sample_limit: 50_000,
    label_limit: 64,
    label_name_length_limit: 256,
    label_value_length_limit: 4096,
    body_size_limit: 32 * MB,
    target_limit: 5_000,
  },
  // why: 8 GPUs × 7 MIG slices × ~40 DCGM fields is ~2,300 series; 20,000 leaves room for 64-GPU hosts.
  gpu: {
    sample_limit: 20_000,
    label_limit: 64,
    label_name_length_limit: 256,
    label_value_length_limit: 4096,
    body_size_limit: 16 * MB,
    target_limit: 5_000,
  },
  // why: a 256-core host with hundreds of container veth devices reaches ~25,000 node_exporter series.
  node: {
    sample_limit: 50_000,
    label_limit: 64,
    label_name_length_limit: 256,
    label_value_length_limit: 4096,
    body_size_limit: 32 * MB,
    target_limit: 5_000,
  },
  // why: Prometheus's own page is ~1,000 series, growing with scrape pools and rule groups.
  prometheus: {
    sample_limit: 20_000,
    label_limit: 64,
    label_name_length_limit: 256,
    label_value_length_limit: 4096,
    body_size_limit: 16 * MB,
    target_limit: 0,
  },
};

/** Overrides of one limit: for every job (`all`) and/or per job. */
export interface ScrapeLimitOverride {
  readonly all?: number;
  readonly jobs: Readonly<Partial<Record<ScrapeJob, number>>>;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { B: 1, KB: 1024, MB: MB, GB: 1024 * MB };

/** A count (`50000`, `50_000` is not accepted) or, for body_size_limit, a size such as `64MB`. */
function parseAmount(text: string, size: boolean): number | undefined {
  const match = size ? /^(\d+)(B|KB|MB|GB)?$/i.exec(text) : /^(\d+)$/.exec(text);
  if (match === null) return undefined;
  const value = Number(match[1]) * (size ? (SIZE_UNITS[(match[2] ?? "B").toUpperCase()] ?? 1) : 1);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/** The schema of one limit variable: `N` (every job) and/or `job=N` items, separated by commas. */
export function scrapeLimitSchema(kind: ScrapeLimitKind): z.ZodType<ScrapeLimitOverride, string> {
  const size = kind === "body_size_limit";
  const jobs: readonly ScrapeJob[] = SCRAPE_LIMIT_KINDS[kind].fileSdOnly ? SCRAPE_JOBS.filter((job) => FILE_SD_JOBS.has(job)) : SCRAPE_JOBS;
  const amount = size ? "a size such as 64MB" : "a whole number above 0";
  return z.string().transform((text, context): ScrapeLimitOverride => {
    let all: number | undefined;
    const perJob: Partial<Record<ScrapeJob, number>> = {};
    for (const item of text.split(",").map((part) => part.trim())) {
      if (item === "") continue;
      const equals = item.indexOf("=");
      const job = equals === -1 ? undefined : item.slice(0, equals).trim();
      const value = parseAmount(equals === -1 ? item : item.slice(equals + 1).trim(), size);
      if (job !== undefined && !(jobs as readonly string[]).includes(job)) {
        context.issues.push({ code: "custom", message: `names a job that is not one of ${jobs.join(", ")}`, input: text });
      } else if (value === undefined) {
        context.issues.push({ code: "custom", message: `has an item that is not ${amount}`, input: text });
      } else if (job === undefined) {
        all = value;
      } else {
        perJob[job as ScrapeJob] = value;
      }
    }
    return all === undefined ? { jobs: perJob } : { all, jobs: perJob };
  });
}

/** The limits of one job: the default, then a bare value, then a `job=` value. */
export function scrapeLimitsOf(
  job: ScrapeJob,
  overrides: Readonly<Partial<Record<ScrapeLimitKind, ScrapeLimitOverride | undefined>>>,
): Record<string, number | string> {
  const limits: Record<string, number | string> = {};
  for (const kind of Object.keys(SCRAPE_LIMIT_KINDS) as ScrapeLimitKind[]) {
    if (SCRAPE_LIMIT_KINDS[kind].fileSdOnly && !FILE_SD_JOBS.has(job)) continue;
    const override = overrides[kind];
    const value = override?.jobs[job] ?? override?.all ?? DEFAULT_SCRAPE_LIMITS[job][kind];
    // why: Prometheus reads body_size_limit as a size with a unit; a bare number would be bytes only in some releases.
    limits[kind] = kind === "body_size_limit" ? sizeText(value) : value;
  }
  return limits;
}

/** `33554432` → `32MB`: Prometheus's size syntax, in the largest unit that divides the value. */
export function sizeText(bytes: number): string {
  for (const unit of ["GB", "MB", "KB"] as const) {
    const factor = SIZE_UNITS[unit] ?? 1;
    if (bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}B`;
}

/** What a scrape's last error says about a limit, in Prometheus's words, or undefined. */
export function exceededLimit(lastError: string): ScrapeLimitKind | undefined {
  if (/sample limit exceeded/i.test(lastError)) return "sample_limit";
  if (/label_limit exceeded/i.test(lastError)) return "label_limit";
  if (/label_name_length_limit exceeded/i.test(lastError)) return "label_name_length_limit";
  if (/label_value_length_limit exceeded/i.test(lastError)) return "label_value_length_limit";
  if (/body size limit/i.test(lastError)) return "body_size_limit";
  if (/target_limit exceeded/i.test(lastError)) return "target_limit";
  return undefined;
}

/** The advice for a target refused by a limit: what it sent, the limit, and the variable to raise. */
export function limitAdvice(kind: ScrapeLimitKind, job: string, scraped: number | undefined, limit: number | undefined): string {
  const variable = SCRAPE_LIMIT_KINDS[kind].variable;
  const suggestion = scraped !== undefined && kind === "sample_limit" ? String(Math.ceil((scraped * 1.5) / 1000) * 1000) : "<higher>";
  const what =
    kind === "sample_limit"
      ? `this target exports ${scraped === undefined ? "more" : scraped.toLocaleString("en-US")} series, over the limit ${limit === undefined ? "" : limit.toLocaleString("en-US")}`.trimEnd()
      : `this target is over its ${kind}${limit === undefined ? "" : ` of ${limit.toLocaleString("en-US")} ${SCRAPE_LIMIT_KINDS[kind].unit}`}`;
  return `${what}: set ${variable}=${job}=${suggestion} in .env if that is expected, or fix the target's cardinality (nothing of it is stored meanwhile)`;
}
