/** Small PromQL building blocks. Each returns an expression string; none reads anything. */

export function rate(seriesExpression: string, window: string): string {
  return `rate(${seriesExpression}[${window}])`;
}

export function increase(seriesExpression: string, window: string): string {
  return `increase(${seriesExpression}[${window}])`;
}

function byClause(labels: readonly string[]): string {
  return labels.length === 0 ? "" : ` by (${labels.join(", ")})`;
}

export function sumBy(labels: readonly string[], expression: string): string {
  return `sum${byClause(labels)} (${expression})`;
}

export function avgBy(labels: readonly string[], expression: string): string {
  return `avg${byClause(labels)} (${expression})`;
}

export function maxBy(labels: readonly string[], expression: string): string {
  return `max${byClause(labels)} (${expression})`;
}

export function minBy(labels: readonly string[], expression: string): string {
  return `min${byClause(labels)} (${expression})`;
}

/** `a or b or …`, parenthesised so it composes inside larger expressions. */
export function firstOf(...expressions: readonly string[]): string {
  return expressions.length === 1 ? expressions[0]! : `(${expressions.join(" or ")})`;
}

export function histogramQuantile(quantile: number, bucketRates: string): string {
  return `histogram_quantile(${quantile}, ${bucketRates})`;
}

/** Renames a label's value into another label when the source label is non-empty. */
export function copyLabel(expression: string, destination: string, source: string, regex = "(.+)"): string {
  return `label_replace(${expression}, "${destination}", "$1", "${source}", "${regex}")`;
}

/** `absent(expr)`: 1 when no series matches, nothing otherwise. */
export function absent(expression: string): string {
  return `absent(${expression})`;
}

export type Comparison = ">" | ">=" | "<" | "<=" | "==" | "!=";

/** A filtering comparison: keeps the series whose value compares true against `value`. */
export function compare(expression: string, operator: Comparison, value: number): string {
  return `${expression} ${operator} ${value}`;
}

/** Each expression parenthesised and joined by `and on (labels)`: every condition must hold for the same labels. */
export function allOn(labels: readonly string[], ...expressions: readonly string[]): string {
  return expressions.map((expression) => `(${expression})`).join(` and on (${labels.join(", ")}) `);
}
