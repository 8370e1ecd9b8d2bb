import { VLLM_FEATURE_FLAGS, vllm, vllmFeatures } from "../../../catalog/index.js";
import * as engine from "../../../promql/engine.js";
import type { Scope } from "../../../promql/scope.js";
import type { RowSpec } from "../panels.js";

const BY_MODEL = ["model_name"] as const;
const BY_ENGINE = ["job", "instance", "engine"] as const;

/** What the engine loop does: step sizes, step rate, and the KV cache it was given. Every version. */
export function engineInternalsRow(scope: Scope): RowSpec {
  return {
    title: "Engine internals",
    collapsed: true,
    panels: [
      {
        key: "instances/tokens-per-step",
        kind: "timeseries",
        title: "Tokens per engine step",
        description:
          `Tokens (prefill chunks plus one per decoding sequence) each engine step processed: p50, p95 and mean, from ${vllm.iterationTokens.name}. ` +
          "Large steps next to long inter-token gaps mean prefill chunks slow decoding (--max-num-batched-tokens).",
        unit: "short",
        legend: "table",
        targets: [
          { expr: engine.tokensPerStepQuantile(0.5, scope, BY_MODEL), legend: "p50 {{model_name}}" },
          { expr: engine.tokensPerStepQuantile(0.95, scope, BY_MODEL), legend: "p95 {{model_name}}" },
          { expr: engine.tokensPerStepMean(scope, BY_MODEL), legend: "mean {{model_name}}" },
        ],
      },
      {
        key: "instances/steps-per-second",
        kind: "timeseries",
        title: "Engine steps per second",
        description: `Steps each engine ran per second (observations of ${vllm.iterationTokens.name}); an engine that stops stepping while requests wait is stuck.`,
        unit: "ops",
        legend: "table",
        targets: [{ expr: engine.engineStepsPerSecond(scope, BY_ENGINE), legend: "{{instance}} engine {{engine}}" }],
      },
      {
        key: "instances/kv-capacity",
        kind: "table",
        title: "KV cache capacity and configuration",
        description:
          `Each engine's KV cache as vLLM configured it (${vllm.cacheConfigInfo.name}, one series whose labels are the settings). KV cache tokens is the ` +
          "capacity vLLM states (kv_cache_size_tokens, vLLM 0.2x), else GPU blocks × block size: for hybrid attention/Mamba models the product overstates it. " +
          "Also the cache dtype, --gpu-memory-utilization and prefix caching. The label set differs between vLLM versions.",
        unit: "short",
        width: 16,
        targets: [{ expr: engine.cacheConfig(scope), legend: "", format: "table", instant: true }],
        table: {
          labels: ["instance", "engine", ...engine.CACHE_CONFIG_COLUMNS],
          columns: [],
          transformations: [
            {
              id: "convertFieldType",
              options: {
                conversions: ["kv_cache_size_tokens", "num_gpu_blocks", "block_size"].map((targetField) => ({
                  targetField,
                  destinationType: "number",
                })),
              },
            },
            {
              id: "calculateField",
              options: {
                mode: "binary",
                binary: { left: "num_gpu_blocks", operator: "*", right: "block_size" },
                alias: "Blocks × block size",
              },
            },
            // why: what vLLM states wins; older versions have no kv_cache_size_tokens, so the product stands in.
            {
              id: "calculateField",
              options: {
                mode: "reduceRow",
                reduce: { include: ["kv_cache_size_tokens", "Blocks × block size"], reducer: "firstNotNull" },
                alias: "KV cache tokens",
              },
            },
            { id: "organize", options: { excludeByName: { Value: true, job: true } } },
          ],
        },
      },
    ],
  };
}

/** Optional rows: each needs a vLLM version or flag, named in its title and in its panels' no-data text. */
export function optionalEngineRows(scope: Scope): RowSpec[] {
  const waitingVersion = "vLLM after 0.16 (April 2026)";
  const sourcesVersion = "vLLM 0.16 or later";
  return [
    {
      title: `Waiting requests by reason — ${waitingVersion}`,
      collapsed: true,
      panels: [
        {
          key: "instances/waiting-by-reason",
          kind: "timeseries",
          title: "Waiting requests by reason",
          description:
            `Waiting requests by why they wait (${vllm.numRequestsWaitingByReason.name}): capacity (no room in the batch or the KV cache) or deferred ` +
            "(a transient constraint: the LoRA budget, a KV transfer). Deferred requests do not clear by adding capacity.",
          unit: "short",
          width: 12,
          stacked: true,
          noValue: `No data: needs ${waitingVersion} (${vllm.numRequestsWaitingByReason.name}); total waiting is on the User overview`,
          targets: [{ expr: engine.waitingByReason(scope, BY_MODEL), legend: "{{reason}} {{model_name}}" }],
        },
      ],
    },
    {
      title: `Prompt tokens by source — ${sourcesVersion}`,
      collapsed: true,
      panels: [
        {
          key: "instances/prompt-sources",
          kind: "timeseries",
          title: "Prompt tokens by source",
          description: `Prompt tokens per second by where their KV came from (${vllm.promptTokensBySource.name}): computed here, a local prefix-cache hit, or an external KV transfer.`,
          unit: "suffix: tok/s",
          width: 12,
          stacked: true,
          noValue: `No data: needs ${sourcesVersion} (${vllm.promptTokensBySource.name})`,
          targets: [{ expr: engine.promptTokensBySource(scope, BY_MODEL), legend: "{{source}} {{model_name}}" }],
        },
        {
          key: "instances/cached-prompt-share",
          kind: "timeseries",
          title: "Cached share of prompt tokens",
          description: `Share of prompt tokens served from a cache (local or external): ${vllm.promptTokensCached.name} / ${vllm.promptTokens.name}.`,
          unit: "percentunit",
          width: 12,
          min: 0,
          max: 1,
          noValue: `No data: needs ${sourcesVersion} (${vllm.promptTokensCached.name})`,
          targets: [{ expr: engine.cachedPromptShare(scope, BY_MODEL), legend: "{{model_name}}" }],
        },
      ],
    },
    {
      title: `LoRA adapters — needs ${VLLM_FEATURE_FLAGS.lora}`,
      collapsed: true,
      panels: [
        {
          key: "instances/lora-adapters",
          kind: "table",
          title: "LoRA adapters running and waiting",
          description:
            `The adapters each server runs and queues now, and how many one batch may hold (max_lora), from ${vllmFeatures.loraRequestsInfo.name}. ` +
            "vLLM keeps one series per adapter set it ever saw; this shows the newest, with its age.",
          unit: "s",
          width: 24,
          noValue: `No data: needs ${VLLM_FEATURE_FLAGS.lora} (${vllmFeatures.loraRequestsInfo.name})`,
          targets: [{ expr: engine.loraAdapters(scope), legend: "", format: "table", instant: true }],
          table: {
            labels: ["job", "instance", "max_lora", "running_lora_adapters", "waiting_lora_adapters"],
            columns: [{ refId: "A", title: "Updated (seconds ago)", unit: "s", decimals: 0 }],
          },
        },
      ],
    },
    {
      title: `Speculative decoding — needs ${VLLM_FEATURE_FLAGS.speculative}`,
      collapsed: true,
      panels: [
        {
          key: "instances/spec-acceptance-rate",
          kind: "timeseries",
          title: "Draft acceptance rate",
          description: `Share of draft tokens the target model accepted: ${vllmFeatures.specDecodeNumAcceptedTokens.name} / ${vllmFeatures.specDecodeNumDraftTokens.name} (V1, and V0 up to 0.9).`,
          unit: "percentunit",
          min: 0,
          max: 1,
          noValue: `No data: needs ${VLLM_FEATURE_FLAGS.speculative}`,
          targets: [{ expr: engine.specAcceptanceRate(scope, BY_MODEL), legend: "{{model_name}}" }],
        },
        {
          key: "instances/spec-acceptance-length",
          kind: "timeseries",
          title: "Mean acceptance length",
          description:
            `Tokens one speculative step yields on average: 1 + accepted / drafts (${vllmFeatures.specDecodeNumAcceptedTokens.name}, ${vllmFeatures.specDecodeNumDrafts.name}, vLLM V1 0.8.5 and later). ` +
            "Near 1 the drafts cost more than they save.",
          unit: "short",
          noValue: `No data: needs ${VLLM_FEATURE_FLAGS.speculative} on vLLM V1 0.8.5 or later`,
          targets: [{ expr: engine.specMeanAcceptanceLength(scope, BY_MODEL), legend: "{{model_name}}" }],
        },
        {
          key: "instances/spec-acceptance-position",
          kind: "timeseries",
          title: "Acceptance by draft position",
          description: `Per draft position, the share of drafts whose token there was accepted (${vllmFeatures.specDecodeNumAcceptedTokensPerPos.name} / drafts); it falls with the position.`,
          unit: "percentunit",
          min: 0,
          max: 1,
          noValue: `No data: needs ${VLLM_FEATURE_FLAGS.speculative} on vLLM V1 0.8.5 or later`,
          targets: [{ expr: engine.specAcceptanceByPosition(scope, BY_MODEL), legend: "position {{position}} {{model_name}}" }],
        },
      ],
    },
  ];
}
