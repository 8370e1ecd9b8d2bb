/** Prometheus durations (`5m`, `1h30m`, `500ms`) as numbers. Pure. */

const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** Seconds of a Prometheus duration such as `10m` or `1h30m`. */
export function durationSeconds(duration: string): number {
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+)(ms|[smhdwy])/g)) total += Number(amount) * (UNIT_SECONDS[unit ?? "s"] ?? 1);
  return total;
}

/** Whole seconds as the shortest duration text: `75` → `1m15s`, `300` → `5m`. */
export function secondsDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return minutes === 0 ? `${rest}s` : rest === 0 ? `${minutes}m` : `${minutes}m${rest}s`;
}

/** A Prometheus duration's text: units from largest to smallest, each at most once. */
export const PROMETHEUS_DURATION = /^(?:\d+y)?(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?$/;

/** Whether `text` is a Prometheus duration longer than zero, such as `15s` or `1m30s`. */
export function isPositiveDuration(text: string): boolean {
  return text !== "" && PROMETHEUS_DURATION.test(text) && durationSeconds(text) > 0;
}
