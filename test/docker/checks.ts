/**
 * Checks the compose tests share: Prometheus's API asked from inside the backend network, the
 * rendered compose configuration, and the search for secrets in what Docker keeps.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { waitUntil } from "../../src/process/index.js";
import { COMPOSE_FILE, runCommand, type ComposeFile } from "../stack/compose-fixture.js";
import { panelQueries, type DashboardSource } from "../e2e/panels.js";
import type { ComposeWorkspace } from "./workspace.js";

/** Prometheus as Grafana's datasource reaches it, on the backend network. */
export const PROMETHEUS_IN_BACKEND = "http://prometheus:9090";

/** The services the tests start: every service of the demo but Grafana (no image of it here). */
export const DEMO_SERVICES = ["prometheus", "node-exporter", "simulator"] as const;

interface ApiBody<T> {
  readonly status: string;
  readonly data: T;
}

export async function prometheusApi<T>(workspace: ComposeWorkspace, path: string): Promise<T> {
  const [answer] = await workspace.fromBackend(PROMETHEUS_IN_BACKEND, [path]);
  assert.equal(answer?.status, 200, `${path}: ${answer?.body}`);
  return (JSON.parse(answer.body) as ApiBody<T>).data;
}

export type Vector = { metric: Record<string, string>; value: [number, string] }[];

export async function instantQuery(workspace: ComposeWorkspace, expr: string, time?: number): Promise<Vector> {
  const at = time === undefined ? "" : `&time=${time}`;
  return (await prometheusApi<{ result: Vector }>(workspace, `/api/v1/query?query=${encodeURIComponent(expr)}${at}`)).result;
}

export async function waitForVector(
  workspace: ComposeWorkspace,
  expr: string,
  accept: (vector: Vector) => boolean,
  timeoutMs = 120_000,
): Promise<Vector> {
  let last: Vector = [];
  await waitUntil(
    async () => {
      last = await instantQuery(workspace, expr).catch(() => []);
      return accept(last);
    },
    { what: expr, timeoutMs, intervalMs: 2_000 },
  ).catch((error: Error) => assert.fail(`${error.message}; last result: ${JSON.stringify(last)}`));
  return last;
}

/** The panel queries of both shipped dashboard sets that return nothing right now, asked in one container run. */
export async function emptyPanelQueries(workspace: ComposeWorkspace, scrapeIntervalSeconds: number): Promise<string[]> {
  const sources: DashboardSource[] = ["recorded", "raw"];
  const queries = sources.flatMap((source) => panelQueries(scrapeIntervalSeconds, source).map((item) => ({ ...item, source })));
  const answers = await workspace.fromBackend(
    PROMETHEUS_IN_BACKEND,
    queries.map((item) => `/api/v1/query?query=${encodeURIComponent(item.promql)}`),
  );
  return queries.flatMap((item, index) => {
    const answer = answers[index];
    const result = answer?.status === 200 ? (JSON.parse(answer.body) as ApiBody<{ result: unknown[] }>).data.result : [];
    return result.length > 0
      ? []
      : [`${item.source} ${item.query.dashboardUid} / ${item.query.panelTitle} (${item.query.refId}): ${item.promql}`];
  });
}

/** `compose config` for the workspace's rendered compose.env: the configuration compose really uses. */
export async function renderedComposeConfig(workspace: ComposeWorkspace): Promise<ComposeFile> {
  const result = await runCommand("docker-compose", [
    "--project-name",
    workspace.project,
    "--env-file",
    join(workspace.dir, "build", "compose.env"),
    "--file",
    COMPOSE_FILE,
    "config",
  ]);
  assert.equal(result.code, 0, result.stderr);
  return parse(result.stdout) as ComposeFile;
}

/** Where each secret shows up in Docker's records of the project's containers: inspect and logs. */
export async function secretsInContainers(workspace: ComposeWorkspace, secrets: Readonly<Record<string, string>>): Promise<string[]> {
  const found: string[] = [];
  for (const container of await workspace.containers()) {
    const inspect = (await runCommand("docker", ["inspect", container.id])).stdout;
    const logs = await runCommand("docker", ["logs", container.id]);
    for (const [name, value] of Object.entries(secrets)) {
      if (inspect.includes(value)) found.push(`${name} in docker inspect of ${container.service}`);
      if ((logs.stdout + logs.stderr).includes(value)) found.push(`${name} in the logs of ${container.service}`);
    }
  }
  return found;
}
