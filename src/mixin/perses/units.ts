import type { PersesFormat } from "./types.js";

/**
 * Grafana unit ids (what our panels declare) as Perses formats. Units Perses has no name for
 * (°C, W, Hz, tokens/s, on/off) become plain decimals; the panel title and description name the unit.
 */
export function persesFormat(grafanaUnit: string): PersesFormat {
  switch (grafanaUnit) {
    case "s":
      return { unit: "seconds" };
    case "ms":
      return { unit: "milliseconds" };
    case "percentunit":
      return { unit: "percent-decimal" };
    case "percent":
      return { unit: "percent" };
    case "bytes":
      return { unit: "bytes" };
    case "Bps":
      return { unit: "bytes/sec" };
    case "reqps":
      return { unit: "requests/sec" };
    case "ops":
      return { unit: "ops/sec" };
    default:
      return { unit: "decimal", shortValues: true };
  }
}
