import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildMixin } from "../../src/mixin/index.js";
import { dashboardQueries } from "../../src/mixin/dashboards/inspect.js";

describe("the monitor variable", () => {
  const mixin = buildMixin();

  test("every Grafana dashboard, portable and recorded, offers monitor with All matching a series without it", () => {
    for (const { fileName, dashboard } of [...mixin.portableDashboards, ...mixin.recordedDashboards]) {
      const variable = (dashboard.templating.list ?? []).find((item) => item.name === "monitor");
      assert.ok(variable, `${fileName} has no monitor variable`);
      assert.equal(variable.includeAll, true, fileName);
      assert.equal(variable.allValue, ".*", fileName);
      assert.match(String(variable.query), /^label_values\(.+, monitor\)$/, fileName);
    }
  });

  test("every Perses dashboard offers it too", () => {
    for (const { fileName, dashboard } of mixin.persesDashboards) {
      const variable = dashboard.spec.variables.find((item) => item.spec.name === "monitor");
      assert.ok(variable, `${fileName} has no monitor variable`);
      assert.equal(variable.spec.customAllValue, ".*", fileName);
    }
  });

  test("filters every panel query that selects a job", () => {
    for (const { fileName, dashboard } of [...mixin.portableDashboards, ...mixin.recordedDashboards]) {
      for (const query of dashboardQueries(dashboard)) {
        if (!/job=~"\$job"/.test(query.expr)) continue;
        assert.match(query.expr, /monitor=~"\$monitor"/, `${fileName}: ${query.panelTitle} (${query.refId})`);
      }
    }
  });

  test("comes first, and the Job, Instance and Model lists offer only what the chosen monitor sent", () => {
    for (const { fileName, dashboard } of [...mixin.portableDashboards, ...mixin.recordedDashboards]) {
      const variables = (dashboard.templating.list ?? []).filter((item) => item.type === "query");
      assert.equal(variables[0]?.name, "monitor", `${fileName}: ${variables.map((item) => item.name).join(", ")}`);
      for (const variable of variables.filter((item) => ["job", "instance", "model_name"].includes(item.name)))
        assert.match(String(variable.query), /monitor=~"\$monitor"/, `${fileName}: ${variable.name}`);
    }
  });

  test("is carried by every link to another dashboard, panel links and table rows included", () => {
    for (const { fileName, dashboard } of [...mixin.portableDashboards, ...mixin.recordedDashboards]) {
      const urls = JSON.stringify(dashboard).match(/\/d\/vllm-[a-z-]+\?[^"]*/g) ?? [];
      for (const url of urls) assert.match(url, /\$\{monitor:queryparam\}/, `${fileName}: ${url}`);
      const keepsAll = (dashboard.links ?? []).every((link) => link.includeVars === true);
      assert.ok(keepsAll, `${fileName}: a dashboard link that does not keep the variables`);
    }
  });
});
