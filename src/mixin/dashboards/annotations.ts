import type { DataSourceRef } from "@grafana/grafana-foundation-sdk/dashboard";

/**
 * A Prometheus annotation: an event on every time series panel wherever `expr` has a value.
 * The foundation SDK's AnnotationQuery has no Prometheus fields (step, title and text formats),
 * so the list is written as Grafana's JSON model directly.
 */
export interface AnnotationSpec {
  readonly name: string;
  readonly expr: string;
  /** Legend-style templates over the series labels, e.g. "{{instance}} restarted". */
  readonly title: string;
  readonly text: string;
  readonly iconColor: string;
  /** Labels shown as tags on the event. */
  readonly tagKeys: readonly string[];
}

/** `annotations` of a dashboard JSON model. Grafana adds its built-in "Annotations & Alerts" itself. */
export function annotationList(annotations: readonly AnnotationSpec[], datasource: DataSourceRef): { list: Record<string, unknown>[] } {
  return {
    list: annotations.map((annotation) => ({
      name: annotation.name,
      datasource,
      enable: true,
      hide: false,
      iconColor: annotation.iconColor,
      expr: annotation.expr,
      step: "$__rate_interval",
      titleFormat: annotation.title,
      textFormat: annotation.text,
      tagKeys: annotation.tagKeys.join(","),
      useValueForTime: false,
    })),
  };
}
