/**
 * Checks that the recorded series bench/synthetic-history.ts writes are the ones our rules write:
 * a real Prometheus loads rules/vllm-recording.yml, gets ten minutes of raw samples of a small
 * fleet (vLLM, dcgm-exporter, node_exporter) and evaluates the rules; every record must then have
 * the same label names as the generator gives it.
 */
import { buildMixin, thresholds } from "../src/mixin/index.js";
import { waitUntil } from "../src/process/index.js";
import { AGGREGATES } from "../src/promql/aggregates.js";
import { recordingRules } from "../src/mixin/rules/index.js";
import { startPrometheus } from "../test/helpers/prometheus.js";
import { generatedShapes, writeHistory } from "./synthetic-history.js";
import { ruleFileText } from "../src/render/rule-file-text.js";

const INSTANCES = 2;

export async function checkRecordShapes(): Promise<string[]> {
  const files = Object.fromEntries(buildMixin().ruleFiles.map((file) => [file.fileName, ruleFileText(file)]));
  const prometheus = await startPrometheus({
    config: (dir) =>
      `global:\n  scrape_interval: 5s\n  evaluation_interval: 1s\nrule_files: [${Object.keys(files)
        .map((name) => JSON.stringify(`${dir}/${name}`))
        .join(", ")}]\nscrape_configs: []\n`,
    files,
    args: ["--web.enable-remote-write-receiver"],
  });
  try {
    const end = Math.floor(Date.now() / 1000);
    await writeHistory(prometheus.url, { instances: INSTANCES, startSeconds: end - 600, endSeconds: end, stepSeconds: 5, rawOnly: true });
    const last = AGGREGATES.jobGpuTemperature;
    await waitUntil(async () => (await prometheus.query(`count(${last})`)).length > 0, {
      what: `the rules to record ${last}`,
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    const generated = generatedShapes(INSTANCES);
    const problems: string[] = [];
    for (const rule of recordingRules(thresholds())) {
      const data = (await prometheus.queryData(`${rule.record}`)) as { result: { metric: Record<string, string> }[] };
      const real = new Set(
        data.result.map((item) =>
          Object.keys(item.metric)
            .filter((name) => name !== "__name__")
            .sort()
            .join(","),
        ),
      );
      const written = generated.get(rule.record) ?? new Set<string>();
      if (real.size === 0) problems.push(`${rule.record}: the rules recorded nothing from the raw history`);
      else if ([...real].sort().join(" | ") !== [...written].sort().join(" | ")) {
        problems.push(`${rule.record}: rules give {${[...real].join(" | ")}}, the generator {${[...written].join(" | ")}}`);
      }
    }
    return problems;
  } finally {
    await prometheus.stop();
  }
}
