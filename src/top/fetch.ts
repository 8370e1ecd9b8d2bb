/** Reads one refresh of `top` from Prometheus: every column's instant query, with the bearer token if one is given. */
import { z } from "zod";
import type { Secret } from "../config/secret.js";
import { buildRows, type Sample, type TopRow } from "./rows.js";
import type { HostColumn, RowColumn, TopQueries } from "./queries.js";

const vectorResponse = z.object({
  status: z.literal("success"),
  data: z.object({
    resultType: z.literal("vector"),
    result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })),
  }),
});

export interface PrometheusSource {
  readonly url: string;
  readonly token?: Secret;
}

async function instantQuery(source: PrometheusSource, expr: string): Promise<Sample[]> {
  const base = source.url.endsWith("/") ? source.url : `${source.url}/`;
  const response = await fetch(new URL("api/v1/query", base), {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(source.token === undefined ? {} : { authorization: `Bearer ${source.token.reveal()}` }),
    },
    body: new URLSearchParams({ query: expr }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`${new URL(base).origin} answered HTTP ${response.status} on /api/v1/query`);
  const body = vectorResponse.parse(await response.json());
  return body.data.result.map((sample) => ({ metric: sample.metric, value: Number(sample.value[1]) }));
}

async function column<K extends string>(source: PrometheusSource, entries: Readonly<Record<K, string>>): Promise<Record<K, Sample[]>> {
  const keys = Object.keys(entries) as K[];
  const results = await Promise.all(keys.map((key) => instantQuery(source, entries[key])));
  return Object.fromEntries(keys.map((key, index) => [key, results[index] ?? []])) as Record<K, Sample[]>;
}

export async function fetchRows(source: PrometheusSource, queries: TopQueries): Promise<TopRow[]> {
  const [rows, hosts, gpus] = await Promise.all([
    column<RowColumn>(source, queries.rows),
    instantQuery(source, queries.hosts),
    column<HostColumn>(source, queries.gpus),
  ]);
  return buildRows(rows, hosts, gpus);
}
