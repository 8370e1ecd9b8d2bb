/**
 * The parts of the Perses dashboard format (perses.dev, v0.5x: `Dashboard` with `spec.panels`,
 * `spec.layouts`, `spec.variables`) that our dashboards use. Written here rather than imported from
 * @perses-dev/core because that package is a browser library; these shapes are plain data.
 */

export interface PluginDefinition<Kind extends string = string, Spec = Record<string, unknown>> {
  readonly kind: Kind;
  readonly spec: Spec;
}

/** Perses' number formats (`@perses-dev/core` units). */
export type PersesFormat =
  | {
      readonly unit: "seconds" | "milliseconds" | "percent" | "percent-decimal" | "bytes" | "decimal";
      readonly decimalPlaces?: number;
      readonly shortValues?: boolean;
    }
  | { readonly unit: "requests/sec" | "ops/sec" | "bytes/sec" | "counts/sec" | "events/sec"; readonly decimalPlaces?: number };

export interface PersesThresholds {
  readonly defaultColor: string;
  readonly steps: readonly { readonly value: number; readonly color: string }[];
}

export interface PersesQuery {
  readonly kind: "TimeSeriesQuery";
  readonly spec: {
    readonly plugin: PluginDefinition<"PrometheusTimeSeriesQuery", { readonly query: string; readonly seriesNameFormat?: string }>;
  };
}

export interface PersesLink {
  readonly name: string;
  readonly url: string;
  readonly renderVariables: boolean;
  readonly targetBlank: boolean;
}

export type PanelPluginKind = "TimeSeriesChart" | "StatChart" | "GaugeChart" | "Table" | "Markdown";

export interface PersesPanel {
  readonly kind: "Panel";
  readonly spec: {
    readonly display: { readonly name: string; readonly description?: string };
    readonly plugin: PluginDefinition<PanelPluginKind>;
    readonly queries?: readonly PersesQuery[];
    readonly links?: readonly PersesLink[];
  };
}

export interface PersesGridItem {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly content: { readonly $ref: `#/spec/panels/${string}` };
}

export interface PersesGrid {
  readonly kind: "Grid";
  readonly spec: {
    readonly display?: { readonly title: string; readonly collapse?: { readonly open: boolean } };
    readonly items: readonly PersesGridItem[];
  };
}

export type VariablePlugin =
  | PluginDefinition<"PrometheusLabelValuesVariable", { readonly labelName: string; readonly matchers: readonly string[] }>
  | PluginDefinition<"PrometheusPromQLVariable", { readonly expr: string; readonly labelName: string }>;

export interface PersesListVariable {
  readonly kind: "ListVariable";
  readonly spec: {
    readonly name: string;
    readonly display: { readonly name: string; readonly description?: string; readonly hidden: boolean };
    readonly allowAllValue: boolean;
    readonly allowMultiple: boolean;
    readonly customAllValue?: string;
    readonly defaultValue?: string | readonly string[];
    readonly sort?: "alphabetical-asc";
    readonly plugin: VariablePlugin;
  };
}

export interface PersesDashboard {
  readonly kind: "Dashboard";
  readonly metadata: { readonly name: string; readonly project: string };
  readonly spec: {
    readonly display: { readonly name: string; readonly description?: string };
    readonly duration: string;
    readonly refreshInterval: string;
    readonly variables: readonly PersesListVariable[];
    readonly panels: Record<string, PersesPanel>;
    readonly layouts: readonly PersesGrid[];
  };
}
