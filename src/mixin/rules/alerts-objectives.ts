import { httpServer, vllm } from "../../catalog/index.js";
import { AGGREGATES } from "../../promql/aggregates.js";
import { allOn, compare } from "../../promql/functions.js";
import { histogramSignals, quantileRecord } from "../../promql/signals.js";
import { API_FAILURES_RECORD, SLO_LABEL, SLO_PERIOD, sloBadRatioRecord, sloTrafficRecord, type SloKey } from "../../promql/slo.js";
import { durationSeconds, type BurnRate, type ErrorBudget, type Thresholds } from "../config.js";

const SLO_PERIOD_DAYS = durationSeconds(SLO_PERIOD) / 86400;
import type { AlertRule } from "./types.js";

const PER_MODEL = ["job", "model_name"] as const;

/** What an objective's burn-rate alerts and runbooks say about it. */
interface BudgetText {
  readonly key: SloKey;
  /** e.g. "error budget". */
  readonly budgetName: string;
  /** A sentence: what counts as good. */
  readonly objectiveSentence: (objective: string) => string;
  /** What the `$value` is a share of. */
  readonly badShare: string;
  readonly setting: string;
  readonly impactNow: string;
  readonly impactSlow: string;
  readonly diagnose: readonly string[];
  readonly fix: readonly string[];
}

function availabilityText(): BudgetText {
  return {
    key: "availability",
    budgetName: "error budget",
    objectiveSentence: (objective) =>
      `The objective is that ${objective} of requests are not failed by the server. Failures are engine errors (finished_reason error; client aborts do not count) ` +
      `plus HTTP 5xx answers of the API server, minus the 503s of deliberate load shedding at the admission caps (\`${vllm.admissionRejections.name}\`, see VllmLoadShedding).`,
    badShare: "requests",
    setting: "SLO_AVAILABILITY",
    impactNow: "Users get failed answers right now",
    impactSlow: "A steady trickle of failed answers",
    diagnose: [
      "Fleet overview → Error ratio per model, then the Instances dashboard: is it one instance (its errors/s column) or all of them?",
      "User overview → Completed, failed and aborted requests, and API → requests by status: engine errors or API 5xx?",
      `Query: \`sum by (instance) (rate(${vllm.requestSuccess.name}{finished_reason="error"}[5m]))\` and \`${API_FAILURES_RECORD}\`.`,
    ],
    fix: [
      "Take a failing instance out of the load balancer and restart it; fix what its log reports (memory, a broken adapter, bad input).",
      "If every instance fails, roll back the last model, adapter or vLLM change.",
    ],
  };
}

function ttftText(thresholds: Thresholds): BudgetText {
  return {
    key: "ttft",
    budgetName: "TTFT budget",
    objectiveSentence: (objective) =>
      `The objective is that ${objective} of requests get their first token within ${thresholds.ttft.seconds}s (SLO_TTFT_SECONDS, a bucket edge of \`${vllm.timeToFirstToken.name}\`, so the share is exact).`,
    badShare: `requests slower than ${thresholds.ttft.seconds}s to their first token`,
    setting: "SLO_TTFT_TARGET",
    impactNow: "Users wait for the first token right now",
    impactSlow: "A steady share of slow first tokens",
    diagnose: [
      "User overview → Time to first token and Queue time: if queue time rose with TTFT, requests wait for a batch slot (capacity).",
      "User overview → Prompt length, and Machine overview → KV cache usage with User overview → Preemptions: long prompts or a full cache slow admission.",
      `Query: \`${sloBadRatioRecord("ttft", "1h")}\` per job and model.`,
    ],
    fix: [
      "Add replicas or GPUs, or route traffic away from the slow model.",
      "Enable prefix caching or chunked prefill for long prompts; cap `--max-num-batched-tokens` so decodes keep going.",
    ],
  };
}

function burnRateAlert(burn: BurnRate, budget: ErrorBudget, text: BudgetText): AlertRule {
  const allowed = Math.round((1 - budget.objective) * 1e6) / 1e6;
  const limit = Math.round(burn.factor * allowed * 1e6) / 1e6;
  const objective = `${Math.round(budget.objective * 1e5) / 1e3}%`;
  const pages = burn.severity === "critical";
  const longSeconds = durationSeconds(burn.longWindow);
  const lasts = Math.round((SLO_PERIOD_DAYS / burn.factor) * 10) / 10;
  return {
    alert: burn.alert,
    group: "vllm",
    expr: allOn(
      PER_MODEL,
      compare(sloBadRatioRecord(text.key, burn.longWindow), ">", limit),
      compare(sloBadRatioRecord(text.key, burn.shortWindow), ">", limit),
      // why: the gate is on the long window: a quiet model with a steady bad share still burns its budget, while a few requests make no ratio.
      compare(`${sloTrafficRecord(text.key, burn.longWindow)} * ${longSeconds}`, ">=", budget.minRequests),
    ),
    for: burn.for,
    severity: burn.severity,
    labels: { [SLO_LABEL]: text.key },
    summary: `{{ $labels.model_name }} burns its ${text.budgetName} ${burn.factor}× too fast`,
    description:
      `{{ $value | humanizePercentage }} of ${text.badShare} of {{ $labels.model_name }} (job {{ $labels.job }}) were bad over the last ${burn.longWindow}, ` +
      `and over ${burn.shortWindow} too: ${burn.factor} times the ${Math.round(allowed * 1e6) / 1e4}% budget of the ${objective} objective (${text.setting}).`,
    runbook: {
      meaning:
        `${text.objectiveSentence(objective)} ` +
        `At ${burn.factor}× the budget rate the whole ${SLO_PERIOD_DAYS}-day budget lasts ${lasts} days. ` +
        `Both the ${burn.longWindow} and the ${burn.shortWindow} bad share must be above ${Math.round(limit * 1e6) / 1e4}%: the long window proves it is not a blip, ` +
        `the short one that it is still happening${pages ? " (a paging tier: act now)" : " (a ticket tier: fix it within days)"}. ` +
        `Fewer than ${budget.minRequests} requests over ${burn.longWindow} never fire it.` +
        (pages
          ? ""
          : ` While a paging tier of this objective fires for the same job and model, Alertmanager holds this one back (label ${SLO_LABEL}="${text.key}").`),
      impact: pages
        ? `${text.impactNow}, at a rate that spends the ${SLO_PERIOD_DAYS}-day budget in ${lasts} days.`
        : `${text.impactSlow} that will spend the period's budget before it ends.`,
      diagnose: [
        "User overview → Service level: attainment, budget remaining over 28 days and the burn rate of each tier.",
        ...text.diagnose,
      ],
      fix: [...text.fix, `Change the objective (${text.setting} in .env) only if the product promises less.`],
    },
  };
}

/** Alerts on the service objectives: inter-token latency, the error budget, the HTTP API. */
export function objectiveAlerts(thresholds: Thresholds): AlertRule[] {
  const itl = histogramSignals().interTokenLatency;
  const itlQuantile = Math.round(thresholds.itl.quantile * 100);
  const apiLimit = thresholds.apiErrors.ratio;
  return [
    {
      alert: "VllmInterTokenLatencyHigh",
      group: "vllm",
      expr: compare(quantileRecord(itl, thresholds.itl.quantile), ">", thresholds.itl.seconds),
      for: thresholds.itl.for,
      severity: "warning",
      summary: `p${itlQuantile} inter-token latency of {{ $labels.model_name }} above ${thresholds.itl.seconds}s`,
      description: `p${itlQuantile} inter-token latency of model {{ $labels.model_name }} (job {{ $labels.job }}) is {{ $value | humanizeDuration }}, above the ${thresholds.itl.seconds}s objective (SLO_ITL_SECONDS) for ${thresholds.itl.for}.`,
      runbook: {
        meaning: `More than ${100 - itlQuantile}% of the gaps between streamed tokens are longer than ${thresholds.itl.seconds}s: text arrives in stalls.`,
        impact: "Streaming feels stuck; voice and agent pipelines that consume tokens as they come fall behind.",
        diagnose: [
          "User overview → Inter-token latency and the ITL heatmap: all requests slower, or a tail of long gaps?",
          "Instances → Tokens per engine step: large prefill chunks in the same steps as decodes stretch every gap (chunked prefill).",
          "Machine overview → GPU SM clock and Clock throttling: a throttled GPU decodes slower.",
          `Query: \`${quantileRecord(itl, thresholds.itl.quantile)}\`.`,
        ],
        fix: [
          "Lower `--max-num-batched-tokens` so prefill chunks interrupt decoding less, or lower `--max-num-seqs` for smaller batches.",
          "Add replicas; move long-prompt traffic to its own instances (or prefill/decode disaggregation).",
          "Fix cooling or power limits if the clocks drop under load.",
        ],
      },
    },
    ...thresholds.errorBudget.tiers.map((tier) => burnRateAlert(tier, thresholds.errorBudget, availabilityText())),
    ...thresholds.ttftBudget.tiers.map((tier) => burnRateAlert(tier, thresholds.ttftBudget, ttftText(thresholds))),
    {
      alert: "VllmApiErrorsHigh",
      group: "vllm",
      expr: allOn(
        ["job"],
        compare(AGGREGATES.http5xxRatio, ">", apiLimit),
        compare(`sum by (job) (${AGGREGATES.httpRequests}) * 300`, ">=", thresholds.apiErrors.minRequests),
      ),
      for: thresholds.apiErrors.for,
      severity: "warning",
      summary: "The vLLM API of job {{ $labels.job }} answers with 5xx",
      description: `{{ $value | humanizePercentage }} of HTTP requests to the vLLM servers of job {{ $labels.job }} got a 5xx status from a server failure over ${"5m"}, above ${apiLimit * 100}% for ${thresholds.apiErrors.for}. Load shedding (503 from the admission caps) is not counted.`,
      runbook: {
        meaning:
          `The OpenAI-compatible API server answers many requests with 500-599 (\`${httpServer.requests.name}\`, status 5xx): ` +
          "the engine failed them, the engine process died under the API server, or requests timed out inside it. These failures may never reach vLLM's finished_reason counters. " +
          `The 503s vLLM sends on purpose when its queue is at \`--max-num-queued-reqs\` / \`--max-num-queued-tokens\` (\`${vllm.admissionRejections.name}\`) are taken out: see VllmLoadShedding.`,
        impact: "Clients get errors instead of answers; SDKs retry, which adds load.",
        diagnose: [
          "User overview → API: requests by status and handler, and which handler returns 5xx.",
          "The API server log: tracebacks, `EngineDeadError`, `AsyncEngineDeadError`, out-of-memory.",
          `Query: \`sum by (instance, handler) (rate(${httpServer.requests.name}{status="5xx"}[5m]))\`.`,
        ],
        fix: [
          "Restart instances whose engine died; fix what the log reports.",
          "If only one handler fails (e.g. /v1/embeddings), check the model supports it.",
        ],
      },
    },
    loadSheddingAlert(thresholds),
  ];
}

/** Sustained load shedding: vLLM's admission caps refuse a share of requests (capacity, not failure). */
function loadSheddingAlert(thresholds: Thresholds): AlertRule {
  const limit = thresholds.loadShedding.ratio;
  return {
    alert: "VllmLoadShedding",
    group: "vllm",
    expr: compare(`sum by (job) (${AGGREGATES.admissionRejections}) / sum by (job) (${AGGREGATES.httpRequests})`, ">", limit),
    for: thresholds.loadShedding.for,
    severity: "warning",
    summary: "vLLM of job {{ $labels.job }} refuses requests at its admission caps",
    description: `{{ $value | humanizePercentage }} of HTTP requests to the vLLM servers of job {{ $labels.job }} were refused with 503 by the admission caps over 5m, above ${limit * 100}% for ${thresholds.loadShedding.for}.`,
    runbook: {
      meaning:
        `vLLM's queue keeps reaching \`--max-num-queued-reqs\` or \`--max-num-queued-tokens\`, and it answers new requests with 503 (\`${vllm.admissionRejections.name}\`, by the cap that fired). ` +
        "This is load shedding working as configured, not a server failure: the 5xx ratio, VllmApiErrorsHigh and the error budget leave it out.",
      impact: "Clients are turned away; well-behaved ones retry later, others fail. Demand is above what the servers can queue.",
      diagnose: [
        "User overview → API → Rejected (load shedding): which job and which cap (`reason`).",
        "User overview → Running and waiting requests: waiting sits at the cap while running is at its maximum.",
        `Query: \`sum by (job, reason) (rate(${vllm.admissionRejections.name}[5m]))\`.`,
      ],
      fix: [
        "Add replicas or GPUs, or route traffic to other servers.",
        "Raise the cap only if the extra queueing time is acceptable: a longer queue trades 503s for slower answers.",
        "Rate-limit the heaviest clients at the gateway.",
      ],
    },
  };
}
