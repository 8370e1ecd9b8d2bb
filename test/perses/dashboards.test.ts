import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildMixin } from "../../src/mixin/index.js";
import { persesDashboard, persesPanelName } from "../../src/mixin/perses/index.js";

const specs = () => buildMixin().portableDashboards.map((file) => ({ name: file.fileName.replace(/\.json$/, ""), spec: file.spec }));

describe("Perses dashboards", () => {
  test("hold every Grafana panel with the same title, queries and legends, laid out in one grid per row", () => {
    for (const { spec } of specs()) {
      const perses = persesDashboard(spec);
      assert.deepEqual(
        perses.spec.layouts.map((grid) => grid.spec.display?.title),
        spec.rows.map((row) => row.title),
        spec.uid,
      );
      for (const row of spec.rows) {
        for (const panel of row.panels) {
          const converted = perses.spec.panels[persesPanelName(panel)];
          assert.ok(converted !== undefined, `${spec.uid}: ${panel.key}`);
          assert.equal(converted.spec.display.name, panel.title);
          assert.deepEqual(
            converted.spec.queries?.map((query) => [query.spec.plugin.spec.query, query.spec.plugin.spec.seriesNameFormat]),
            panel.targets.map((target) => [target.expr, target.legend]),
          );
        }
      }
      const refs = perses.spec.layouts.flatMap((grid) => grid.spec.items.map((item) => item.content.$ref));
      assert.deepEqual(new Set(refs), new Set(Object.keys(perses.spec.panels).map((name) => `#/spec/panels/${name}`)));
    }
  });

  test("keep units and alert thresholds: a seconds panel formats seconds and its red step sits at the objective", () => {
    const user = specs().find((entry) => entry.name === "vllm-user-overview");
    assert.ok(user !== undefined);
    const panels = user.spec.rows.flatMap((row) => row.panels);
    const withLine = panels.find((panel) => panel.thresholdLine === true && panel.unit === "s" && panel.thresholds !== undefined);
    assert.ok(withLine !== undefined, "a seconds panel with an alert line");
    const converted = persesDashboard(user.spec).spec.panels[persesPanelName(withLine)];
    const options = converted?.spec.plugin.spec as { yAxis?: { format?: { unit?: string } }; thresholds?: { steps?: { value: number }[] } };
    assert.equal(options.yAxis?.format?.unit, "seconds");
    const red = withLine.thresholds?.find((step) => step.value !== null)?.value;
    assert.deepEqual(
      options.thresholds?.steps?.map((step) => step.value),
      [red],
    );
  });

  test("offer the Grafana variables except the data source, each listing all values by default", () => {
    for (const { spec } of specs()) {
      const names = spec.variables.map((variable) => variable.build().name).filter((name) => name !== "datasource");
      const variables = persesDashboard(spec).spec.variables;
      assert.deepEqual(
        variables.map((variable) => variable.spec.name),
        names,
        spec.uid,
      );
      for (const variable of variables) {
        assert.equal(variable.spec.defaultValue, "$__all");
        assert.equal(variable.spec.customAllValue, ".*");
      }
    }
  });

  test("link to other dashboards relative to the current one, keeping the time range and the variables", () => {
    const links = buildMixin().persesDashboards.flatMap((file) =>
      Object.values(file.dashboard.spec.panels).flatMap((panel) => panel.spec.links ?? []),
    );
    assert.ok(links.length > 0);
    for (const link of links) {
      assert.match(link.url, /^\.\/vllm-[a-z-]+\?start=\$\{__from\}&end=\$\{__to\}(&\$\{[a-z_]+:queryparam\})*$/, link.url);
      assert.equal(link.renderVariables, true);
    }
  });
});
