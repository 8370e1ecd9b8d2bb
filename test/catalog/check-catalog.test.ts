import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { useTemporaryDirs } from "../helpers/temporary.js";

const temporaryDir = useTemporaryDirs();

/** A synthetic vLLM tree, written as real files, with the definition shapes vLLM uses. */
const LOGGERS = `
from vllm.v1.metrics.utils import build_1_2_5_buckets

SOME_BUCKETS = [1, 2, 4]  # not the catalog's 1, 2, 5, 10, 20

class PrometheusStatLogger:
    def __init__(self, labelnames, max_model_len):
        # "vllm:only_in_a_comment" is not a definition
        gauge_running = self._gauge_cls(
            name="vllm:num_requests_running",
            documentation="Number of requests in model execution batches.",
            labelnames=labelnames,
        )
        counter_kv = self._counter_cls(
            name="vllm:kv_cache_usage_perc",
            documentation=("KV-cache usage. " "1 means 100 percent usage."),
            labelnames=labelnames,
        )
        histogram_n = self._histogram_cls(
            name="vllm:request_params_n",
            documentation="Histogram of the n request parameter.",
            buckets=SOME_BUCKETS,
            labelnames=labelnames,
        )
        histogram_prompt = self._histogram_cls(
            name="vllm:request_prompt_tokens",
            documentation="Number of prefill tokens processed.",
            buckets=build_1_2_5_buckets(max_model_len),
            labelnames=labelnames,
        )
        buckets = [0.001, 0.01, 0.1]
        histogram_post = self._histogram_cls(
            name="vllm:nixl_post_time_seconds",
            documentation="Histogram of transfer post time.",
            buckets=buckets[1:],
            labelnames=labelnames,
        )
`;

const NAMES = `
class _ExampleMetricName:
    BRAND_NEW = "vllm:brand_new_transfers"
`;

const TABLE = `
from .names import _ExampleMetricName

def definitions():
    return {
        _ExampleMetricName.BRAND_NEW: OffloadingCounterMetadata(
            documentation="Transfers of a connector the catalog does not know.",
        ),
    }
`;

async function writeTree(files: Record<string, string>): Promise<string> {
  const root = temporaryDir("vllm-tree-");
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

function checkCatalog(root: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "scripts/check-catalog.ts", root], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr });
    });
  });
}

test("lists the families a vLLM tree defines that the catalog lacks or declares with another type or other buckets", async () => {
  const root = await writeTree({
    "vllm/v1/metrics/loggers.py": LOGGERS,
    "vllm/connector/names.py": NAMES,
    "vllm/connector/metrics.py": TABLE,
    "tests/test_metrics.py": 'EXPECTED = ["vllm:only_in_tests"]\n',
  });
  const run = await checkCatalog(root);
  assert.equal(run.code, 1, run.stderr);
  const findings = run.stdout.split("\n").filter((line) => /^(missing|wrong)/.test(line));
  assert.deepEqual(findings, [
    "missing: vllm:brand_new_transfers_total (counter not in the catalog) at vllm/connector/metrics.py:6",
    "wrong type: vllm:kv_cache_usage_perc_total (upstream counter, catalog gauge) at vllm/v1/metrics/loggers.py:14",
    "wrong buckets: vllm:nixl_post_time_seconds (upstream 0.01, 0.1; catalog 0.001, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 5) at vllm/v1/metrics/loggers.py:32",
    "wrong buckets: vllm:request_params_n (upstream 1, 2, 4; catalog 1, 2, 5, 10, 20) at vllm/v1/metrics/loggers.py:19",
  ]);
  assert.match(run.stdout, /^6 vllm: families read in .*, 0 more names mentioned/);
});

test("reports nothing and exits 0 when every family of the tree matches the catalog", async () => {
  const root = await writeTree({
    "vllm/v1/metrics/loggers.py": `
class Logger:
    def __init__(self, labelnames):
        self._histogram_cls(name="vllm:request_num_preemptions", documentation="Preemptions.", buckets=[1, 2, 3, 4, 5, 10, 20], labelnames=labelnames)
        self._counter_cls(name="vllm:admission_rejections", documentation="Rejected.", labelnames=["reason"])
`,
  });
  const run = await checkCatalog(root);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^2 vllm: families read in .*; 0 finding\(s\)$/m);
});

test("refuses a folder that is not a vLLM source tree with exit code 2 and says what to give instead", async () => {
  const root = await writeTree({ "README.md": "not vllm\n" });
  const run = await checkCatalog(root);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /is not a vLLM source tree/);
  assert.match(run.stderr, /the folder of a vLLM checkout/);
});
