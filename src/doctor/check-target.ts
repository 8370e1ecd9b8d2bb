import { ExpositionSyntaxError, parseExposition, sampleNames, type ExpositionDocument } from "../exposition/index.js";
import { classifyGeneration } from "./generation.js";
import { scrapeOnce, type ScrapeResponse } from "./http.js";
import { probeTcp, probeTls, resolveHost, splitAddress, type TlsHandshake } from "./network.js";
import { panelCoverage, type PanelQueries } from "./panels.js";
import type { Answer, ScrapeTarget } from "../prometheus/client.js";
import { isStale, notScrapedSinceLoad } from "./fresh-targets.js";
import { findPrometheusTarget } from "./prometheus.js";
import type { CheckResult, DoctorSettings, DoctorTarget, TargetReport } from "./types.js";

/** The .env variables a fix of a vLLM target may name (their definitions live in the settings schema). */
export const FIX_VARIABLES = {
  scheme: "SCHEMA",
  metricsPath: "VLLM_METRICS_PATH",
  token: "VLLM_METRICS_AUTH_TOKEN",
  caFile: "VLLM_TLS_CA_FILE",
  insecure: "VLLM_TLS_INSECURE_SKIP_VERIFY",
} as const;

const UNTRUSTED_CHAIN = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
]);

export interface TargetContext {
  readonly panels: readonly PanelQueries[];
  readonly records: ReadonlyMap<string, string>;
  readonly prometheus?: Answer<ScrapeTarget[]>;
  readonly prometheusUrl?: string;
  /** When Prometheus loaded the configuration it runs: a target's result from before it is stale. */
  readonly configLoadedAt?: string;
  /** How the user applies a .env change to the running stack: `vllm-monitor reload`, or `up` when none runs. */
  readonly applyCommand: string;
}

/** Checks one target layer by layer (DNS, TCP, TLS, HTTP, body, metrics, panels), stopping at the first blocker. */
export async function checkTarget(target: DoctorTarget, settings: DoctorSettings, context: TargetContext): Promise<TargetReport> {
  const checks: CheckResult[] = [];
  const url = `${target.scheme}://${target.address}${target.metricsPath}`;
  const base = { target: url, source: target.source, models: [], engines: [], emptyPanels: [], otherExporterPanels: [] };
  const probed = await probeLayers(target, settings, context, checks);
  const prometheus = prometheusCheck(target, context, checks);
  const ok = !checks.some((check) => check.status === "problem");
  return { ...base, ...probed, ok, checks, ...(prometheus !== undefined ? { prometheus } : {}) };
}

async function probeLayers(
  target: DoctorTarget,
  settings: DoctorSettings,
  context: TargetContext,
  checks: CheckResult[],
): Promise<Partial<Omit<TargetReport, "checks" | "ok">>> {
  const { host, port } = splitAddress(target.address);
  const where = `${host}:${port}`;

  const resolved = await resolveHost(host, settings.timeoutMs);
  if (!resolved.ok) {
    checks.push({
      check: "dns",
      status: "problem",
      message:
        resolved.code === "EAI_AGAIN" || resolved.code === "ETIMEOUT"
          ? `the DNS server did not answer for host ${host} (${resolved.code})`
          : `cannot resolve host ${host} (${resolved.code})`,
      fix: `check the host name in ${target.source}; on this machine \`getent hosts ${host}\` must print an address`,
    });
    return {};
  }
  checks.push({ check: "dns", status: "ok", message: `host ${host} resolves to ${resolved.addresses.join(", ")}` });

  const connected = await probeTcp(host, port, settings.timeoutMs);
  if (!connected.ok) {
    checks.push(tcpProblem(connected.code, where, target, settings));
    return {};
  }
  checks.push({ check: "tcp", status: "ok", message: `TCP connection to ${where} opens` });

  if (target.scheme === "https") {
    const handshake = await probeTls(host, port, {
      ...(settings.caPem !== undefined ? { caPem: settings.caPem } : {}),
      timeoutMs: settings.timeoutMs,
    });
    const tls = tlsCheck(handshake, host, where, target, settings);
    checks.push(tls);
    if (tls.status === "problem") return {};
  }

  const response = await scrapeOnce({
    scheme: target.scheme,
    host,
    port,
    path: target.metricsPath,
    ...(settings.token !== undefined ? { token: settings.token } : {}),
    ...(settings.caPem !== undefined ? { caPem: settings.caPem } : {}),
    insecureSkipVerify: settings.insecureSkipVerify,
    timeoutMs: settings.timeoutMs,
  });
  const http = await httpCheck(response, host, port, where, target, settings);
  checks.push(http);
  if (http.status === "problem" || !response.ok) return {};

  const parsed = bodyCheck(response.body, response.contentType, target);
  checks.push(parsed.check);
  if (parsed.document === undefined) return {};

  const findings = classifyGeneration(parsed.document);
  checks.push(findings.check);
  const identity = { generation: findings.generation, models: findings.models, engines: findings.engines };
  // why: without vLLM metrics every panel is empty; the generation check already says why.
  if (findings.generation === "none" || context.panels.length === 0) return identity;
  const coverage = panelCoverage(context.panels, sampleNames(parsed.document), findings.generation, context.records);
  const total = context.panels.length - coverage.otherExporterPanels.length - coverage.optionalPanels.length;
  checks.push(
    coverage.emptyPanels.length === 0
      ? { check: "panels", status: "ok", message: `all ${total} dashboard panels fed by this target would show data` }
      : {
          check: "panels",
          status: "note",
          message: `${coverage.emptyPanels.length} of ${total} dashboard panels fed by this target would be empty (listed below)`,
        },
  );
  return { ...identity, ...coverage };
}

function tcpProblem(code: string, where: string, target: DoctorTarget, settings: DoctorSettings): CheckResult {
  if (code === "ECONNREFUSED") {
    return {
      check: "tcp",
      status: "problem",
      message: `connection refused on ${where}`,
      fix: `is vLLM running? is the port right? (vllm serve --port, default 8000; the port comes from ${target.source})`,
    };
  }
  if (code === "ETIMEDOUT") {
    return {
      check: "tcp",
      status: "problem",
      message: `no answer from ${where} within ${settings.timeoutMs} ms`,
      fix: "a firewall may drop the connection, or the host is down; raise --timeout on a slow network",
    };
  }
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") {
    return {
      check: "tcp",
      status: "problem",
      message: `no route to ${where} (${code})`,
      fix: `check the host in ${target.source} and this machine's network`,
    };
  }
  return { check: "tcp", status: "problem", message: `cannot connect to ${where} (${code})`, fix: `check the address in ${target.source}` };
}

function tlsCheck(handshake: TlsHandshake, host: string, where: string, target: DoctorTarget, settings: DoctorSettings): CheckResult {
  if (!handshake.completed) {
    const code = handshake.errorCode ?? "unknown error";
    if (
      code === "ERR_SSL_WRONG_VERSION_NUMBER" ||
      code === "EPROTO" ||
      /wrong version number|http request/i.test(handshake.errorMessage ?? "")
    ) {
      return {
        check: "tls",
        status: "problem",
        message: `${where} speaks plain HTTP, not HTTPS (TLS handshake: ${code})`,
        fix: `use http:// in ${target.source}, or ${FIX_VARIABLES.scheme}=http`,
      };
    }
    return {
      check: "tls",
      status: "problem",
      message: `TLS handshake with ${where} failed (${code})`,
      fix: "check that the port serves HTTPS",
    };
  }
  const names =
    handshake.certificateNames !== undefined && handshake.certificateNames !== ""
      ? handshake.certificateNames
      : `CN=${handshake.certificateSubject ?? "?"}`;
  const error = handshake.authorizationError;
  if (error === undefined) return { check: "tls", status: "ok", message: `TLS certificate (${names}) is trusted and matches ${host}` };
  const status = settings.insecureSkipVerify ? "note" : "problem";
  const skipped = settings.insecureSkipVerify ? ` ${FIX_VARIABLES.insecure} is set, so the scrape goes on unverified;` : "";
  if (UNTRUSTED_CHAIN.has(error)) {
    return {
      check: "tls",
      status,
      message:
        settings.caPem === undefined
          ? `the server's certificate (${names}) is signed by an unknown CA, e.g. self-signed (${error})`
          : `the server's certificate (${names}) is not signed by the CA in ${FIX_VARIABLES.caFile} (${error})`,
      fix: `${skipped} set ${FIX_VARIABLES.caFile} to the PEM file of the CA that signed the server certificate`.trim(),
    };
  }
  if (error === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return {
      check: "tls",
      status,
      message: `the certificate is for ${names}, not for ${host}`,
      fix: `${skipped} use a name the certificate holds in ${target.source}, or reissue the certificate with ${host} in its subjectAltName`.trim(),
    };
  }
  if (error === "CERT_HAS_EXPIRED" || error === "CERT_NOT_YET_VALID") {
    return {
      check: "tls",
      status,
      message: `the server's certificate (${names}) is not valid now (${error})`,
      fix: `${skipped} renew the server certificate`.trim(),
    };
  }
  return {
    check: "tls",
    status,
    message: `the server's certificate (${names}) is not trusted (${error})`,
    fix: `${skipped} check the certificate and ${FIX_VARIABLES.caFile}`.trim(),
  };
}

async function httpCheck(
  response: ScrapeResponse,
  host: string,
  port: number,
  where: string,
  target: DoctorTarget,
  settings: DoctorSettings,
): Promise<CheckResult> {
  const speaksHttps = (): CheckResult => ({
    check: "http",
    status: "problem",
    message: `${where} speaks HTTPS, not plain HTTP`,
    fix: `use https:// in ${target.source} (or ${FIX_VARIABLES.scheme}=https), and ${FIX_VARIABLES.caFile} if the certificate is self-signed`,
  });
  if (!response.ok) {
    if (target.scheme === "http" && (response.code === "ECONNRESET" || response.code.startsWith("HPE_"))) {
      const handshake = await probeTls(host, port, { timeoutMs: settings.timeoutMs });
      if (handshake.completed) return speaksHttps();
    }
    if (response.code === "ETIMEDOUT") {
      return {
        check: "http",
        status: "problem",
        message: `no complete HTTP answer from ${where} within ${settings.timeoutMs} ms`,
        fix: "raise --timeout, or check that the port serves HTTP",
      };
    }
    return {
      check: "http",
      status: "problem",
      message: `HTTP request to ${where}${target.metricsPath} failed (${response.code})`,
      fix: `check the address and scheme in ${target.source}`,
    };
  }
  const status = response.status;
  const label = `HTTP ${status} from ${target.metricsPath}`;
  if (status >= 200 && status < 300) return { check: "http", status: "ok", message: label };
  if (status === 400 && /plain HTTP request.*HTTPS port|HTTP request to an HTTPS server/i.test(response.body)) return speaksHttps();
  if (status === 401 || status === 403) {
    // why: vLLM's --api-key guards only /v1/*, never /metrics, so a 401 here comes from a gateway or proxy in front of it.
    const who = "vLLM itself never asks for a token on /metrics (its --api-key covers only /v1/*): a gateway or proxy in front of it does";
    return settings.token === undefined
      ? {
          check: "http",
          status: "problem",
          message: `${label}: the endpoint wants a bearer token and none is set; ${who}`,
          fix: `set ${FIX_VARIABLES.token} to that gateway's or proxy's token`,
        }
      : {
          check: "http",
          status: "problem",
          message: `${label}: the endpoint rejected the token in ${FIX_VARIABLES.token}; ${who}`,
          fix: `set ${FIX_VARIABLES.token} to the token that gateway or proxy expects`,
        };
  }
  if (status === 404) {
    return {
      check: "http",
      status: "problem",
      message: `${label}: nothing is served at ${target.metricsPath}`,
      fix: `set ${FIX_VARIABLES.metricsPath} (vLLM serves /metrics) or the path in ${target.source}`,
    };
  }
  if (status >= 300 && status < 400) {
    const location = (response.location ?? "?").replace(/\/\/[^/@]*@/, "//");
    return {
      check: "http",
      status: "problem",
      message: `${label}: redirects to ${location}`,
      fix: `put the final address in ${target.source}; Prometheus does not follow redirects to another scheme or host reliably`,
    };
  }
  if (status === 500) {
    return {
      check: "http",
      status: "problem",
      message: `${label}: the server failed while rendering its metrics`,
      fix: "read the vLLM log; a known cause is a stale or shared PROMETHEUS_MULTIPROC_DIR with several API servers (vllm#49983): give each server an empty directory of its own",
    };
  }
  if (status > 500) {
    return {
      check: "http",
      status: "problem",
      message: `${label}: the server or a proxy in front of it is failing`,
      fix: "is vLLM still loading the model? does the proxy reach its upstream?",
    };
  }
  return { check: "http", status: "problem", message: `${label}`, fix: `check the address and path in ${target.source}` };
}

function bodyCheck(body: string, contentType: string, target: DoctorTarget): { check: CheckResult; document?: ExpositionDocument } {
  const start = body.trimStart().slice(0, 200);
  if (/html/i.test(contentType) || /^<(!doctype|html|head|body|\?xml)/i.test(start)) {
    return {
      check: {
        check: "body",
        status: "problem",
        message: "the body is an HTML page, not Prometheus metrics",
        fix: `the address points at a web page (a UI, a login page, a proxy); use the vLLM server's port and ${FIX_VARIABLES.metricsPath}=/metrics`,
      },
    };
  }
  if (/json/i.test(contentType) || /^[[{]/.test(start)) {
    return {
      check: {
        check: "body",
        status: "problem",
        message: "the body is JSON, not Prometheus metrics",
        fix: `the path points at an API route; set ${FIX_VARIABLES.metricsPath}=/metrics (or the path in ${target.source})`,
      },
    };
  }
  if (body.trim() === "")
    return {
      check: {
        check: "body",
        status: "problem",
        message: "the body is empty",
        fix: "the server answered without metrics; is this a vLLM server?",
      },
    };
  try {
    const document = parseExposition(body, { contentType });
    const kind = document.format === "openmetrics" ? "OpenMetrics" : "Prometheus text format";
    return { check: { check: "body", status: "ok", message: `${kind}, ${document.families.length} metric families` }, document };
  } catch (error) {
    if (!(error instanceof ExpositionSyntaxError)) throw error;
    return {
      check: {
        check: "body",
        status: "problem",
        message: `the body is not Prometheus exposition (${error.message})`,
        fix: `check that ${target.source} points at a metrics endpoint`,
      },
    };
  }
}

export function prometheusCheck(target: DoctorTarget, context: TargetContext, checks: CheckResult[]): TargetReport["prometheus"] {
  if (context.prometheus === undefined || !context.prometheus.reachable) return undefined;
  const found = findPrometheusTarget(context.prometheus.value, target);
  const where = context.prometheusUrl ?? "Prometheus";
  if (found === undefined) {
    checks.push({
      check: "prometheus",
      status: "note",
      message: `Prometheus at ${where} does not scrape this target`,
      fix: `apply the .env with \`${context.applyCommand}\``,
    });
    return undefined;
  }
  if (context.configLoadedAt !== undefined && isStale(found, context.configLoadedAt))
    checks.push(notScrapedSinceLoad(found, context.configLoadedAt, "Prometheus: this target"));
  else if (found.health === "up")
    checks.push({ check: "prometheus", status: "ok", message: `Prometheus scrapes it: health up, last scrape ${found.lastScrape}` });
  else if (found.health === "down" && found.limitAdvice !== undefined) {
    checks.push({
      check: "prometheus",
      status: "problem",
      message: `Prometheus refuses its scrapes: ${found.lastError}`,
      fix: found.limitAdvice,
    });
  } else if (found.health === "down") {
    const doctorFine = !checks.some((check) => check.status === "problem");
    checks.push({
      check: "prometheus",
      status: "problem",
      message: `Prometheus scrapes it: health down, last error: ${found.lastError || "(none given)"}`,
      fix: doctorFine
        ? `doctor reaches the target but Prometheus does not: apply the .env with \`${context.applyCommand}\`, and check that Prometheus reaches the same network`
        : `fix the problem above, then apply the .env change with \`${context.applyCommand}\``,
    });
  } else checks.push({ check: "prometheus", status: "note", message: `Prometheus has not scraped it yet (health ${found.health})` });
  return found;
}
