import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { vllm } from "../../src/catalog/index.js";
import { ExpositionSyntaxError, parseExposition, sampleNames } from "../../src/exposition/index.js";

const ttft = vllm.timeToFirstToken.name;

describe("parseExposition", () => {
  test("reads HELP and TYPE lines and groups histogram series under their family", () => {
    const text = [
      `# HELP ${ttft} Histogram of time to first token in seconds.`,
      `# TYPE ${ttft} histogram`,
      `${ttft}_bucket{engine="0",le="0.001",model_name="m"} 0.0`,
      `${ttft}_bucket{engine="0",le="+Inf",model_name="m"} 3.0`,
      `${ttft}_count{engine="0",model_name="m"} 3.0`,
      `${ttft}_sum{engine="0",model_name="m"} 1.5`,
      `# HELP ${ttft}_created Histogram of time to first token in seconds.`,
      `# TYPE ${ttft}_created gauge`,
      `${ttft}_created{engine="0",model_name="m"} 1.7e+09`,
      "",
    ].join("\n");
    const document = parseExposition(text);
    assert.equal(document.format, "prometheus");
    assert.deepEqual(
      document.families.map((family) => [family.name, family.type, family.samples.length]),
      [
        [ttft, "histogram", 4],
        [`${ttft}_created`, "gauge", 1],
      ],
    );
    const histogram = document.families[0];
    assert.equal(histogram?.help, "Histogram of time to first token in seconds.");
    assert.equal(histogram?.samples[1]?.value, 3);
    assert.deepEqual(histogram?.samples[1]?.labels, { engine: "0", le: "+Inf", model_name: "m" });
    assert.equal(histogram?.samples[3]?.value, 1.5);
  });

  test("keeps histogram samples together when _sum comes before _bucket, as in multiprocess mode", () => {
    const text = [`# TYPE ${ttft} histogram`, `${ttft}_sum 2`, `${ttft}_bucket{le="+Inf"} 1`, `${ttft}_count 1`].join("\n");
    const [family, ...others] = parseExposition(text).families;
    assert.equal(others.length, 0);
    assert.deepEqual(
      family?.samples.map((sample) => sample.name),
      [`${ttft}_sum`, `${ttft}_bucket`, `${ttft}_count`],
    );
  });

  test("unescapes backslash, quote and newline in label values and HELP text", () => {
    const text = [
      "# HELP demo_info A help with a \\\\ backslash\\nand a second line.",
      "# TYPE demo_info gauge",
      'demo_info{path="C:\\\\dir",quote="say \\"hi\\"",multi="a\\nb",} 1',
    ].join("\n");
    const family = parseExposition(text).families[0];
    assert.equal(family?.help, "A help with a \\ backslash\nand a second line.");
    assert.deepEqual(family?.samples[0]?.labels, { path: "C:\\dir", quote: 'say "hi"', multi: "a\nb" });
  });

  test("reads NaN, +Inf, -Inf, exponents and integer millisecond timestamps", () => {
    const text = ["demo_a NaN", "demo_b +Inf 1700000000000", "demo_c -Inf", "demo_d 1.5e-3 -12"].join("\n");
    const samples = parseExposition(text).families.flatMap((family) => family.samples);
    assert.ok(Number.isNaN(samples[0]?.value));
    assert.equal(samples[1]?.value, Number.POSITIVE_INFINITY);
    assert.equal(samples[1]?.timestampMs, 1_700_000_000_000);
    assert.equal(samples[2]?.value, Number.NEGATIVE_INFINITY);
    assert.equal(samples[3]?.value, 0.0015);
    assert.equal(samples[3]?.timestampMs, -12);
    assert.equal(parseExposition(text).families[0]?.type, "untyped");
  });

  test("reads OpenMetrics with counters declared without _total, UNIT, exemplars, second timestamps and # EOF", () => {
    const family = vllm.promptTokens.name.replace(/_total$/, "");
    const text = [
      `# TYPE ${family} counter`,
      `# HELP ${family} Number of prefill tokens processed.`,
      `# UNIT ${family} tokens`,
      `${family}_total{model_name="m",engine="0"} 12 # {trace_id="abc"} 1 1700000000.5`,
      `${family}_created{model_name="m",engine="0"} 1700000000.25 1700000001.5`,
      "# EOF",
      "",
    ].join("\n");
    const document = parseExposition(text, { contentType: "application/openmetrics-text; version=1.0.0; charset=utf-8" });
    assert.equal(document.format, "openmetrics");
    assert.equal(document.families.length, 1);
    const counter = document.families[0];
    assert.equal(counter?.type, "counter");
    assert.equal(counter?.unit, "tokens");
    assert.equal(counter?.samples[0]?.value, 12);
    assert.equal(counter?.samples[1]?.timestampMs, 1_700_000_001_500);
    assert.deepEqual([...sampleNames(document)], [vllm.promptTokens.name, `${family}_created`]);
  });

  test("detects OpenMetrics from a final # EOF when no content type is given", () => {
    assert.equal(parseExposition("demo 1\n# EOF\n").format, "openmetrics");
  });

  test("rejects OpenMetrics text that lacks # EOF or continues after it", () => {
    assert.throws(() => parseExposition("demo 1\n", { format: "openmetrics" }), /must end with # EOF/);
    assert.throws(
      () => parseExposition("demo 1\n# EOF\ndemo 2\n"),
      (error: unknown) => {
        assert.ok(error instanceof ExpositionSyntaxError);
        assert.equal(error.line, 3);
        return true;
      },
    );
  });

  test("names the line of an HTML page, a JSON body and a sample without a value", () => {
    assert.throws(() => parseExposition("<!DOCTYPE html>\n<html></html>\n"), /line 1: expected a metric name/);
    assert.throws(() => parseExposition('{"object": "list"}'), /line 1: expected a metric name/);
    assert.throws(() => parseExposition("# TYPE demo gauge\ndemo\n"), /line 2: expected a space and a value after demo/);
    assert.throws(() => parseExposition("demo abc\n"), /"abc" is not a number/);
    assert.throws(() => parseExposition('demo{a="1} 1\n'), /unterminated value of label a/);
    assert.throws(() => parseExposition("# TYPE demo bogus\n"), /unknown type "bogus"/);
  });
});
