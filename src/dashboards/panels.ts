import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import { BigValueColorMode, BigValueGraphMode, HeatmapCellLayout, LegendDisplayMode, LegendPlacement, VizLegendOptionsBuilder, ReduceDataOptionsBuilder } from "@grafana/grafana-foundation-sdk/common";
import {
  DashboardBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  DashboardCursorSync,
  type DataSourceRef,
  type Panel,
  type VariableModel,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as GaugePanelBuilder } from "@grafana/grafana-foundation-sdk/gauge";
import {
  PanelBuilder as HeatmapPanelBuilder,
  HeatmapColorOptionsBuilder,
  HeatmapColorMode,
  HeatmapColorScale,
  RowsHeatmapOptionsBuilder,
  YAxisConfigBuilder,
} from "@grafana/grafana-foundation-sdk/heatmap";
import { DataqueryBuilder, PromQueryFormat } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanelBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesPanelBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { VARIABLES } from "../promql/scope.js";

/**
 * Shared panel factories. A dashboard module declares rows of `PanelSpec` (queries from
 * src/promql, layout here); `buildDashboard` turns them into fresh SDK builders every call.
 */

export interface TargetSpec {
  readonly expr: string;
  readonly legend: string;
  /** Heatmap targets return `le` buckets. */
  readonly format?: "heatmap";
}

export interface ThresholdStep {
  readonly value: number | null;
  readonly color: string;
}

export interface PanelSpec {
  /** Stable key: the panel id is derived from it, so links to a panel survive reordering. */
  readonly key: string;
  readonly kind: "timeseries" | "stat" | "gauge" | "heatmap";
  readonly title: string;
  readonly description: string;
  /** A Grafana unit id, e.g. `s`, `reqps`, `percentunit`, `bytes`. */
  readonly unit: string;
  readonly targets: readonly TargetSpec[];
  readonly width?: number;
  readonly height?: number;
  readonly min?: number;
  readonly max?: number;
  readonly thresholds?: readonly ThresholdStep[];
}

export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly rows: readonly RowSpec[];
  readonly variables: readonly cog.Builder<VariableModel>[];
}

/** Every panel and target points at the datasource variable; no datasource uid is written anywhere. */
export function datasourceRef(): DataSourceRef {
  return { type: "prometheus", uid: `\${${VARIABLES.datasource}}` };
}

/** FNV-1a of the key, kept in a range Grafana's panel ids are happy with. */
export function panelId(key: string): number {
  let hash = 0x811c9dc5;
  for (const char of key) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return 1 + (hash % 999_999);
}

const REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

function queries(spec: PanelSpec): DataqueryBuilder[] {
  return spec.targets.map((target, index) => {
    const query = new DataqueryBuilder()
      .datasource(datasourceRef())
      .expr(target.expr)
      .legendFormat(target.legend)
      .refId(REF_IDS[index] ?? `Q${index}`)
      .range();
    return target.format === "heatmap" ? query.format(PromQueryFormat.Heatmap) : query;
  });
}

function thresholds(steps: readonly ThresholdStep[] | undefined): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder()
    .mode(ThresholdsMode.Absolute)
    .steps((steps ?? [{ value: null, color: "green" }]).map((step) => ({ ...step })));
}

type AnyPanelBuilder = TimeseriesPanelBuilder | StatPanelBuilder | GaugePanelBuilder | HeatmapPanelBuilder;

function panelBuilder(spec: PanelSpec): AnyPanelBuilder {
  switch (spec.kind) {
    case "timeseries":
      return new TimeseriesPanelBuilder()
        .fillOpacity(10)
        .lineWidth(1)
        .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom));
    case "stat":
      return new StatPanelBuilder()
        .graphMode(BigValueGraphMode.Area)
        .colorMode(BigValueColorMode.Value)
        .reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false));
    case "gauge":
      return new GaugePanelBuilder().reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false));
    case "heatmap":
      return new HeatmapPanelBuilder()
        .calculate(false)
        .rowsFrame(new RowsHeatmapOptionsBuilder().layout(HeatmapCellLayout.Le))
        .yAxis(new YAxisConfigBuilder().unit(spec.unit))
        .color(new HeatmapColorOptionsBuilder().mode(HeatmapColorMode.Scheme).scheme("Oranges").scale(HeatmapColorScale.Exponential).exponent(0.5).steps(64))
        .cellGap(1);
  }
}

function buildPanel(spec: PanelSpec, position: { x: number; y: number; w: number; h: number }): AnyPanelBuilder {
  const builder = panelBuilder(spec)
    .id(panelId(spec.key))
    .title(spec.title)
    .description(spec.description)
    .datasource(datasourceRef())
    .unit(spec.unit)
    .gridPos(position)
    .thresholds(thresholds(spec.thresholds))
    .targets(queries(spec));
  if (spec.min !== undefined) builder.min(spec.min);
  if (spec.max !== undefined) builder.max(spec.max);
  return builder;
}

const GRID_WIDTH = 24;

/** Builds the dashboard JSON model; panels flow left to right and wrap at the grid width. */
export function buildDashboard(spec: DashboardSpec): Record<string, unknown> {
  const dashboard = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([...spec.tags])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .time({ from: "now-1h", to: "now" })
    .refresh("30s")
    .timezone("browser")
    .variables([...spec.variables]);
  let y = 0;
  for (const row of spec.rows) {
    dashboard.withRow(new RowBuilder(row.title).id(panelId(`row:${row.title}`)).gridPos({ x: 0, y, w: GRID_WIDTH, h: 1 }));
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const panel of row.panels) {
      const w = panel.width ?? 8;
      const h = panel.height ?? 8;
      if (x + w > GRID_WIDTH) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      dashboard.withPanel(buildPanel(panel, { x, y, w, h }) as cog.Builder<Panel>);
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return dashboard.build() as unknown as Record<string, unknown>;
}
