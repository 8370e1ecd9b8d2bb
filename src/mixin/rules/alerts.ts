import { node, prometheusSelf, scrape, vllm } from "../../catalog/index.js";
import { absent, allOn, compare, increase, sumBy } from "../../promql/functions.js";
import { ruleScope } from "../../promql/scope.js";
import { matcher, series } from "../../promql/selector.js";
import {
  RECORDING_WINDOW,
  counterRecord,
  counterSignals,
  errorRatioRecord,
  histogramSignals,
  quantileRecord,
  sumRecord,
} from "../../promql/signals.js";
import { kvCacheUsage, requestsRunning, requestsWaiting, type QueryOptions } from "../../promql/vllm.js";
import { sleepingEngines } from "../../promql/workload.js";
import { ALL_TARGETS, type MixinSelectors, type Thresholds } from "../config.js";
import { gpuAlerts } from "./alerts-gpu.js";
import type { AlertRule } from "./types.js";
import { objectiveAlerts } from "./alerts-objectives.js";
import { metaAlerts } from "./alerts-meta.js";

export const RUNBOOK_PATH = "docs/runbooks.md";

/** GitHub's anchor for a `## Name` heading. */
export function runbookAnchor(alert: string): string {
  return alert
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, "")
    .replace(/ /g, "-");
}

/** The alert's section in the runbooks at `baseUrl` (RUNBOOK_BASE_URL). */
export function runbookUrl(baseUrl: string, alert: string): string {
  return `${baseUrl}#${runbookAnchor(alert)}`;
}

const PER_INSTANCE = ["job", "instance", "model_name"] as const;

const PER_MODEL = ["job", "model_name"] as const;

function serviceAlerts(thresholds: Thresholds): AlertRule[] {
  // why: these alerts read gauges, which have no recording rule; rates come from the recorded series directly.
  const raw: QueryOptions = { scope: ruleScope(RECORDING_WINDOW), source: "raw" };
  const signals = histogramSignals();
  const counters = counterSignals();
  const ttftQuantile = Math.round(thresholds.ttft.quantile * 100);
  const e2eQuantile = Math.round(thresholds.e2e.quantile * 100);
  const secondsPerOutputToken = `${sumBy(PER_MODEL, sumRecord(signals.e2e))} / ${sumBy(PER_MODEL, counterRecord(counters.generationTokens))}`;
  return [
    {
      alert: "VllmMetricsAbsent",
      group: "vllm",
      expr: absent(series(vllm.numRequestsRunning.name)),
      for: thresholds.vllmMetricsAbsent.for,
      severity: "critical",
      summary: "No vLLM metrics reach Prometheus",
      description: `No ${vllm.numRequestsRunning.name} series has been scraped for ${thresholds.vllmMetricsAbsent.for} (absent = {{ $value }}): every vLLM target is down, unreachable, refused the scrape or serves no vLLM metrics.`,
      runbook: {
        meaning: "Prometheus holds no vLLM series at all: no dashboard panel or vLLM alert can work.",
        impact: "Monitoring is blind. The servers may be fine or down; nothing tells you which.",
        diagnose: [
          "Machine overview → Targets up: are the vLLM targets listed, and at 0?",
          "Prometheus → Status → Targets: the scrape error (connection refused, 401/403, timeout, TLS).",
          `\`curl -s http://HOST:PORT/metrics | grep -c '^vllm:'\` from the Prometheus host: 0 means a wrong port/path, or Ray-exported names (\`ray_vllm_*\`) that these dashboards do not read.`,
        ],
        fix: [
          "Start vLLM, or correct the target address: VLLM_TARGET or VLLM_TARGETS_FILE in .env (then `vllm-monitor reload`), or the monitor's selector on Kubernetes.",
          "Behind a gateway that needs a token, give the scrape job its bearer token file.",
          "With `--api-server-count > 1`, make sure PROMETHEUS_MULTIPROC_DIR is on a local disk (vLLM #49983).",
        ],
      },
    },
    {
      alert: "VllmTimeToFirstTokenHigh",
      group: "vllm",
      expr: compare(quantileRecord(signals.ttft, thresholds.ttft.quantile), ">", thresholds.ttft.seconds),
      for: thresholds.ttft.for,
      severity: "warning",
      summary: `p${ttftQuantile} time to first token of {{ $labels.model_name }} above ${thresholds.ttft.seconds}s`,
      description: `p${ttftQuantile} TTFT of model {{ $labels.model_name }} (job {{ $labels.job }}) is {{ $value | humanizeDuration }} over the last ${RECORDING_WINDOW}, above the ${thresholds.ttft.seconds}s objective for ${thresholds.ttft.for}.`,
      runbook: {
        meaning: `Fewer than ${thresholds.ttft.quantile * 100}% of requests get their first token within ${thresholds.ttft.seconds}s.`,
        impact: "Users wait before anything streams back; interactive clients time out or retry, which adds load.",
        diagnose: [
          "User overview → Queue time: if queue p95 rose with TTFT, requests wait for a batch slot (capacity).",
          "User overview → Prompt length: longer prompts take longer to prefill.",
          "Machine overview → KV cache usage and User overview → Preemptions: a full cache stalls admissions.",
          `Query: \`${quantileRecord(signals.ttft, thresholds.ttft.quantile)}\`.`,
        ],
        fix: [
          "Add replicas or GPUs, or route traffic away from the slow model.",
          "Enable prefix caching or chunked prefill (`--enable-chunked-prefill`) for long prompts; cap `--max-num-batched-tokens` to keep decode going.",
          "If the objective itself is wrong, set `SLO_TTFT_SECONDS` in `.env` (a bucket edge of the histogram) and `vllm-monitor reload`.",
        ],
      },
    },
    {
      alert: "VllmEndToEndLatencyHigh",
      group: "vllm",
      expr: allOn(
        PER_MODEL,
        compare(quantileRecord(signals.e2e, thresholds.e2e.quantile), ">", thresholds.e2e.seconds),
        // why: a long generation is slow because it is long; only a slow time per output token is a problem.
        compare(secondsPerOutputToken, ">", thresholds.e2e.secondsPerToken),
      ),
      for: thresholds.e2e.for,
      severity: "warning",
      summary: `p${e2eQuantile} end-to-end latency of {{ $labels.model_name }} above ${thresholds.e2e.seconds}s, and slow per token`,
      description: `p${e2eQuantile} end-to-end latency of model {{ $labels.model_name }} (job {{ $labels.job }}) is {{ $value | humanizeDuration }}, above the ${thresholds.e2e.seconds}s objective for ${thresholds.e2e.for}, while requests also took more than ${thresholds.e2e.secondsPerToken}s per output token.`,
      runbook: {
        meaning:
          `Fewer than ${thresholds.e2e.quantile * 100}% of requests finish within ${thresholds.e2e.seconds}s of arrival, and the mean end-to-end time per output token ` +
          `(the ${signals.e2e.families[0]?.name ?? "E2E"} sum over the generated tokens) is above ${thresholds.e2e.secondsPerToken}s. ` +
          "Long generations alone (agents, reports, reasoning models) take minutes on a healthy server and do not fire it: they stay fast per token.",
        impact: "Complete answers arrive late; batch jobs and agents built on the API slow down.",
        diagnose: [
          "User overview → Output length: longer generations take longer without anything being wrong.",
          "User overview → Inter-token latency: slower decode steps mean a saturated or throttled GPU (Machine overview → GPU SM clock, temperature).",
          "User overview → Queue time and Running and waiting requests: time spent before the request even starts.",
        ],
        fix: [
          "Add capacity, or lower `--max-num-seqs` if inter-token latency is the problem (smaller batches decode faster).",
          "Cap `max_tokens` at the clients if outputs grew.",
          "Fix cooling or power limits if the SM clock drops under load.",
        ],
      },
    },
    {
      alert: "VllmQueueBuilding",
      group: "vllm",
      expr: compare(requestsWaiting(raw, PER_INSTANCE), ">", thresholds.queueWaiting.requests),
      for: thresholds.queueWaiting.for,
      severity: "warning",
      summary: "Requests pile up in the queue of {{ $labels.instance }}",
      description: `{{ $value }} requests for {{ $labels.model_name }} have been waiting on {{ $labels.instance }} for more than ${thresholds.queueWaiting.for} (threshold ${thresholds.queueWaiting.requests}).`,
      runbook: {
        meaning: "More requests arrive than the engine admits into its running batch.",
        impact: "Queue time, and with it TTFT and end-to-end latency, grows with every request.",
        diagnose: [
          "User overview → Running and waiting requests: running flat at its maximum while waiting climbs means saturation.",
          "Machine overview → KV cache usage: near 100% means the cache, not `--max-num-seqs`, is the limit.",
          "If running is 0 at the same time, see VllmEngineNotServing.",
        ],
        fix: [
          "Add replicas, or spread the load across existing ones.",
          "Raise `--max-num-seqs` if the KV cache has room; raise `--gpu-memory-utilization` for more cache.",
          "Shed load at the gateway (rate limits, `--max-num-queued-reqs` on recent vLLM).",
        ],
      },
    },
    {
      alert: "VllmKvCacheNearFull",
      group: "vllm",
      // why: a full cache with nothing waiting and nothing preempted is healthy saturation; it pages only when requests pay for it.
      expr: `${compare(kvCacheUsage(raw, PER_INSTANCE, "max"), ">", thresholds.kvCacheUsage.ratio)} and on (${PER_INSTANCE.join(", ")}) (${compare(
        requestsWaiting(raw, PER_INSTANCE),
        ">",
        0,
      )} or ${compare(sumBy(PER_INSTANCE, counterRecord(counters.preemptions)), ">", 0)})`,
      for: thresholds.kvCacheUsage.for,
      severity: "warning",
      summary: "KV cache of {{ $labels.instance }} full while requests wait or get preempted",
      description: `KV-cache usage of {{ $labels.model_name }} on {{ $labels.instance }} is {{ $value | humanizePercentage }} (fullest engine), above ${thresholds.kvCacheUsage.ratio * 100}% for ${thresholds.kvCacheUsage.for}, with requests waiting or preempted.`,
      runbook: {
        meaning:
          "The engine has almost no free KV blocks and requests pay for it: some wait in the queue or get preempted. " +
          "A full cache alone does not fire it: vLLM fills its cache under load by design.",
        impact: "Throughput drops (recomputation after preemption) and latency rises.",
        diagnose: [
          "Machine overview → KV cache usage, next to Running and waiting requests.",
          "User overview → Preemptions: non-zero confirms the cache is the bottleneck.",
          "User overview → Prompt length and Output length: longer contexts need more blocks per request.",
        ],
        fix: [
          "Raise `--gpu-memory-utilization` or use a quantised KV cache (`--kv-cache-dtype fp8`).",
          "Lower `--max-num-seqs` or `--max-model-len` so fewer or shorter sequences share the cache.",
          "Add tensor-parallel GPUs or replicas.",
        ],
      },
    },
    {
      alert: "VllmPreemptionsSustained",
      group: "vllm",
      expr: compare(sumBy(PER_INSTANCE, counterRecord(counters.preemptions)), ">", thresholds.preemptions.perSecond),
      for: thresholds.preemptions.for,
      severity: "warning",
      summary: "{{ $labels.instance }} keeps preempting requests",
      description: `{{ $labels.instance }} preempts {{ printf "%.2f" $value }} requests per second for {{ $labels.model_name }}, above ${thresholds.preemptions.perSecond}/s for ${thresholds.preemptions.for}.`,
      runbook: {
        meaning: "The scheduler keeps evicting running requests because the KV cache ran out.",
        impact: "Evicted requests are recomputed: wasted GPU time, higher latency, lower throughput.",
        diagnose: [
          "User overview → Preemptions, Machine overview → KV cache usage.",
          `Query: \`sum by (instance) (rate(${vllm.numPreemptions.name}[5m]))\`.`,
        ],
        fix: ["As for VllmKvCacheNearFull: more cache memory, fewer or shorter concurrent sequences, or more capacity."],
      },
    },
    {
      alert: "VllmRequestErrorsHigh",
      group: "vllm",
      expr: compare(errorRatioRecord(), ">", thresholds.errorRatio.ratio),
      for: thresholds.errorRatio.for,
      severity: "warning",
      summary: "Many requests of {{ $labels.model_name }} fail on the server",
      description: `{{ $value | humanizePercentage }} of finished requests of {{ $labels.model_name }} (job {{ $labels.job }}) ended in finished_reason="error" over ${RECORDING_WINDOW}, above ${thresholds.errorRatio.ratio * 100}% for ${thresholds.errorRatio.for}. Client aborts are not counted.`,
      runbook: {
        meaning:
          "A large share of requests finish with `finished_reason` error: the server failed them. Client aborts (timeouts, closed connections) are not counted; the User overview shows them beside the errors.",
        impact: "Users get no or partial answers.",
        diagnose: [
          "User overview → Completed, failed and aborted requests, and Error ratio: which models fail, and since when.",
          "The vLLM server log around the start of the alert: invalid requests, out-of-memory and NaN logits show up there.",
          `Query: \`sum by (finished_reason) (rate(${vllm.requestSuccess.name}[5m]))\`.`,
        ],
        fix: [
          "Fix what the log reports: bad requests at the client, memory (`--gpu-memory-utilization`, `--max-model-len`), or a broken model or adapter.",
          "If aborts rise too, latency is the cause clients give up on: see the latency alerts.",
        ],
      },
    },
    {
      alert: "VllmEngineNotServing",
      group: "vllm",
      // why: an engine put to sleep (POST /sleep) serves nothing on purpose; vllm:engine_sleep_state says so (vLLM 0.16+).
      expr: `${allOn(
        PER_INSTANCE,
        compare(requestsWaiting(raw, PER_INSTANCE), ">", 0),
        compare(requestsRunning(raw, PER_INSTANCE), "==", 0),
        compare(sumBy(PER_INSTANCE, counterRecord(counters.generationTokens)), "==", 0),
      )} unless on (${PER_INSTANCE.join(", ")}) ${sleepingEngines(raw.scope, PER_INSTANCE)}`,
      for: thresholds.notServing.for,
      severity: "critical",
      summary: "{{ $labels.instance }} is up but not serving",
      description: `{{ $value }} requests for {{ $labels.model_name }} wait on {{ $labels.instance }} while none runs and no token was generated for ${thresholds.notServing.for}.`,
      runbook: {
        meaning: `The server answers health checks and scrapes, but its engine makes no progress. Engines that report sleep mode (\`${vllm.engineSleepState.name}{sleep_state="awake"}\` = 0) are left out: they idle on purpose.`,
        impact: "Every request to this instance hangs; a load balancer keeps sending more because /health is 200.",
        diagnose: [
          "User overview → Running and waiting requests for this instance: waiting > 0, running 0.",
          "Instances → Sleep mode: a sleeping engine does not fire this alert; one that reports awake here really is stuck.",
          "The vLLM log: a dead engine core process, a stuck KV transfer, or a LoRA adapter that fails to load.",
        ],
        fix: [
          "Wake the engine (`POST /wake_up`) if it sleeps; otherwise restart the instance.",
          "Take it out of the load balancer until it serves again.",
        ],
      },
    },
  ];
}

/** `up == 0` for the targets that are ours: every target, or those any of the selectors match. */
function targetDown(selectors: MixinSelectors): string {
  if (selectors.scrapeTargets.length === 0) return compare(series(scrape.up.name), "==", 0);
  return selectors.scrapeTargets.map((selector) => compare(series(scrape.up.name, selector), "==", 0)).join(" or ");
}

function scrapeAlerts(thresholds: Thresholds, selectors: MixinSelectors): AlertRule[] {
  return [
    {
      alert: "ScrapeTargetDown",
      group: "scrape",
      expr: targetDown(selectors),
      for: thresholds.targetDown.for,
      severity: "warning",
      summary: "Prometheus cannot scrape {{ $labels.instance }}",
      description: `The scrape of {{ $labels.instance }} (job {{ $labels.job }}) has failed for ${thresholds.targetDown.for} (up = {{ $value }}).`,
      runbook: {
        meaning: "A target in the scrape config does not answer, or answers with an error.",
        impact: "Its panels go blank and its alerts cannot fire.",
        diagnose: [
          "Machine overview → Targets up.",
          "Prometheus → Status → Targets: the last error (refused, timeout, 401/403, TLS, HTTP 500).",
        ],
        fix: [
          "Start the exporter or server, or fix its address.",
          "For 401/403, configure the scrape job's bearer token; for TLS errors, the CA file or `insecure_skip_verify`.",
        ],
      },
    },
    {
      alert: "ScrapeLimitExceeded",
      group: "scrape",
      // why: the counters live on Prometheus's own page and name no target; ScrapeTargetDown names it.
      expr: `${compare(increase(series(prometheusSelf.scrapesExceededSampleLimit.name), "5m"), ">", 0)} or ${compare(increase(series(prometheusSelf.scrapesExceededBodySizeLimit.name), "5m"), ">", 0)}`,
      for: thresholds.targetDown.for,
      severity: "warning",
      summary: "Prometheus {{ $labels.instance }} refuses scrapes over a scrape limit",
      description: `{{ $value }} scrapes in 5 minutes sent more series or a larger page than the job's limit, and were refused whole (nothing of them is stored).`,
      runbook: {
        meaning:
          "A target exports more series than its job's sample_limit (or a page larger than body_size_limit): a cardinality bomb, or a fleet that outgrew the defaults.",
        impact: "That target's panels go blank and its alerts cannot fire; the rest of the stack is protected.",
        diagnose: [
          "`vllm-monitor status` and `vllm-monitor doctor` name the target, the series it sent and the limit.",
          `\`${scrape.scrapeSamplesScraped.name}\` per target: the series each one sent at its last scrape.`,
        ],
        fix: [
          "Expected growth (more engines, LoRA adapters): raise SCRAPE_SAMPLE_LIMIT (or SCRAPE_BODY_SIZE_LIMIT) for that job in .env, e.g. SCRAPE_SAMPLE_LIMIT=vllm=200000, and apply it.",
          "A bug (a label holding request ids, user names or prompts): fix the exporter; the limit keeps Prometheus alive meanwhile.",
        ],
      },
    },
    {
      alert: "PrometheusNotStoring",
      group: "scrape",
      // why: with its disk full Prometheus stores nothing, its own `up` included; the rule still evaluates and notifies, so absence is the signal.
      expr: absent(series(scrape.up.name, [matcher("job", "=", "prometheus")])),
      for: "2m",
      severity: "critical",
      summary: "Prometheus stores nothing it scrapes (disk full or not writable)",
      description:
        "No sample of Prometheus's own scrape was stored for 2 minutes (absent = {{ $value }}): every dashboard and alert reads stale data.",
      runbook: {
        meaning:
          "Appends to the TSDB fail: usually the data folder's disk is full, or it turned read-only. Prometheus keeps scraping and every target still shows up = 1.",
        impact:
          "Nothing new is stored: dashboards stop, alerts on fresh data cannot fire, and at the next restart Prometheus repairs its WAL and drops what it could not write.",
        diagnose: [
          '`vllm-monitor status` or `vllm-monitor doctor`: "not storing: …" with the free space of the data folder.',
          "`df -h` on the data folder (native: the `data:` line of `vllm-monitor up`, under ~/.local/state/vllm-monitor/data/ or DATA_DIR).",
        ],
        fix: [
          "Free space on that file system; Prometheus resumes storing by itself.",
          "Set PROMETHEUS_RETENTION_SIZE below the disk's size so old blocks are deleted in time.",
        ],
      },
    },
    {
      alert: "DiskPredictedFullIn4h",
      group: "scrape",
      // why: a linear fit of the last hour, the node-mixin's way; the 40 % guard keeps big, slowly filling disks quiet.
      expr: `predict_linear(${series(node.filesystemAvailBytes.name, [matcher("fstype", "!=", "")])}[1h], 4 * 3600) < 0 and ${series(node.filesystemAvailBytes.name, [matcher("fstype", "!=", "")])} / ${series(node.filesystemSizeBytes.name, [matcher("fstype", "!=", "")])} < 0.4`,
      for: "15m",
      severity: "warning",
      summary: "{{ $labels.mountpoint }} on {{ $labels.instance }} will be full within 4 hours",
      description:
        "At the rate of the last hour, {{ $labels.mountpoint }} ({{ $labels.device }}) runs out of space within 4 hours (free space predicted in 4 h: {{ $value | humanize1024 }}B). If it holds Prometheus's data, storing stops then.",
      runbook: {
        meaning:
          "A file system is filling at a rate that exhausts it within 4 hours; Prometheus's own TSDB is a usual cause when no size retention is set.",
        impact: "When it is full, Prometheus (if its data lives there) stops storing, and PrometheusNotStoring fires.",
        diagnose: [
          "Machine overview → disk panels for the host.",
          "`du -sh` of the data folder (native: the `data:` line of `vllm-monitor up`, under ~/.local/state/vllm-monitor/data/ or DATA_DIR).",
        ],
        fix: [
          "Free space, or move the data folder to a larger disk.",
          "Set PROMETHEUS_RETENTION_SIZE (e.g. 10GB) so Prometheus deletes its oldest blocks in time.",
        ],
      },
    },
  ];
}

/** VllmReplicasBelowExpected, only when VLLM_EXPECTED_REPLICAS is set. */
function replicaAlerts(thresholds: Thresholds): AlertRule[] {
  const expected = thresholds.replicas.expected;
  if (expected === undefined) return [];
  const serving = `count(group by (job, instance) (${series(vllm.numRequestsRunning.name)}))`;
  return [
    {
      alert: "VllmReplicasBelowExpected",
      group: "vllm",
      // why: `or vector(0)`: with every server gone the count has no series, and that is the worst case, not a silence.
      expr: compare(`(${serving} or vector(0))`, "<", expected),
      for: thresholds.replicas.for,
      severity: "warning",
      summary: `Fewer vLLM servers serve than the ${expected} expected`,
      description: `{{ $value }} vLLM servers export metrics, fewer than the ${expected} of VLLM_EXPECTED_REPLICAS, for ${thresholds.replicas.for}.`,
      runbook: {
        meaning:
          `Fewer scrape targets serve vLLM metrics than VLLM_EXPECTED_REPLICAS (${expected}) says there should be: servers crashed, were scaled down, ` +
          "or fell out of service discovery. Off unless VLLM_EXPECTED_REPLICAS is set.",
        impact:
          "The remaining servers carry all the traffic: queues, latency and load shedding grow, and one more failure may take the model down.",
        diagnose: [
          "Machine overview → Targets up, and Prometheus → Status → Targets: which vLLM target is down (ScrapeTargetDown names it) or missing.",
          "Instances dashboard: which servers still report; on Kubernetes, `kubectl get pods` of the deployment (crash loops, pending pods without GPUs).",
          `Query: \`count by (job) (group by (job, instance) (${vllm.numRequestsRunning.name}))\`.`,
        ],
        fix: [
          "Restart or reschedule the missing servers; fix what their logs report (out of memory, a failed model download, no free GPU).",
          "If the fleet was resized on purpose, update VLLM_EXPECTED_REPLICAS in .env and apply it.",
        ],
      },
    },
  ];
}

/** Every alert, in the order of docs/runbooks.md. */
export function alertRules(thresholds: Thresholds, selectors: MixinSelectors = ALL_TARGETS): AlertRule[] {
  return [
    ...scrapeAlerts(thresholds, selectors),
    ...serviceAlerts(thresholds),
    ...replicaAlerts(thresholds),
    ...objectiveAlerts(thresholds),
    ...gpuAlerts(thresholds),
    ...metaAlerts(thresholds),
  ];
}
