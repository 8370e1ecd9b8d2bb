import type { DataTransformerConfig } from "@grafana/grafana-foundation-sdk/dashboard";
import type { PanelBuilder as TablePanelBuilder } from "@grafana/grafana-foundation-sdk/table";

/** One value column of a table panel: the instant query `refId`, shown as `title`. */
export interface TableColumn {
  readonly refId: string;
  readonly title: string;
  readonly unit: string;
  readonly decimals?: number;
}

/**
 * A table with one row per label set: every target is an instant query aggregated `by` the same
 * labels; Grafana merges them into rows, keeps `labels` (in that order) and the value columns.
 */
export interface TableSpec {
  readonly labels: readonly string[];
  readonly columns: readonly TableColumn[];
  /** A data link on a label column, e.g. each instance to the User overview filtered to it. */
  readonly rowLinks?: readonly { readonly column: string; readonly title: string; readonly url: string }[];
  /** Further transformations after merging and renaming (computed columns). */
  readonly transformations?: readonly DataTransformerConfig[];
}

/** Grafana's name for the value column of query `refId` after a merge. */
function valueField(refId: string, targetCount: number): string {
  return targetCount === 1 ? "Value" : `Value #${refId}`;
}

export function tableOptions(builder: TablePanelBuilder, spec: TableSpec | undefined, targetCount: number): TablePanelBuilder {
  if (spec === undefined) return builder;
  const valueNames = spec.columns.map((column) => valueField(column.refId, targetCount));
  const order = [...spec.labels, ...valueNames];
  builder.transformations([
    { id: "merge", options: {} },
    {
      id: "organize",
      options: {
        excludeByName: { Time: true },
        indexByName: Object.fromEntries(order.map((name, index) => [name, index])),
        renameByName: Object.fromEntries(spec.columns.map((column, index) => [valueNames[index], column.title])),
      },
    },
    ...(spec.transformations ?? []),
  ]);
  for (const column of spec.columns) {
    builder.overrideByName(column.title, [
      { id: "unit", value: column.unit },
      ...(column.decimals === undefined ? [] : [{ id: "decimals", value: column.decimals }]),
    ]);
  }
  for (const link of spec.rowLinks ?? [])
    builder.overrideByName(link.column, [{ id: "links", value: [{ title: link.title, url: link.url }] }]);
  return builder;
}
