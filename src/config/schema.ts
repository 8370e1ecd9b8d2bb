import { z } from "zod";
import { parseTargetList, type TargetSpec } from "./targets.js";

/**
 * What one .env variable means. Every variable the project reads is declared once, here; the
 * loader, the template whitelist and `.env_example` all follow this table.
 */
export interface EnvVariable<Output> {
  readonly description: string;
  /** Used when the variable is missing or empty (empty counts as missing). */
  readonly default?: string;
  readonly example: string;
  /** Never printed, logged or placed in a template; messages name the variable instead. */
  readonly secret: boolean;
  /** May appear as `${NAME}` / `$NAME` in templates (the whitelist). Secrets never are. */
  readonly substitutable: boolean;
  /** How to fix an invalid value. */
  readonly fix: string;
  /** Parses the (non-empty) text; its messages never contain the value. */
  readonly schema: z.ZodType<Output, string>;
}

const PROMETHEUS_DURATION = /^(?:\d+y)?(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?$/;
// why: compose.env carries these in single quotes, which can hold neither ' nor \ nor a line break.
const COMPOSE_ENV_SAFE = /^[^'\\\r\n]*$/;

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

const targetList = z.string().transform((text, context): TargetSpec[] => {
  const { specs, problems } = parseTargetList(text);
  for (const problem of problems) context.issues.push({ code: "custom", message: problem, input: text });
  return specs;
});

export const ENV_VARIABLES = {
  ADMIN_USER: {
    description: "Grafana admin user name. Reaches Grafana only at run time (environment), never a file in an image.",
    default: "admin",
    example: "admin",
    secret: true,
    substitutable: false,
    fix: "use a user name without quotes, backslashes or line breaks",
    schema: z.string().regex(COMPOSE_ENV_SAFE, { error: "contains a single quote, backslash or line break, which docker compose's env file cannot carry" }),
  },
  ADMIN_PASSWORD: {
    description:
      "Grafana admin password. Required by `conf grafana`, `conf all` and `up` (Grafana must not run with admin/admin); at least 8 characters.",
    example: "a-long-random-password",
    secret: true,
    substitutable: false,
    fix: "choose a password of 8 or more characters, not \"admin\", without quotes, backslashes or line breaks (e.g. openssl rand -base64 18)",
    schema: z
      .string()
      .regex(COMPOSE_ENV_SAFE, { error: "contains a single quote, backslash or line break, which docker compose's env file cannot carry" })
      .refine((text) => text.length >= 8, { error: "is shorter than 8 characters" })
      .refine((text) => text.toLowerCase() !== "admin" && text.toLowerCase() !== "password", { error: "is a default password" }),
  },
  VLLM_TARGET: {
    description:
      "The vLLM server(s) to watch: comma-separated host, host:port, [ipv6]:port or http(s)://host:port/path. A bare host means port 8000 (vLLM's default); a URL without a port means 80/443. Empty: the built-in simulator (demo mode).",
    example: "gpu-node-1:8000,gpu-node-2:8000",
    secret: false,
    substitutable: false,
    fix: "list targets separated by commas, e.g. vllm-host:8000,https://vllm.example.com/metrics; leave it empty for the demo",
    schema: targetList,
  },
  SCHEMA: {
    description: "Scheme for targets given without one: http or https.",
    default: "http",
    example: "https",
    secret: false,
    substitutable: true,
    fix: "set SCHEMA=http for local servers or SCHEMA=https for remote endpoints",
    schema: z.enum(["http", "https"], { error: "must be http or https" }),
  },
  VLLM_METRICS_AUTH_TOKEN: {
    description:
      "Bearer token Prometheus sends to /metrics (for a gateway or proxy in front of vLLM). Written to its own 0600 file, referenced by credentials_file; never inlined.",
    example: "change-me",
    secret: true,
    substitutable: false,
    fix: "put the token on one line without spaces, quotes around it are fine",
    schema: z
      .string()
      // why: a line break in a header value would let the token inject other HTTP headers.
      .regex(/^[^\r\n]*$/, { error: "contains a line break (HTTP header injection)" })
      .refine((text) => /[\r\n]/.test(text) || /^[\x21-\x7e]*$/.test(text), {
        error: "contains spaces or non-printable characters, which cannot go into an HTTP header",
      }),
  },
  GRAFANA_PORT: {
    description: "Host port Grafana listens on (bound to 127.0.0.1).",
    default: "3000",
    example: "3000",
    secret: false,
    substitutable: true,
    fix: "use a free port from 1 to 65535, e.g. 3000",
    schema: port,
  },
  PROMETHEUS_PORT: {
    description: "Port Prometheus listens on in native mode (127.0.0.1 only); compose keeps Prometheus off the host.",
    default: "9090",
    example: "9090",
    secret: false,
    substitutable: true,
    fix: "use a free port from 1 to 65535, e.g. 9090",
    schema: port,
  },
  SCRAPE_INTERVAL: {
    description: "How often Prometheus scrapes and evaluates rules, as a Prometheus duration.",
    default: "5s",
    example: "15s",
    secret: false,
    substitutable: true,
    fix: "use a Prometheus duration such as 5s, 15s or 1m",
    schema: z
      .string()
      .regex(PROMETHEUS_DURATION, { error: "is not a Prometheus duration" })
      .refine((text) => /[1-9]/.test(text), { error: "must be longer than zero" }),
  },
  VLLM_METRICS_PATH: {
    description: "HTTP path of the metrics endpoint, for targets that do not give a path.",
    default: "/metrics",
    example: "/metrics",
    secret: false,
    substitutable: true,
    fix: "use a path starting with /, without spaces, ? or #, e.g. /metrics",
    schema: z.string().regex(/^\/[^\s?#]*$/, { error: "must start with / and contain no spaces, ? or #" }),
  },
  VLLM_TLS_CA_FILE: {
    description: "PEM file of the CA that signed the targets' certificates (https with a private CA). Relative paths start at the .env file's folder.",
    example: "./certs/ca.pem",
    secret: false,
    substitutable: false,
    fix: "point it at a readable PEM file, or leave it empty to use the system CAs",
    schema: filePath,
  },
  VLLM_TLS_INSECURE_SKIP_VERIFY: {
    description: "true to accept any certificate from the targets (testing only).",
    default: "false",
    example: "false",
    secret: false,
    substitutable: true,
    fix: "set it to true or false",
    schema: booleanText,
  },
  VLLM_TARGETS_FILE: {
    description:
      "A Prometheus file_sd targets file (.json, .yml or .yaml) listing more vLLM servers; Prometheus re-reads it without a restart. Relative paths start at the .env file's folder.",
    example: "./fleet.yml",
    secret: false,
    substitutable: false,
    fix: "point it at an existing .json, .yml or .yaml file in Prometheus file_sd format, or leave it empty",
    schema: filePath.regex(/\.(json|ya?ml)$/i, { error: "must end in .json, .yml or .yaml (Prometheus file_sd reads only those)" }),
  },
  GPU_EXPORTER: {
    description:
      "GPU metrics source: dcgm (NVIDIA dcgm-exporter), nvidia-smi (nvidia_gpu_exporter, no DCGM needed) or none. In demo mode the simulator serves GPU metrics either way.",
    default: "none",
    example: "dcgm",
    secret: false,
    substitutable: true,
    fix: "set GPU_EXPORTER=dcgm, nvidia-smi or none",
    schema: z.enum(["dcgm", "nvidia-smi", "none"], { error: "must be dcgm, nvidia-smi or none" }),
  },
} as const satisfies Record<string, EnvVariable<unknown>>;

export type EnvName = keyof typeof ENV_VARIABLES;

/** Parsed values: the schema's output for each variable, `undefined` when missing without a default. */
export type EnvValues = { readonly [K in EnvName]: z.output<(typeof ENV_VARIABLES)[K]["schema"]> | undefined };

export const ENV_NAMES = Object.keys(ENV_VARIABLES) as EnvName[];

export function isEnvName(name: string): name is EnvName {
  return Object.hasOwn(ENV_VARIABLES, name);
}

/** The variables templates may use, in declaration order. */
export function substitutableNames(): EnvName[] {
  return ENV_NAMES.filter((name) => ENV_VARIABLES[name].substitutable);
}
