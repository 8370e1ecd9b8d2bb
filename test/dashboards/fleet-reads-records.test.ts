import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { knownSeriesNames } from "../../src/catalog/index.js";
import { seriesRead } from "../../src/catalog/series-read.js";
import { buildMixin, thresholds } from "../../src/mixin/index.js";
import { FLEET_OVERVIEW_UID } from "../../src/mixin/dashboards/index.js";
import { dashboardQueries } from "../../src/mixin/dashboards/inspect.js";
import { recordingRules } from "../../src/mixin/rules/index.js";

/** `level:metric:operations` levels that keep no instance label: their series count does not grow with the fleet. */
const AGGREGATE_LEVELS = new Set(["job", "job_model_name", "job_hostname"]);

describe("Fleet overview (recorded)", () => {
  test("every panel query reads only aggregate recording-rule series our rules record, never a raw per-instance family", () => {
    const fleet = buildMixin().recordedDashboards.find((file) => file.dashboard.uid === FLEET_OVERVIEW_UID)!.dashboard;
    const recorded = new Set(recordingRules(thresholds()).map((rule) => rule.record));
    const raw = knownSeriesNames();
    const queries = dashboardQueries(fleet);
    assert.ok(queries.length > 20, `only ${queries.length} queries`);
    const problems: string[] = [];
    for (const query of queries) {
      const names = seriesRead(query.expr);
      const where = `${query.panelTitle} / ${query.refId}`;
      if (names.length === 0) problems.push(`${where}: reads no named series (a regex on __name__ may match raw families)`);
      for (const name of names) {
        if (raw.has(name)) problems.push(`${where}: reads the raw family ${name}`);
        else if (!recorded.has(name)) problems.push(`${where}: reads ${name}, which no recording rule records`);
        else if (!AGGREGATE_LEVELS.has(name.split(":")[0]!)) problems.push(`${where}: reads ${name}, a per-instance record`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
