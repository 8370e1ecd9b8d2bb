import { z } from "zod";
import { vllm } from "../catalog/index.js";
import { durationSeconds, PROMETHEUS_DURATION, secondsDuration } from "../promql/duration.js";
import { RECORDING_WINDOW } from "../promql/signals.js";
import type { Secret } from "./secret.js";
import { parseTargetList, type TargetSpec } from "./targets.js";
import { remoteWriteHeadersSchema } from "./remote-write-headers.js";
import {
  DEFAULT_SCRAPE_LIMITS,
  SCRAPE_LIMIT_KINDS,
  scrapeLimitSchema,
  sizeText,
  type ScrapeLimitKind,
  type ScrapeLimitOverride,
} from "./scrape-limits.js";

/** Sections of `.env_example`, in the order they appear there. */
export const ENV_GROUPS = {
  grafana: "Grafana",
  targets: "vLLM targets",
  prometheus: "Prometheus and exporters",
  alerts: "Service levels and alerts",
  native: "Native mode only (`vllm-monitor up --native`, no Docker)",
  images: "Compose only: container images and the project",
  fleet: "Fleet: exporters on other hosts, remote write, agent mode",
} as const;

export type EnvGroup = keyof typeof ENV_GROUPS;

/**
 * What one .env variable means. Every variable the project reads is declared once, here; the
 * loader, the template whitelist, the service table and `.env_example` all follow this table.
 */
export interface EnvVariable<Output> {
  readonly description: string;
  /** Used when the variable is missing or empty (empty counts as missing). Typed nowhere else. */
  readonly default?: string;
  /** Used instead of `default` in demo mode (no VLLM_TARGET nor VLLM_TARGETS_FILE). */
  readonly demoDefault?: string;
  readonly example: string;
  /** Never printed, logged or placed in a template; the loader wraps the value in a `Secret`. */
  readonly secret: boolean;
  /** May appear as `${NAME}` / `$NAME` in templates (the whitelist). Secrets never are. */
  readonly substitutable: boolean;
  /** How to fix an invalid value. */
  readonly fix: string;
  /** Parses the (non-empty) text; its messages never contain the value. */
  readonly schema: z.ZodType<Output, string>;
  readonly group: EnvGroup;
  /** A path the loader resolves (relative to the .env file's folder) and checks. */
  readonly path?: "file" | "executable" | "directory";
  /** Shown commented out in `.env_example`: most users never set it. */
  readonly advanced?: boolean;
  /** Read from the process environment only, never from .env: commands that read no .env need the same value. */
  readonly environmentOnly?: boolean;
}

/** Samples a rate window must hold at the scrape interval; see SCRAPE_INTERVAL. */
const MIN_SAMPLES_PER_WINDOW = 4;

// why: compose.env carries these in single quotes, which can hold neither ' nor \ nor a line break.
const COMPOSE_ENV_SAFE = /^[^'\\\r\n]*$/;
const COMPOSE_ENV_UNSAFE = "contains a single quote, backslash or line break, which docker compose's env file cannot carry";

const port = z
  .string()
  .regex(/^\d{1,5}$/, { error: "must be a port number" })
  .transform((text) => Number(text))
  .refine((value) => value >= 1 && value <= 65535, { error: "must be a port from 1 to 65535" });

const booleanText = z
  .string()
  .transform((text) => text.toLowerCase())
  .pipe(z.enum(["true", "false"], { error: "must be true or false" }))
  .transform((text) => text === "true");

const filePath = z.string().regex(/^[^\r\n]*$/, { error: "must be a file path on one line" });

// why: a line break in a header value would let a token inject other HTTP headers.
const headerToken = z
  .string()
  .regex(/^[^\r\n]*$/, { error: "contains a line break (HTTP header injection)" })
  .refine((text) => /[\r\n]/.test(text) || /^[\x21-\x7e]*$/.test(text), {
    error: "contains spaces or non-printable characters, which cannot go into an HTTP header",
  });

const targetList = z.string().transform((text, context): TargetSpec[] => {
  const { specs, problems } = parseTargetList(text);
  for (const problem of problems) context.issues.push({ code: "custom", message: problem, input: text });
  if (problems.length === 0 && specs.length === 0) {
    context.issues.push({ code: "custom", message: "lists no target (only commas and spaces)", input: text });
  }
  return specs;
});

/** A number of seconds that must be an upper bound of a histogram, so an SLO share read from its buckets is exact. */
function bucketEdgeSeconds(buckets: readonly number[] | undefined) {
  const edges = buckets ?? [];
  return z
    .string()
    .regex(/^\d+(\.\d+)?$/, { error: "must be a number of seconds, e.g. 2.5" })
    .transform((text) => Number(text))
    .superRefine((value, context) => {
      if (edges.includes(value)) return;
      context.issues.push({ code: "custom", message: notABucketEdge(value, edges), input: value });
    });
}

/** Names the boundaries either side of `value`, so the fix is one of two numbers, then lists them all. */
function notABucketEdge(value: number, edges: readonly number[]): string {
  const below = edges.filter((edge) => edge < value).at(-1);
  const above = edges.find((edge) => edge > value);
  const nearest = [below, above].filter((edge) => edge !== undefined).join(" or ");
  return `is not a bucket boundary of the histogram, so the share of requests within it cannot be read exactly; the nearest boundaries are ${nearest} (all: ${edges.join(", ")})`;
}

/** An image reference as docker accepts it: no spaces, quotes or line breaks. */
const imageReference = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/, { error: "is not an image reference such as registry.example.com/prom/prometheus:v3.5.0" });

function image(defaultImage: string, service: string): EnvVariable<string> & { default: string } {
  return {
    description: `Image of the ${service} service. Point it at a private mirror on air-gapped sites.`,
    default: defaultImage,
    example: `registry.example.com/${defaultImage}`,
    secret: false,
    substitutable: false,
    fix: "use an image reference docker can pull, e.g. registry.example.com/prom/prometheus:v3.5.0",
    schema: imageReference,
    group: "images",
    advanced: true,
  };
}

function nativePort(defaultPort: string, what: string): EnvVariable<number> & { default: string } {
  return {
    description: `Port of ${what} in native mode (127.0.0.1 only).`,
    default: defaultPort,
    example: defaultPort,
    secret: false,
    substitutable: false,
    fix: `use a free port from 1 to 65535, e.g. ${defaultPort}`,
    schema: port,
    group: "native",
    advanced: true,
  };
}

function nativeProgram(names: string, example: string): EnvVariable<string> {
  return {
    description: `Path of the ${names} program for native mode; default: found on PATH.`,
    example,
    secret: false,
    substitutable: false,
    fix: `point it at the ${names} executable, or leave it empty to search PATH`,
    schema: filePath,
    group: "native",
    path: "executable",
    advanced: true,
  };
}

function exporterTargets(what: string, port: string, example: string, extra: string): EnvVariable<TargetSpec[]> {
  return {
    description:
      `${what} endpoints on other hosts, in VLLM_TARGET's syntax (host, host:port, [ipv6]:port or http(s)://host:port/path); a bare host means port ${port}. ` +
      `Every target's \`hostname\` label is its host (loopback: this host's name), so write a host the same way in VLLM_TARGET and here, or set hostname in a file_sd file. ${extra}`,
    example,
    secret: false,
    substitutable: false,
    fix: `list targets separated by commas, e.g. ${example}`,
    schema: targetList,
    group: "fleet",
  };
}

function exporterTargetsFile(what: string, example: string): EnvVariable<string> {
  return {
    description:
      `A Prometheus file_sd targets file (.json, .yml or .yaml) of more ${what} endpoints, re-read without a restart (compose: \`vllm-monitor reload\` refreshes the copy it mounts). ` +
      "A `hostname` label on a group overrides the host taken from the address. Relative paths start at the .env file's folder.",
    example,
    secret: false,
    substitutable: false,
    fix: "point it at an existing .json, .yml or .yaml file in Prometheus file_sd format, or leave it empty",
    schema: filePath.regex(/\.(json|ya?ml)$/i, { error: "must end in .json, .yml or .yaml (Prometheus file_sd reads only those)" }),
    group: "fleet",
    path: "file",
  };
}

function scrapeLimit(kind: ScrapeLimitKind, what: string, example: string): EnvVariable<ScrapeLimitOverride> {
  const defaults = Object.entries(DEFAULT_SCRAPE_LIMITS)
    .filter(([job]) => !SCRAPE_LIMIT_KINDS[kind].fileSdOnly || job !== "prometheus")
    .map(([job, limits]) => `${job}=${kind === "body_size_limit" ? sizeText(limits[kind]) : limits[kind]}`)
    .join(", ");
  return {
    description:
      `Prometheus's ${kind} per scrape job: ${what} A target over it is marked down with the reason (status and doctor name it) and nothing of that scrape is stored. ` +
      `A bare value sets every job, job=value one job (jobs: vllm, gpu, node${SCRAPE_LIMIT_KINDS[kind].fileSdOnly ? "" : ", prometheus"}). Defaults: ${defaults}.`,
    example,
    secret: false,
    substitutable: false,
    fix: `write a value or job=value items separated by commas, e.g. ${example}`,
    schema: scrapeLimitSchema(kind),
    group: "prometheus",
    advanced: true,
  };
}

/** Why a remote-write URL cannot be used, or undefined. Never echoes a password the URL may hold. */
function remoteWriteUrlProblem(text: string): string | undefined {
  if (!URL.canParse(text)) return "is not a URL";
  const url = new URL(text);
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must start with http:// or https://";
  if (url.username !== "" || url.password !== "")
    return "holds a user name or password; put them in REMOTE_WRITE_USERNAME and REMOTE_WRITE_PASSWORD";
  if (url.hash !== "") return "has a #fragment";
  if (/\s/.test(text)) return "contains whitespace";
  return undefined;
}

/** Why a notification URL cannot be used, or undefined. Never echoes the URL (it may be a secret). */
function alertUrlProblem(text: string): string | undefined {
  if (/\s/.test(text)) return "contains whitespace";
  if (!URL.canParse(text)) return "is not a URL";
  const url = new URL(text);
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must start with http:// or https://";
  // why: Go templates in alertmanager.yml would read {{ in a URL as template code.
  if (/[{}]/.test(text)) return "contains { or }";
  return undefined;
}

function alertUrl(description: string, example: string): EnvVariable<string> {
  return {
    description,
    example,
    secret: false,
    substitutable: false,
    fix: `use an absolute http(s) URL, e.g. ${example}`,
    schema: z.string().superRefine((text, context) => {
      const problem = alertUrlProblem(text);
      if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
    }),
    group: "alerts",
  };
}

/** The destinations an alert can go to; ALERT_ROUTE_* list them. */
export const ALERT_DESTINATIONS = ["pagerduty", "slack", "email", "webhook"] as const;
export type AlertDestination = (typeof ALERT_DESTINATIONS)[number];

function alertRoute(severity: string, defaultList: string): EnvVariable<AlertDestination[]> & { default: string } {
  return {
    description: `Where ${severity} alerts go: a comma-separated list of pagerduty, slack, email, webhook (or none). Destinations in the default that are not configured are skipped; one you name must be configured.`,
    default: defaultList,
    example: defaultList,
    secret: false,
    substitutable: false,
    fix: `list destinations separated by commas, e.g. ${defaultList}, or none`,
    schema: z.string().transform((text, context): AlertDestination[] => {
      const items = text
        .split(",")
        .map((item) => item.trim().toLowerCase())
        .filter((item) => item !== "");
      if (items.length === 1 && items[0] === "none") return [];
      const known: AlertDestination[] = [];
      for (const item of items) {
        const found = ALERT_DESTINATIONS.find((destination) => destination === item);
        if (found === undefined)
          context.issues.push({
            code: "custom",
            message: `names ${JSON.stringify(item)}, which is not one of ${ALERT_DESTINATIONS.join(", ")}`,
            input: text,
          });
        else if (!known.includes(found)) known.push(found);
      }
      return known;
    }),
    group: "alerts",
    advanced: true,
  };
}

export const ENV_VARIABLES = {
  ADMIN_USER: {
    description: "Grafana admin user name. Reaches Grafana only at run time (environment), never a file in an image.",
    default: "admin",
    example: "admin",
    secret: true,
    substitutable: false,
    fix: "use a user name without quotes, backslashes or line breaks",
    schema: z.string().regex(COMPOSE_ENV_SAFE, { error: COMPOSE_ENV_UNSAFE }),
    group: "grafana",
  },
  ADMIN_PASSWORD: {
    description:
      "Grafana admin password, at least 8 characters. Required when VLLM_TARGET is set (Grafana must not run with admin/admin); " +
      "in demo mode an empty value means a generated one, kept in .vllm-monitor/grafana-admin-password (mode 0600).",
    example: "a-long-random-password",
    secret: true,
    substitutable: false,
    fix: 'choose a password of 8 or more characters, not "admin", without quotes, backslashes or line breaks (e.g. openssl rand -base64 18)',
    schema: z
      .string()
      .regex(COMPOSE_ENV_SAFE, { error: COMPOSE_ENV_UNSAFE })
      .refine((text) => text.length >= 8, { error: "is shorter than 8 characters" })
      .refine((text) => text.toLowerCase() !== "admin" && text.toLowerCase() !== "password", { error: "is a default password" }),
    group: "grafana",
  },
  GRAFANA_PORT: {
    description: "Host port Grafana listens on (bound to 127.0.0.1).",
    default: "3000",
    example: "3000",
    secret: false,
    substitutable: true,
    fix: "use a free port from 1 to 65535, e.g. 3000",
    schema: port,
    group: "grafana",
  },
  VLLM_TARGET: {
    description:
      "The vLLM server(s) to watch: comma-separated host, host:port, [ipv6]:port or http(s)://host:port/path. A bare host means port 8000 (vLLM's default); a URL without a port means 80/443. Empty: the built-in simulator (demo mode).",
    example: "gpu-node-1:8000,gpu-node-2:8000",
    secret: false,
    substitutable: false,
    fix: "list targets separated by commas, e.g. vllm-host:8000,https://vllm.example.com/metrics; leave it empty for the demo",
    schema: targetList,
    group: "targets",
  },
  SCHEMA: {
    description: "Scheme for targets given without one: http (a vLLM on this host or network) or https (a remote endpoint behind TLS).",
    default: "http",
    example: "https",
    secret: false,
    substitutable: true,
    fix: "set SCHEMA=http for local servers or SCHEMA=https for remote endpoints",
    schema: z.enum(["http", "https"], { error: "must be http or https" }),
    group: "targets",
  },
  VLLM_METRICS_PATH: {
    description: "HTTP path of the metrics endpoint, for targets that do not give a path.",
    default: "/metrics",
    example: "/metrics",
    secret: false,
    substitutable: true,
    fix: "use a path starting with /, without spaces, ? or #, e.g. /metrics",
    schema: z.string().regex(/^\/[^\s?#]*$/, { error: "must start with / and contain no spaces, ? or #" }),
    group: "targets",
  },
  VLLM_METRICS_AUTH_TOKEN: {
    description:
      "Bearer token Prometheus sends to /metrics, for a gateway or proxy in front of vLLM. vLLM itself never asks for one: its --api-key protects only /v1/*, not /metrics. " +
      "Written to its own 0600 file, referenced by credentials_file; never inlined.",
    example: "change-me",
    secret: true,
    substitutable: false,
    fix: "put the token on one line without spaces, quotes around it are fine",
    schema: headerToken,
    group: "targets",
  },
  VLLM_TLS_CA_FILE: {
    description:
      "PEM file of the CA that signed the targets' certificates (https with a private CA). Relative paths start at the .env file's folder.",
    example: "./certs/ca.pem",
    secret: false,
    substitutable: false,
    fix: "point it at a readable PEM file, or leave it empty to use the system CAs",
    schema: filePath,
    group: "targets",
    path: "file",
  },
  VLLM_TLS_INSECURE_SKIP_VERIFY: {
    description: "true to accept any certificate from the targets (testing only).",
    default: "false",
    example: "false",
    secret: false,
    substitutable: true,
    fix: "set it to true or false",
    schema: booleanText,
    group: "targets",
  },
  VLLM_TARGETS_FILE: {
    description:
      "A Prometheus file_sd targets file (.json, .yml or .yaml) listing more vLLM servers; Prometheus re-reads it without a restart (compose: re-run `vllm-monitor reload` to refresh the copy it mounts). Relative paths start at the .env file's folder.",
    example: "./fleet.yml",
    secret: false,
    substitutable: false,
    fix: "point it at an existing .json, .yml or .yaml file in Prometheus file_sd format, or leave it empty",
    schema: filePath.regex(/\.(json|ya?ml)$/i, { error: "must end in .json, .yml or .yaml (Prometheus file_sd reads only those)" }),
    group: "targets",
    path: "file",
  },
  SCRAPE_INTERVAL: {
    description:
      "How often Prometheus scrapes and evaluates rules, as a Prometheus duration. The demo (no VLLM_TARGET) scrapes every 2s unless this is set, so its panels have data sooner.",
    default: "5s",
    // why: a rate needs two samples in its window, so a panel's first data comes two scrapes after start: 4s, not 10s.
    demoDefault: "2s",
    example: "15s",
    secret: false,
    substitutable: true,
    fix: `use a Prometheus duration from 1s to ${secondsDuration(durationSeconds(RECORDING_WINDOW) / MIN_SAMPLES_PER_WINDOW)}, such as 5s, 15s or 1m`,
    schema: z
      .string()
      .regex(PROMETHEUS_DURATION, { error: "is not a Prometheus duration" })
      .refine((text) => /[1-9]/.test(text), { error: "must be longer than zero" })
      .refine((text) => durationSeconds(text) * MIN_SAMPLES_PER_WINDOW <= durationSeconds(RECORDING_WINDOW), {
        error: `leaves fewer than ${MIN_SAMPLES_PER_WINDOW} samples in the ${RECORDING_WINDOW} window the recording rules and alerts rate over: rate() needs two samples to give anything, and ${MIN_SAMPLES_PER_WINDOW} to survive a missed scrape (Prometheus's advice for rate windows)`,
      }),
    group: "prometheus",
  },
  PROMETHEUS_PORT: {
    description: "Port Prometheus listens on in native mode (127.0.0.1 only); compose keeps Prometheus off the host.",
    default: "9090",
    example: "9090",
    secret: false,
    substitutable: true,
    fix: "use a free port from 1 to 65535, e.g. 9090",
    schema: port,
    group: "prometheus",
  },
  PROMETHEUS_RETENTION_TIME: {
    description:
      "How long Prometheus keeps samples (--storage.tsdb.retention.time), in both modes. Whichever of this and PROMETHEUS_RETENTION_SIZE is reached first deletes the oldest data.",
    default: "15d",
    example: "30d",
    secret: false,
    substitutable: false,
    fix: "use a Prometheus duration such as 15d, 30d or 8w",
    schema: z
      .string()
      .regex(PROMETHEUS_DURATION, { error: "is not a Prometheus duration" })
      .refine((text) => /[1-9]/.test(text), { error: "must be longer than zero" }),
    group: "prometheus",
  },
  SCRAPE_SAMPLE_LIMIT: scrapeLimit("sample_limit", "the most series one target may export.", "vllm=200000"),
  SCRAPE_LABEL_LIMIT: scrapeLimit("label_limit", "the most labels one series may carry.", "vllm=128"),
  SCRAPE_LABEL_NAME_LENGTH_LIMIT: scrapeLimit("label_name_length_limit", "the longest label name.", "512"),
  SCRAPE_LABEL_VALUE_LENGTH_LIMIT: scrapeLimit(
    "label_value_length_limit",
    "the longest label value (vLLM's LoRA adapter lists are one value).",
    "vllm=16384",
  ),
  SCRAPE_BODY_SIZE_LIMIT: scrapeLimit("body_size_limit", "the largest /metrics page, uncompressed (B, KB, MB or GB).", "vllm=128MB"),
  SCRAPE_TARGET_LIMIT: scrapeLimit("target_limit", "the most targets one file_sd job may list.", "vllm=20000"),
  PROMETHEUS_RETENTION_SIZE: {
    description:
      "The most disk Prometheus's TSDB may take before it deletes its oldest blocks, in Prometheus's size syntax (e.g. 10GB, 500MB). " +
      "Native mode, when empty: 80 % of what the data folder's file system offers at start (free space plus the TSDB's own size), so a full disk never stops storing. When set, it applies in both modes.",
    example: "10GB",
    secret: false,
    substitutable: false,
    fix: "use a whole number and a unit: B, KB, MB, GB, TB or PB (e.g. 10GB), or leave it empty",
    schema: z.string().regex(/^\d+(B|KB|MB|GB|TB|PB|EB)$/, { error: "is not a Prometheus size such as 10GB or 500MB" }),
    group: "prometheus",
    advanced: true,
  },
  GPU_EXPORTER: {
    description:
      "GPU metrics source: dcgm (NVIDIA dcgm-exporter, datacenter GPUs), nvidia-smi (nvidia_gpu_exporter, any NVIDIA GPU, no DCGM needed) or none. In demo mode the simulator serves GPU metrics either way.",
    default: "none",
    example: "dcgm",
    secret: false,
    substitutable: true,
    fix: "set GPU_EXPORTER=dcgm, nvidia-smi or none",
    schema: z.enum(["dcgm", "nvidia-smi", "none"], { error: "must be dcgm, nvidia-smi or none" }),
    group: "prometheus",
  },
  SLO_TTFT_SECONDS: {
    description:
      "Time-to-first-token objective in seconds: drives the SLO panels, the TTFT alert and the threshold line on the TTFT panel. Must be a bucket boundary of vllm:time_to_first_token_seconds.",
    default: "2.5",
    example: "1",
    secret: false,
    substitutable: false,
    fix: "pick one of the listed boundaries, e.g. 1, 2.5 or 5",
    schema: bucketEdgeSeconds(vllm.timeToFirstToken.buckets),
    group: "alerts",
  },
  SLO_AVAILABILITY: {
    description:
      "Availability objective in percent: the share of requests the server does not fail over 28 days. Failures are engine errors (finished_reason error) plus HTTP 5xx answers, minus the 503s of deliberate load shedding. Drives the four burn-rate alerts " +
      "(14.4x over 1h and 5m and 6x over 6h and 30m page; 3x over 1d and 2h and 1x over 3d and 6h open a ticket).",
    default: "99.5",
    example: "99.9",
    secret: false,
    substitutable: false,
    fix: "use a percentage from 90 to 99.99, e.g. 99.5 or 99.9",
    schema: z
      .string()
      .regex(/^\d+(\.\d+)?$/, { error: "must be a percentage such as 99.5" })
      .transform((text) => Number(text))
      .refine((value) => value >= 90 && value <= 99.99, { error: "must be from 90 to 99.99" }),
    group: "alerts",
  },
  SLO_TTFT_TARGET: {
    description:
      "Share of requests (a fraction, e.g. 0.99) that must get their first token within SLO_TTFT_SECONDS over 28 days: the TTFT objective. Drives the four TTFT burn-rate alerts " +
      "(14.4x over 1h and 5m and 6x over 6h and 30m page; 3x over 1d and 2h and 1x over 3d and 6h open a ticket) and the Service level row.",
    default: "0.99",
    example: "0.95",
    secret: false,
    substitutable: false,
    fix: "use a fraction from 0.95 to 0.9999, e.g. 0.99 (not a percentage)",
    schema: z
      .string()
      .regex(/^0?\.\d+$/, { error: "must be a fraction between 0 and 1 such as 0.99 (not a percentage like 99)" })
      .transform((text) => Number(text))
      .refine((value) => value >= 0.95 && value <= 0.9999, {
        // why: below 1 - 1/14.4 (about 0.93) the fastest tier would need more than 100 % slow requests and could never page.
        error: "must be from 0.95 to 0.9999: with a looser target the 14.4x burn-rate tier could never fire",
      }),
    group: "alerts",
  },
  VLLM_EXPECTED_REPLICAS: {
    description:
      "How many vLLM servers (scrape targets serving vLLM metrics) should be up. When set, VllmReplicasBelowExpected warns while fewer serve; empty: no such alert.",
    example: "4",
    secret: false,
    substitutable: false,
    fix: "use a whole number of servers from 1 to 10000, e.g. 4, or leave it empty",
    schema: z
      .string()
      .regex(/^\d+$/, { error: "must be a whole number of servers such as 4" })
      .transform((text) => Number(text))
      .refine((value) => value >= 1 && value <= 10000, { error: "must be from 1 to 10000" }),
    group: "alerts",
  },
  ALERT_GPU_FREE_MEMORY_GIB: {
    description:
      "GiB of free GPU framebuffer memory below which GpuMemoryNearFull warns. Empty (the default): no GPU memory alert, because vLLM reserves " +
      "--gpu-memory-utilization of every GPU at start and high use is its normal state. Set it (e.g. 1) where other processes share the GPUs.",
    example: "1",
    secret: false,
    substitutable: false,
    fix: "use a positive number of GiB such as 1 or 0.5, or leave it empty",
    schema: z
      .string()
      .regex(/^\d+(\.\d+)?$/, { error: "must be a positive number of GiB such as 1" })
      .transform((text) => Number(text))
      .refine((value) => value > 0 && value <= 1024, { error: "must be above 0 and at most 1024" }),
    group: "alerts",
  },
  SLO_E2E_SECONDS: {
    description:
      "End-to-end latency objective in seconds: drives the SLO panels, the E2E alert and the threshold line on the E2E panel. Must be a bucket boundary of vllm:e2e_request_latency_seconds.",
    default: "60",
    example: "30",
    secret: false,
    substitutable: false,
    fix: "pick one of the listed boundaries, e.g. 20, 30 or 60",
    schema: bucketEdgeSeconds(vllm.e2eRequestLatency.buckets),
    group: "alerts",
  },
  RUNBOOK_BASE_URL: {
    description:
      "Where the runbooks live: every alert's runbook_url is this URL plus #the-alert-name, so the link works from Alertmanager and Grafana. Point it at your own copy of docs/runbooks.md to add site-specific steps.",
    default: "https://github.com/vllm-monitor/vllm-monitor/blob/main/docs/runbooks.md",
    example: "https://wiki.example.com/vllm/runbooks",
    secret: false,
    substitutable: false,
    fix: "use an absolute http(s) URL without a #fragment, e.g. https://wiki.example.com/vllm/runbooks",
    schema: z.string().refine((text) => /^https?:\/\/[^\s#]+$/.test(text) && URL.canParse(text), {
      error: "must be an absolute http(s) URL without spaces or #",
    }),
    group: "alerts",
  },
  GPU_PEAK_TFLOPS: {
    description:
      "Peak dense FP16/BF16 TFLOPS of one GPU, for the MFU % panels. Leave empty to take it from the GPU model the exporter reports (H100, H200, B200, A100, L40S); set it for other GPUs or to judge against a different precision.",
    example: "989.4",
    secret: false,
    substitutable: false,
    fix: "use a positive number of TFLOPS such as 989.4, or leave it empty",
    schema: z
      .string()
      .regex(/^\d+(\.\d+)?$/, { error: "must be a positive number of TFLOPS" })
      .transform((text) => Number(text))
      .refine((value) => value > 0, { error: "must be above 0" }),
    group: "alerts",
    advanced: true,
  },
  GPU_PEAK_MEMORY_BANDWIDTH_GBPS: {
    description:
      "Peak memory bandwidth of one GPU in GB/s, for the memory bandwidth % panels. Leave empty to take it from the GPU model the exporter reports.",
    example: "3350",
    secret: false,
    substitutable: false,
    fix: "use a positive number of GB/s such as 3350, or leave it empty",
    schema: z
      .string()
      .regex(/^\d+(\.\d+)?$/, { error: "must be a positive number of GB/s" })
      .transform((text) => Number(text))
      .refine((value) => value > 0, { error: "must be above 0" }),
    group: "alerts",
    advanced: true,
  },
  ALERT_FOR_SCALE: {
    description:
      "Multiplies every alert's `for:` duration: 0.5 fires after half the time, 2 waits twice as long (flappy networks). Each alert keeps at least 1s.",
    default: "1",
    example: "2",
    secret: false,
    substitutable: false,
    fix: "use a positive number such as 0.5, 1 or 2",
    schema: z
      .string()
      .regex(/^\d+(\.\d+)?$/, { error: "must be a positive number" })
      .transform((text) => Number(text))
      .refine((value) => value > 0 && value <= 100, { error: "must be above 0 and at most 100" }),
    group: "alerts",
    advanced: true,
  },
  SLO_ITL_SECONDS: {
    description:
      "Inter-token latency objective in seconds: the p99 of vllm:inter_token_latency_seconds above it for 10 minutes fires VllmInterTokenLatencyHigh, and the ITL panels draw it as a line. Streaming that stalls longer than this feels stuck.",
    default: "0.25",
    example: "0.1",
    secret: false,
    substitutable: false,
    fix: "use a positive number of seconds such as 0.1, 0.25 or 0.5",
    schema: z
      .string()
      .regex(/^\d+(\.\d+)?$/, { error: "must be a positive number of seconds" })
      .transform((text) => Number(text))
      .refine((value) => value > 0 && value <= 80, { error: "must be above 0 and at most 80 (the histogram's top bucket)" }),
    group: "alerts",
  },
  ALERT_WEBHOOK_URL: alertUrl(
    "Generic webhook that receives every notification (critical and warning, firing and resolved) as Alertmanager's webhook JSON: a chat bridge, an incident tool, a script. Kept in the rendered alertmanager.yml (mode 0600), not a secret file: put no token in it.",
    "https://hooks.example.com/alertmanager",
  ),
  ALERT_SLACK_WEBHOOK_URL: {
    description:
      "Slack incoming-webhook URL (chat): gets critical and warning notifications. A secret: written only to its own 0600 file, referenced by api_url_file; never in alertmanager.yml, logs or output.",
    example: "https://hooks.slack.com/services/T000/B000/XXXX",
    secret: true,
    substitutable: false,
    fix: "paste the incoming-webhook URL Slack gave you (https://hooks.slack.com/services/...), on one line",
    schema: z.string().superRefine((text, context) => {
      const problem = alertUrlProblem(text);
      if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
    }),
    group: "alerts",
  },
  ALERT_PAGERDUTY_ROUTING_KEY: {
    description:
      "PagerDuty Events API v2 integration (routing) key (the pager): gets critical notifications. A secret: written only to its own 0600 file, referenced by routing_key_file.",
    example: "0123456789abcdef0123456789abcdef",
    secret: true,
    substitutable: false,
    fix: "copy the 32-character Integration Key of an Events API v2 integration, on one line without spaces",
    schema: z
      .string()
      .regex(/^[A-Za-z0-9_-]{8,128}$/, { error: "must be 8 to 128 letters, digits, - or _ (an Events API v2 integration key)" }),
    group: "alerts",
  },
  ALERT_PAGERDUTY_URL: {
    description: "PagerDuty Events API v2 endpoint; change it only for a proxy or a PagerDuty-compatible service.",
    default: "https://events.pagerduty.com/v2/enqueue",
    example: "https://events.eu.pagerduty.com/v2/enqueue",
    secret: false,
    substitutable: false,
    fix: "use an absolute http(s) URL, e.g. https://events.pagerduty.com/v2/enqueue",
    schema: z.string().superRefine((text, context) => {
      const problem = alertUrlProblem(text);
      if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
    }),
    group: "alerts",
    advanced: true,
  },
  ALERT_EMAIL_TO: {
    description:
      "Where warning notifications are mailed (with ALERT_EMAIL_FROM and ALERT_SMTP_HOST): one address, or several separated by commas.",
    example: "oncall@example.com",
    secret: false,
    substitutable: false,
    fix: "write one or more addresses separated by commas, e.g. oncall@example.com,ml-team@example.com",
    schema: z.string().regex(/^\s*[^\s@,"'\\]+@[^\s@,"'\\]+(\s*,\s*[^\s@,"'\\]+@[^\s@,"'\\]+)*\s*$/, {
      error: "is not a comma-separated list of e-mail addresses",
    }),
    group: "alerts",
  },
  ALERT_EMAIL_FROM: {
    description: "Sender address of alert e-mails.",
    example: "alertmanager@example.com",
    secret: false,
    substitutable: false,
    fix: "write one address, e.g. alertmanager@example.com",
    schema: z.string().regex(/^[^\s@,"'\\]+@[^\s@,"'\\]+$/, { error: "is not an e-mail address" }),
    group: "alerts",
  },
  ALERT_SMTP_HOST: {
    description: "SMTP server as host:port (Alertmanager needs the port; 587 for STARTTLS submission, 25 for a local relay).",
    example: "smtp.example.com:587",
    secret: false,
    substitutable: false,
    fix: "write host:port, e.g. smtp.example.com:587",
    schema: z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$/, { error: "must be host:port, e.g. smtp.example.com:587" }),
    group: "alerts",
  },
  ALERT_SMTP_USERNAME: {
    description: "SMTP login (with ALERT_SMTP_PASSWORD); empty: no authentication (a local relay).",
    example: "alertmanager@example.com",
    secret: false,
    substitutable: false,
    fix: "write the login on one line without quotes",
    schema: z.string().regex(/^[^\s"'\\]+$/, { error: "contains spaces, quotes or backslashes" }),
    group: "alerts",
  },
  ALERT_SMTP_PASSWORD: {
    description: "SMTP password (with ALERT_SMTP_USERNAME). A secret: written only to its own 0600 file, referenced by auth_password_file.",
    example: "a-long-random-password",
    secret: true,
    substitutable: false,
    fix: "put the password on one line",
    schema: z.string().regex(/^[^\r\n]*$/, { error: "contains a line break" }),
    group: "alerts",
  },
  ALERT_SMTP_REQUIRE_TLS: {
    description:
      "true: Alertmanager insists on STARTTLS before it sends mail (the default; set false only for a relay on this host or a test sink).",
    default: "true",
    example: "false",
    secret: false,
    substitutable: false,
    fix: "set it to true or false",
    schema: booleanText,
    group: "alerts",
    advanced: true,
  },
  ALERT_DEADMANS_URL: alertUrl(
    "Dead man's switch (e.g. a healthchecks.io or Cronitor ping URL): the always-firing Watchdog alert is sent here every few minutes, so the external service raises the alarm when the pings stop (the stack, Prometheus or Alertmanager is dead). Nothing else goes there.",
    "https://hc-ping.com/your-check-uuid",
  ),
  ALERT_ROUTE_CRITICAL: alertRoute("critical", "pagerduty,slack,webhook"),
  ALERT_ROUTE_WARNING: alertRoute("warning", "slack,email,webhook"),
  ALERT_DASHBOARD_URL: {
    description:
      "Grafana's address as the people who get notifications reach it: their links to the dashboards start here. Default: http://127.0.0.1:GRAFANA_PORT (this host).",
    example: "https://grafana.example.com",
    secret: false,
    substitutable: false,
    fix: "use an absolute http(s) URL without a #fragment, e.g. https://grafana.example.com",
    schema: z.string().refine((text) => /^https?:\/\/[^\s#{}]+$/.test(text) && URL.canParse(text), {
      error: "must be an absolute http(s) URL without spaces, braces or #",
    }),
    group: "alerts",
    advanced: true,
  },
  NODE_EXPORTER_PORT: nativePort("9100", "node_exporter"),
  ALERTMANAGER_PORT: nativePort("9093", "Alertmanager"),
  SIMULATOR_PORT: nativePort("8000", "the simulated vLLM (demo mode)"),
  SIMULATOR_GPU_PORT: nativePort("9400", "the simulator's GPU metrics (demo mode)"),
  PROMETHEUS_BIN: nativeProgram("prometheus", "/opt/prometheus/prometheus"),
  NODE_EXPORTER_BIN: nativeProgram("node_exporter (or prometheus-node-exporter)", "/usr/bin/prometheus-node-exporter"),
  ALERTMANAGER_BIN: nativeProgram("alertmanager (or prometheus-alertmanager)", "/usr/bin/prometheus-alertmanager"),
  GRAFANA_BIN: nativeProgram("grafana (or grafana-server)", "/usr/sbin/grafana-server"),
  GRAFANA_HOME: {
    description:
      "Folder of an unpacked Grafana release (holding bin/ and conf/defaults.ini), for native mode; used instead of GRAFANA_BIN.",
    example: "/opt/grafana",
    secret: false,
    substitutable: false,
    fix: "point it at an unpacked Grafana release, or leave it empty",
    schema: filePath,
    group: "native",
    path: "directory",
    advanced: true,
  },
  DATA_DIR: {
    description:
      "Native mode: the folder for this stack's data (Prometheus's TSDB, Alertmanager's state, Grafana's data, run logs), relative to the folder `up` runs in when not absolute. " +
      "Empty: ~/.local/state/vllm-monitor/data/<folder>-<hash> ($XDG_STATE_HOME when set), one per working folder, outside the working tree. " +
      "Demo mode and real targets each keep their own TSDB inside it (demo/, targets/). Compose keeps its data in named volumes.",
    example: "/srv/vllm-monitor",
    secret: false,
    substitutable: false,
    fix: "use a folder path on one line, without control characters (e.g. /srv/vllm-monitor), owned by you, or leave it empty",
    schema: z.string().regex(/^[^\x00-\x1f\x7f]*$/, { error: "contains a control character (a line break or tab)" }),
    group: "native",
    advanced: true,
  },
  SIMULATOR_TOKEN: {
    description: "Bearer token `vllm-monitor simulate` requires on /metrics and /v1/*, read from the environment so it stays out of `ps`.",
    example: "s3cret",
    secret: true,
    substitutable: false,
    fix: "put the token on one line without spaces",
    schema: headerToken,
    group: "native",
    advanced: true,
    environmentOnly: true,
  },
  PROMETHEUS_IMAGE: image("prom/prometheus:v3.5.0", "Prometheus"),
  GRAFANA_IMAGE: image("grafana/grafana:12.1.1", "Grafana"),
  NODE_EXPORTER_IMAGE: image("prom/node-exporter:v1.9.1", "node-exporter"),
  ALERTMANAGER_IMAGE: image("prom/alertmanager:v0.28.1", "Alertmanager (profile alerts)"),
  DCGM_EXPORTER_IMAGE: image("nvcr.io/nvidia/k8s/dcgm-exporter:4.2.3-4.1.3-ubuntu22.04", "dcgm-exporter (GPU_EXPORTER=dcgm)"),
  NVIDIA_GPU_EXPORTER_IMAGE: image("utkuozdemir/nvidia_gpu_exporter:1.3.2", "nvidia_gpu_exporter (GPU_EXPORTER=nvidia-smi)"),
  BUSYBOX_IMAGE: image("busybox:1.37.0", "volume-init (one-shot chown of the named volumes)"),
  NODE_IMAGE: {
    ...image("node:20.20.2-bookworm-slim", "simulator"),
    description: "The Node.js base our own image (the simulator) is built from: the NODE_IMAGE build argument of the Dockerfile.",
  },
  COMPOSE_PROJECT_NAME: {
    description:
      "Compose's project name: containers, networks and volumes are named after it, so two stacks (two fleets, or tests) can share one engine. Read from the environment only, so up, down and logs agree wherever they run.",
    default: "vllm-monitor",
    example: "fleet-b",
    secret: false,
    substitutable: false,
    fix: "use lowercase letters, digits, - and _, starting with a letter or digit, or unset it for the default vllm-monitor",
    schema: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { error: "is not a compose project name" }),
    group: "images",
    advanced: true,
    environmentOnly: true,
  },
  NODE_EXPORTER_TARGETS: exporterTargets(
    "node_exporter",
    "9100",
    "gpu-node-1:9100,gpu-node-2:9100",
    "The stack's own node_exporter (this host) is scraped too, unless the list names its address.",
  ),
  NODE_EXPORTER_TARGETS_FILE: exporterTargetsFile("node_exporter", "./nodes.yml"),
  GPU_EXPORTER_TARGETS: exporterTargets(
    "GPU exporter (dcgm-exporter or nvidia_gpu_exporter)",
    "9400 (9835 with GPU_EXPORTER=nvidia-smi)",
    "gpu-node-1:9400,gpu-node-2:9835",
    "Both exporters' formats may be mixed; GPU_EXPORTER still names the one beside this stack.",
  ),
  GPU_EXPORTER_TARGETS_FILE: exporterTargetsFile("GPU exporter", "./gpus.yml"),
  PROMETHEUS_MODE: {
    description:
      "server: Prometheus stores, queries, evaluates rules and serves Grafana (the default). agent: a forwarder only (one per GPU node): it scrapes, keeps a write-ahead log and remote-writes to REMOTE_WRITE_URL; no local queries, rules, Alertmanager or Grafana (the central side runs them).",
    default: "server",
    example: "agent",
    secret: false,
    substitutable: false,
    fix: "set PROMETHEUS_MODE=server or PROMETHEUS_MODE=agent",
    schema: z.enum(["server", "agent"], { error: "must be server or agent" }),
    group: "fleet",
  },
  REMOTE_WRITE_URL: {
    description:
      "Prometheus remote-write endpoint of a central store: VictoriaMetrics (http://vm:8428/api/v1/write), Mimir or Cortex (/api/v1/push), Thanos Receive (/api/v1/receive). Only the series the dashboards and rules read are sent. Empty: nothing is sent.",
    example: "https://metrics.example.com/api/v1/write",
    secret: false,
    substitutable: false,
    fix: "use an http(s) URL without user:password@ (credentials go in REMOTE_WRITE_BEARER_TOKEN or REMOTE_WRITE_USERNAME/REMOTE_WRITE_PASSWORD), e.g. http://vm:8428/api/v1/write",
    schema: z.string().superRefine((text, context) => {
      const problem = remoteWriteUrlProblem(text);
      if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
    }),
    group: "fleet",
  },
  REMOTE_WRITE_BEARER_TOKEN: {
    description:
      "Bearer token sent with every remote write. Written to its own 0600 file, referenced by credentials_file; never inlined. Set this or REMOTE_WRITE_USERNAME/REMOTE_WRITE_PASSWORD, not both.",
    example: "change-me",
    secret: true,
    substitutable: false,
    fix: "put the token on one line without spaces, quotes around it are fine",
    schema: headerToken,
    group: "fleet",
  },
  REMOTE_WRITE_USERNAME: {
    description:
      "Basic-auth user name for remote write (with REMOTE_WRITE_PASSWORD). Not a secret: it stays in the rendered prometheus.yml (mode 0600).",
    example: "tenant-1",
    secret: false,
    substitutable: false,
    fix: "use a user name on one line without a colon (basic auth cannot carry one)",
    schema: z.string().regex(/^[^:\r\n]+$/, { error: "contains a colon or a line break, which basic auth cannot carry" }),
    group: "fleet",
  },
  REMOTE_WRITE_PASSWORD: {
    description:
      "Basic-auth password for remote write (with REMOTE_WRITE_USERNAME). Written to its own 0600 file, referenced by password_file; never inlined.",
    example: "a-long-random-password",
    secret: true,
    substitutable: false,
    fix: "put the password on one line",
    schema: z.string().regex(/^[^\r\n]*$/, { error: "contains a line break" }),
    group: "fleet",
  },
  REMOTE_WRITE_HEADERS: {
    description:
      "Extra HTTP headers on every remote write, as Name=value items separated by commas: the tenant of Mimir, Cortex or Loki (X-Scope-OrgID=tenant1). " +
      "Written into prometheus.yml as they are, so Authorization, headers Prometheus sets itself, and names that look like a secret (token, key, auth, …) are refused: credentials go in REMOTE_WRITE_BEARER_TOKEN or REMOTE_WRITE_USERNAME/PASSWORD (0600 files). " +
      "Debian's Prometheus (2.42.0+ds) does not send these headers; native mode refuses them there.",
    example: "X-Scope-OrgID=tenant1",
    secret: false,
    substitutable: false,
    fix: "write Name=value items separated by commas, e.g. X-Scope-OrgID=tenant1, or leave it empty",
    schema: remoteWriteHeadersSchema(),
    group: "fleet",
    advanced: true,
  },
  REMOTE_WRITE_CA_FILE: {
    description:
      "PEM file of the CA that signed the remote-write endpoint's certificate (https with a private CA). Relative paths start at the .env file's folder.",
    example: "./certs/metrics-ca.pem",
    secret: false,
    substitutable: false,
    fix: "point it at a readable PEM file, or leave it empty to use the system CAs",
    schema: filePath,
    group: "fleet",
    path: "file",
  },
  MONITOR_NAME: {
    description:
      "Names this Prometheus in the central store: the external label monitor=<name> on every series it sends (and on its alerts), so many senders never collide. Default: this host's name.",
    example: "gpu-node-7",
    secret: false,
    substitutable: false,
    fix: "use one line of printable characters without quotes or backslashes, e.g. the host or cluster name",
    schema: z
      .string()
      .regex(/^[^\s"'\\]{1,128}$/, { error: "must be 1 to 128 printable characters without spaces, quotes or backslashes" }),
    group: "fleet",
  },
} as const satisfies Record<string, EnvVariable<unknown>>;

export type EnvName = keyof typeof ENV_VARIABLES;

type Declared<K extends EnvName> = (typeof ENV_VARIABLES)[K];
type Parsed<K extends EnvName> = Declared<K> extends { secret: true } ? Secret : z.output<Declared<K>["schema"]>;

/** Every variable's value: parsed, defaults applied; `undefined` only for a variable without a default that is not set. */
export type EnvValues = { readonly [K in EnvName]: Declared<K> extends { default: string } ? Parsed<K> : Parsed<K> | undefined };

export const ENV_NAMES = Object.keys(ENV_VARIABLES) as EnvName[];

export function isEnvName(name: string): name is EnvName {
  return Object.hasOwn(ENV_VARIABLES, name);
}

/** The default of a variable, parsed by its own schema: the one place code reads a default. */
export function defaultValue<K extends EnvName>(name: K): Exclude<Parsed<K>, Secret> {
  const variable: EnvVariable<unknown> = ENV_VARIABLES[name];
  if (variable.default === undefined) throw new Error(`${name} has no default`);
  return variable.schema.parse(variable.default) as Exclude<Parsed<K>, Secret>;
}
