import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { vllm } from "../../src/catalog/index.js";
import { testMixinRules } from "../helpers/promtool.js";
import { keepLabel } from "../../src/promql/keep-label.js";

describe("keepLabel", () => {
  test("adds monitor to every by and on list, and groups a bare aggregation by it", () => {
    assert.equal(
      keepLabel("sum by (job) (rate(x[5m])) / on (job, instance) group_left () max (y)"),
      "sum by (job, monitor) (rate(x[5m])) / on (job, instance, monitor) group_left () max by (monitor) (y)",
    );
    assert.equal(keepLabel("a and on () b"), "a and on (monitor) b");
    assert.equal(keepLabel("topk(3, v)"), "topk by (monitor) (3, v)");
  });

  test("leaves without, ignoring, a list that has it, and an expression without aggregation alone", () => {
    for (const expr of [
      "count without (a) (w)",
      "x + ignoring (a) y",
      "sum by (monitor, job) (x)",
      'absent(up{job="vllm"})',
      "rate(x[5m]) > 1",
    ]) {
      assert.equal(keepLabel(expr), expr);
    }
  });
});

// Real promtool: one central store receives two senders whose job, instance and model are the same.
describe("the rules on a central store fed by two senders", () => {
  test("record each sender's fleet apart, and do not add two quiet queues into one alert", async () => {
    const waiting = (monitor: string) =>
      `${vllm.numRequestsWaiting.name}{job="vllm", instance="gpu-1:8000", model_name="llama", monitor="${monitor}"}`;
    const tests = {
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          // why: 30 waiting at each sender is under the queue threshold (50); merged they would be 60.
          input_series: [
            { series: waiting("east"), values: "30x20" },
            { series: waiting("west"), values: "30x20" },
          ],
          promql_expr_test: [
            {
              expr: "job_model_name:vllm_num_requests_waiting:sum",
              eval_time: "5m",
              exp_samples: [
                { labels: 'job_model_name:vllm_num_requests_waiting:sum{job="vllm", model_name="llama", monitor="east"}', value: 30 },
                { labels: 'job_model_name:vllm_num_requests_waiting:sum{job="vllm", model_name="llama", monitor="west"}', value: 30 },
              ],
            },
          ],
          alert_rule_test: [{ eval_time: "15m", alertname: "VllmQueueBuilding", exp_alerts: [] }],
        },
      ],
    };
    const result = await testMixinRules(tests);
    assert.equal(result.code, 0, `promtool test rules failed:\n${result.output}`);
    assert.match(result.output, /SUCCESS/);
  });
});
