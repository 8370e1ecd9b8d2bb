import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { waitUntil } from "../../src/process/index.js";
import { OUTPUT_LAYOUT } from "../../src/render/layout.js";
import { buildMixin } from "../../src/mixin/index.js";
import { defaultImages } from "../../src/stack/images.js";
import { runCommand } from "../stack/compose-fixture.js";
import {
  DEMO_SERVICES,
  emptyPanelQueries,
  instantQuery,
  prometheusApi,
  PROMETHEUS_IN_BACKEND,
  renderedComposeConfig,
  secretsInContainers,
} from "./checks.js";
import { dockerPrerequisites, suiteMode } from "./engine.js";
import { createComposeWorkspace, type ComposeWorkspace } from "./workspace.js";

const prerequisites = await dockerPrerequisites();
const ADMIN_PASSWORD = `demo-admin-${Date.now().toString(36)}`;
const GRAFANA_PORT = "3917";

describe("the compose demo on a real Docker engine, started by a non-root user", suiteMode(prerequisites), () => {
  let workspace: ComposeWorkspace;
  let upOutput = "";
  before(async () => {
    if (prerequisites.missing !== undefined) return;
    workspace = await createComposeWorkspace("demo", prerequisites.user, prerequisites.images);
    workspace.writeEnv({ ADMIN_PASSWORD, SCRAPE_INTERVAL: "1s", GRAFANA_PORT });
    const up = await workspace.cli(["up", ...DEMO_SERVICES]);
    upOutput = up.stdout + up.stderr;
    assert.equal(up.code, 0, upOutput);
  });
  after(async () => {
    await workspace?.cleanup();
  });
  const ready = (): void => assert.equal(prerequisites.missing, undefined, prerequisites.missing);

  test("up starts every service but Grafana, as the host user, and each passes its own healthcheck", async () => {
    ready();
    assert.notEqual(workspace.user.uid, 0, "the CLI must not run as root");
    const states = await workspace.waitHealthy(["volume-init", ...DEMO_SERVICES]);
    assert.deepEqual(states.map((state) => state.service).sort(), ["node-exporter", "prometheus", "simulator", "volume-init"]);
    const prometheus = states.find((state) => state.service === "prometheus");
    const user = (await runCommand("docker", ["inspect", "--format", "{{.Config.User}}", prometheus?.id ?? ""])).stdout.trim();
    assert.equal(user, `${workspace.user.uid}:${workspace.user.gid}`);
  });

  test("Prometheus reads its 0600 files and loads every rule group", async () => {
    ready();
    const prometheusDir = join(workspace.dir, "build", "prometheus");
    for (const file of [
      OUTPUT_LAYOUT.prometheusConfig,
      ...readdirSync(join(prometheusDir, "rules")).map((name) => `prometheus/rules/${name}`),
    ]) {
      const info = statSync(join(workspace.dir, "build", file));
      assert.equal(info.mode & 0o777, 0o600, `${file} is not 0600`);
      assert.equal(info.uid, workspace.user.uid);
    }
    const expectedGroups = buildMixin().ruleFiles.flatMap((file) => file.groups.map((group) => group.name));
    await waitUntil(
      async () => (await prometheusApi<{ groups: unknown[] }>(workspace, "/api/v1/rules").catch(() => ({ groups: [] }))).groups.length > 0,
      {
        what: "Prometheus to load its rules",
        timeoutMs: 120_000,
        intervalMs: 2_000,
      },
    );
    const rules = await prometheusApi<{ groups: { name: string; rules: { health: string; name: string }[] }[] }>(
      workspace,
      "/api/v1/rules",
    );
    assert.deepEqual(rules.groups.map((group) => group.name).sort(), [...expectedGroups].sort());
    assert.ok(expectedGroups.length >= 4, `expected at least 4 rule groups, found ${expectedGroups.length}`);
    const reload = await instantQuery(workspace, "prometheus_config_last_reload_successful");
    assert.equal(reload[0]?.value[1], "1", "Prometheus did not load its 0600 prometheus.yml");
  });

  test("every query of every panel of both dashboards returns data, asked from inside the backend network", async () => {
    ready();
    let empty: string[] = [];
    await waitUntil(
      async () => {
        empty = await emptyPanelQueries(workspace, 1);
        return empty.length === 0;
      },
      { what: "every panel query to return data", timeoutMs: 180_000, intervalMs: 5_000 },
    ).catch(() => assert.fail(`${empty.length} panel queries return no data:\n${empty.join("\n")}`));
  });

  test("Prometheus publishes no port, and in the rendered configuration Grafana's port is bound to 127.0.0.1 only", async () => {
    ready();
    const prometheus = (await workspace.containers()).find((state) => state.service === "prometheus");
    const ports = JSON.parse(
      (await runCommand("docker", ["inspect", "--format", "{{json .HostConfig.PortBindings}}", prometheus?.id ?? ""])).stdout,
    ) as Record<string, unknown> | null;
    assert.deepEqual(ports ?? {}, {});
    const config = await renderedComposeConfig(workspace);
    for (const [name, service] of Object.entries(config.services)) {
      if (name === "grafana") assert.deepEqual(service.ports, [`127.0.0.1:${GRAFANA_PORT}:3000/tcp`]);
      else assert.equal(service.ports, undefined, `${name} publishes a port`);
    }
  });

  test("Grafana, never started here, would get its pinned image, the host user, its credentials only from compose.env and its own volume", async () => {
    ready();
    const grafana = (await renderedComposeConfig(workspace)).services.grafana;
    assert.ok(grafana);
    assert.equal(grafana.image, defaultImages().GRAFANA_IMAGE);
    assert.equal(grafana.user, `${workspace.user.uid}:${workspace.user.gid}`);
    assert.equal(grafana.environment?.GF_SECURITY_ADMIN_PASSWORD, ADMIN_PASSWORD);
    assert.equal(grafana.environment?.GF_AUTH_ANONYMOUS_ENABLED, "false");
    assert.deepEqual(Object.keys(grafana.depends_on ?? {}).sort(), ["prometheus", "volume-init"]);
    const data = grafana.volumes?.find((volume) => typeof volume !== "string" && volume.target === "/var/lib/grafana");
    assert.ok(typeof data === "object" && data.type === "volume" && data.source === "grafana-data");
    // volume-init ran: the volume Grafana would write to belongs to the host user.
    const owner = await runCommand("docker", [
      "run",
      "--rm",
      "-v",
      `${workspace.project}_grafana-data:/data`,
      prerequisites.images.BUSYBOX_IMAGE ?? "",
      "stat",
      "-c",
      "%u:%g",
      "/data",
    ]);
    assert.equal(owner.stdout.trim(), `${workspace.user.uid}:${workspace.user.gid}`, owner.stderr);
  });

  test("Grafana's provisioning files are readable by its user through its own mounts, and its datasource URL answers on the backend network", async () => {
    ready();
    const grafana = (await renderedComposeConfig(workspace)).services.grafana;
    const binds = (grafana?.volumes ?? []).flatMap((volume) =>
      typeof volume !== "string" && volume.type === "bind" ? ["-v", `${volume.source}:${volume.target}:ro`] : [],
    );
    assert.equal(binds.length, 4, "Grafana mounts the provisioning folder and the dashboards");
    const read = await runCommand("docker", [
      "run",
      "--rm",
      "--user",
      grafana?.user ?? "",
      ...binds,
      prerequisites.images.BUSYBOX_IMAGE ?? "",
      "sh",
      "-c",
      "cat /etc/grafana/provisioning/datasources/prometheus.yml; echo ---; cat /etc/grafana/provisioning/dashboards/vllm-monitor.yml; echo ---; ls /var/lib/grafana/dashboards",
    ]);
    assert.equal(read.code, 0, read.stderr);
    const [datasourceText = "", providerText = "", listing = ""] = read.stdout.split("---\n");
    const datasource = (parse(datasourceText) as { datasources: { uid: string; url: string }[] }).datasources[0];
    assert.equal(datasource?.uid, "prometheus");
    assert.equal(datasource?.url, PROMETHEUS_IN_BACKEND);
    const provider = (parse(providerText) as { providers: { options: { path: string } }[] }).providers[0];
    assert.equal(provider?.options.path, "/var/lib/grafana/dashboards");
    assert.ok(listing.split("\n").filter((name) => name.endsWith(".json")).length >= 2, `dashboards seen by Grafana: ${listing}`);
    const [buildInfo] = await workspace.fromBackend(datasource?.url ?? "", ["/api/v1/status/buildinfo"]);
    assert.equal(buildInfo?.status, 200);
  });

  test("the admin password shows in no container's inspect or logs, nor in the CLI's output", async () => {
    ready();
    assert.deepEqual(await secretsInContainers(workspace, { ADMIN_PASSWORD }), []);
    assert.doesNotMatch(upOutput, new RegExp(ADMIN_PASSWORD));
  });
});
