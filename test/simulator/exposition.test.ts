import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  METRICS_VERSIONS,
  createdFamilyName,
  httpServer,
  metricsVersionSpec,
  processCollector,
  vllm,
  type MetricsVersion,
} from "../../src/catalog/index.js";
import { parseExposition, type ExpositionDocument, type ExpositionFamily } from "../../src/exposition/index.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";

const MAX_MODEL_LEN = 8192;
/** The namespace every engine family shares, taken from the catalog. */
const VLLM_PREFIX = `${vllm.numRequestsRunning.name.split(":")[0]}:`;

/** Formats a bucket bound the way Python's prometheus_client writes `le`. */
function pythonLe(bound: number): string {
  return Number.isInteger(bound) ? `${bound}.0` : String(bound);
}

for (const version of METRICS_VERSIONS) {
  describe(`/metrics of --metrics-version ${version}`, () => {
    let simulator: RunningSimulator;
    let text: string;
    let document: ExpositionDocument;
    const spec = metricsVersionSpec(version as MetricsVersion, { maxModelLen: MAX_MODEL_LEN });

    before(async () => {
      simulator = await startSimulator({
        metricsVersion: version as MetricsVersion,
        engines: 2,
        load: "steady",
        seed: 3,
        maxModelLen: MAX_MODEL_LEN,
      });
      const response = await fetch(`${simulator.urls[0]}/metrics`);
      assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=/);
      text = await response.text();
      document = parseExposition(text);
    });
    after(() => simulator.close());

    const family = (name: string): ExpositionFamily | undefined => document.families.find((item) => item.name === name);

    test("declares every family of the catalog with its type and HELP", () => {
      for (const { family: expected } of spec.families) {
        const found = family(expected.name);
        assert.ok(found, `${expected.name} is missing`);
        assert.equal(found.type, expected.type, `${expected.name} type`);
        assert.equal(found.help, expected.help, `${expected.name} HELP`);
      }
    });

    test("has no engine family the catalog does not list for this version", () => {
      const expected = new Set(spec.families.flatMap(({ family: item }) => [item.name, createdFamilyName(item)]));
      const extra = document.families.map((item) => item.name).filter((name) => name.startsWith(VLLM_PREFIX) && !expected.has(name));
      assert.deepEqual(extra, []);
    });

    test("labels every sample with exactly the catalog's label names", () => {
      for (const { family: expected } of spec.families) {
        const found = family(expected.name);
        assert.ok(found && found.samples.length > 0, `${expected.name} has no samples`);
        for (const sample of found.samples) {
          const names = Object.keys(sample.labels)
            .filter((name) => name !== "le")
            .sort();
          assert.deepEqual(names, [...expected.labels].sort(), `${sample.name} labels`);
        }
      }
    });

    test("writes the catalog's bucket boundaries as Python floats ending in +Inf", () => {
      for (const { family: expected } of spec.families.filter(({ family: item }) => item.type === "histogram")) {
        const found = family(expected.name);
        const first = found?.samples.find((sample) => sample.name === `${expected.name}_bucket`);
        assert.ok(first, `${expected.name} has no buckets`);
        const series = found?.samples.filter(
          (sample) =>
            sample.name === `${expected.name}_bucket` &&
            Object.entries(first.labels).every(([k, v]) => k === "le" || sample.labels[k] === v),
        );
        const bounds = (series ?? []).map((sample) => sample.labels.le);
        assert.deepEqual(bounds, [...(expected.buckets ?? []).map(pythonLe), "+Inf"], `${expected.name} buckets`);
      }
      assert.match(text, /le="1\.0"/);
      assert.match(text, /le="\+Inf"/);
    });

    test(
      version === "0.6" ? "has no engine label and no _created series (V0)" : "labels engines 0 and 1 and writes _created gauges (V1)",
      () => {
        const engines = new Set(
          document.families.flatMap((item) => item.samples.map((sample) => sample.labels.engine)).filter((value) => value !== undefined),
        );
        const created = document.families.filter((item) => item.name.endsWith("_created"));
        if (spec.engineLabel) {
          assert.deepEqual([...engines].sort(), ["0", "1"]);
          assert.ok(created.length > 10);
          assert.ok(created.every((item) => item.type === "gauge"));
        } else {
          assert.equal(engines.size, 0);
          assert.equal(created.length, 0);
        }
      },
    );

    test("pre-creates every finished_reason child", () => {
      const success = spec.families.find(({ source }) => source === "requestSuccess");
      const found = family(success?.family.name ?? "");
      const reasons = new Set(found?.samples.map((sample) => sample.labels.finished_reason));
      assert.deepEqual([...reasons].sort(), [...spec.finishedReasons].sort());
    });

    test("serves the http_* and process_* families of a vLLM API server", () => {
      for (const expected of [...Object.values(httpServer), ...Object.values(processCollector)]) {
        assert.equal(family(expected.name)?.type, expected.type, `${expected.name}`);
      }
    });
  });
}

test("a default current server exposes 36 vllm: families (33 core + 3 MFU)", () => {
  const spec = metricsVersionSpec("current", { maxModelLen: MAX_MODEL_LEN });
  assert.equal(spec.families.length, 36);
});
