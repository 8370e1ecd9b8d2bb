import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { composeProfileNames, SERVICES } from "../../src/config/services.js";
import { defaultImages, imageServices, isImageVariable } from "../../src/stack/images.js";
import { parse } from "yaml";
import {
  COMPOSE_FILE,
  makeOutputFolder,
  readComposeFile,
  renderOutputFolder,
  runCommand,
  sampleComposeEnv,
  type ComposeFile,
  type ComposeService,
} from "./compose-fixture.js";

function hasCommand(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const COMPOSE_PARSER = hasCommand("docker-compose") ? "docker-compose" : undefined;
const LONG_RUNNING = (service: ComposeService) => service.restart !== "no";

describe(
  "docker-compose.yml through a real compose parser (docker-compose config, no engine needed)",
  { skip: COMPOSE_PARSER === undefined && "docker-compose is not installed" },
  () => {
    const folders: string[] = [];
    after(async () => {
      for (const folder of folders) await rm(dirname(folder), { recursive: true, force: true });
    });

    async function config(out: string, extraArgs: readonly string[] = []) {
      folders.push(out);
      return runCommand("docker-compose", ["--env-file", join(out, "compose.env"), "-f", COMPOSE_FILE, ...extraArgs, "config"]);
    }
    const credentials = "ADMIN_USER=admin\nADMIN_PASSWORD=not-a-real-password\n";

    const scenarios: readonly { name: string; env: string; profile: string }[] = [
      { name: "the demo (VLLM_TARGET empty)", env: "VLLM_TARGET=\n", profile: "demo" },
      {
        name: "a remote https vLLM with a token",
        env: "VLLM_TARGET=https://vllm.example.com:443\nSCHEMA=https\nVLLM_METRICS_AUTH_TOKEN=tok-not-real\n",
        profile: "alerts",
      },
      { name: "dcgm-exporter (GPU_EXPORTER=dcgm)", env: "VLLM_TARGET=10.0.0.5:8000\nGPU_EXPORTER=dcgm\n", profile: "gpu" },
      {
        name: "nvidia_gpu_exporter (GPU_EXPORTER=nvidia-smi)",
        env: "VLLM_TARGET=10.0.0.5:8000\nGPU_EXPORTER=nvidia-smi\n",
        profile: "nvidia-smi",
      },
    ];
    for (const scenario of scenarios) {
      test(`accepts the compose.env rendered for ${scenario.name}, with the ${scenario.profile} profile`, async () => {
        const out = await renderOutputFolder(credentials + scenario.env);
        const result = await config(out, ["--profile", scenario.profile]);
        assert.equal(result.code, 0, result.stderr);
        const resolved = parse(result.stdout) as ComposeFile;
        const prometheusMount = resolved.services.prometheus?.volumes?.find(
          (volume) => typeof volume !== "string" && volume.target === "/etc/prometheus",
        );
        assert.ok(
          typeof prometheusMount === "object" && prometheusMount.source === join(out, "prometheus") && prometheusMount.read_only === true,
        );
      });
    }

    test("runs Prometheus as an agent with a write-ahead log when compose.env says so, and as a server with its TSDB by default", async () => {
      const agent = await renderOutputFolder(
        `${credentials}PROMETHEUS_MODE=agent\nREMOTE_WRITE_URL=http://vm:8428/api/v1/write\nPROMETHEUS_IMAGE=prom/prometheus:v3.5.0\n`,
      );
      const server = await renderOutputFolder(credentials);
      const commandOf = async (out: string) => {
        const result = await config(out);
        assert.equal(result.code, 0, result.stderr);
        return (parse(result.stdout) as ComposeFile).services.prometheus?.command;
      };
      assert.deepEqual(await commandOf(agent), [
        "--config.file=/etc/prometheus/prometheus.yml",
        "--web.listen-address=:9090",
        "--storage.agent.path=/prometheus/agent",
        "--agent",
        "--log.format=logfmt",
      ]);
      assert.deepEqual(await commandOf(server), [
        "--config.file=/etc/prometheus/prometheus.yml",
        "--web.listen-address=:9090",
        "--storage.tsdb.path=/prometheus",
        "--storage.tsdb.retention.time=15d",
        "--log.format=logfmt",
      ]);
    });

    test("the rendered compose.env turns on the profile the .env asks for", async () => {
      const demo = await renderOutputFolder(`${credentials}VLLM_TARGET=\nGPU_EXPORTER=nvidia-smi\n`);
      folders.push(demo);
      assert.match(await readFile(join(demo, "compose.env"), "utf8"), /^COMPOSE_PROFILES='demo,nvidia-smi'$/m);
    });

    test("publishes Grafana on 127.0.0.1 at GRAFANA_PORT and no port for Prometheus", async () => {
      const result = await config(await renderOutputFolder(`${credentials}GRAFANA_PORT=3123\n`));
      assert.equal(result.code, 0, result.stderr);
      const resolved = parse(result.stdout) as ComposeFile;
      assert.deepEqual(resolved.services.grafana?.ports, ["127.0.0.1:3123:3000/tcp"]);
      assert.equal(resolved.services.prometheus?.ports, undefined);
    });

    test("keeps a password with $, quotes and # intact from .env to Grafana's environment", async () => {
      const result = await config(await renderOutputFolder(`ADMIN_USER=admin\nADMIN_PASSWORD='pa$w"ord #1'\n`));
      assert.equal(result.code, 0, result.stderr);
      // `config` prints `$` escaped as `$$`: pa$$w"ord #1 reaches Grafana as pa$w"ord #1.
      const resolved = parse(result.stdout) as ComposeFile;
      assert.equal(resolved.services.grafana?.environment?.GF_SECURITY_ADMIN_PASSWORD, 'pa$$w"ord #1');
    });

    test("refuses to start without the host user ids and names the variable", async () => {
      const result = await config(await makeOutputFolder(sampleComposeEnv({ HOST_UID: undefined })));
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /HOST_UID is not set/);
    });

    test("refuses to start without Grafana's admin password and names the variable", async () => {
      const result = await config(await makeOutputFolder(sampleComposeEnv({ GF_SECURITY_ADMIN_PASSWORD: undefined })));
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /GF_SECURITY_ADMIN_PASSWORD is not set/);
      assert.match(result.stderr, /ADMIN_PASSWORD in \.env/);
    });
  },
);

describe("docker-compose.yml, read as YAML", () => {
  test("Prometheus publishes no host port and sits on the internal network", async () => {
    const { services, networks } = await readComposeFile();
    const prometheus = services.prometheus;
    assert.ok(prometheus);
    assert.equal(prometheus.ports, undefined);
    assert.ok(prometheus.networks?.includes("backend"));
    assert.equal(networks.backend?.internal, true);
  });

  test("only Grafana publishes a port, bound to 127.0.0.1", async () => {
    const { services } = await readComposeFile();
    for (const [name, service] of Object.entries(services)) {
      if (name === "grafana") {
        assert.deepEqual(service.ports, ["127.0.0.1:${GRAFANA_PORT:-3000}:3000"]);
      } else {
        assert.equal(service.ports, undefined, `${name} publishes a port`);
      }
    }
  });

  test("every pulled image comes from its own variable, defaulting to the pinned upstream image the settings schema declares", async () => {
    const { services } = await readComposeFile();
    const used = new Set<string>();
    for (const [name, service] of Object.entries(services)) {
      assert.ok(service.image, `${name} has no image`);
      if (service.build !== undefined) continue; // our own image, built from this checkout
      const reference = /^\$\{([A-Z_]+):-([^}]+)\}$/.exec(service.image);
      assert.ok(reference, `${name}: ${service.image} is not \${NAME_IMAGE:-default}`);
      const [, variable = "", fallback = ""] = reference;
      assert.ok(isImageVariable(variable), `${name}: ${variable} is not an image variable of the schema`);
      assert.equal(fallback, defaultImages()[variable], `${name}: the default differs from defaultImages().${variable}`);
      assert.equal(imageServices()[variable], name);
      used.add(variable);
      const tag = fallback.split("/").at(-1)?.split(":")[1];
      assert.ok(tag !== undefined && tag !== "latest" && /\d+\.\d+/.test(tag), `${name}: ${fallback} is not pinned`);
    }
    const nodeImage = (services.simulator?.build as { args?: Record<string, string> } | undefined)?.args?.NODE_IMAGE;
    assert.equal(nodeImage, `\${NODE_IMAGE:-${defaultImages().NODE_IMAGE}}`);
    assert.deepEqual([...used, "NODE_IMAGE"].sort(), Object.keys(defaultImages()).sort());
    assert.match(defaultImages().PROMETHEUS_IMAGE, /^prom\/prometheus:v3\.\d+\.\d+$/);
    assert.match(defaultImages().GRAFANA_IMAGE, /^grafana\/grafana:12\.\d+\.\d+$/);
  });

  test("the rendered compose.env carries every image variable, and the environment of compose overrides it", async () => {
    const out = await renderOutputFolder("ADMIN_USER=admin\nADMIN_PASSWORD=not-a-real-password\n");
    const text = await readFile(join(out, "compose.env"), "utf8");
    for (const [variable, image] of Object.entries(defaultImages()))
      assert.match(text, new RegExp(`^${variable}='${image.replace(/[.]/g, "\\.")}'$`, "m"));
    await rm(dirname(out), { recursive: true, force: true });
  });

  test("Grafana has anonymous access and sign-up off, and its credentials only from the environment", async () => {
    const environment = (await readComposeFile()).services.grafana?.environment ?? {};
    assert.equal(environment.GF_AUTH_ANONYMOUS_ENABLED, "false");
    assert.equal(environment.GF_USERS_ALLOW_SIGN_UP, "false");
    assert.match(environment.GF_SECURITY_ADMIN_USER ?? "", /^\$\{GF_SECURITY_ADMIN_USER:\?/);
    assert.match(environment.GF_SECURITY_ADMIN_PASSWORD ?? "", /^\$\{GF_SECURITY_ADMIN_PASSWORD:\?/);
  });

  test("every long-running service has a healthcheck", async () => {
    const { services } = await readComposeFile();
    const longRunning = Object.entries(services).filter(([, service]) => LONG_RUNNING(service));
    assert.ok(longRunning.length >= 7);
    for (const [name, service] of longRunning) assert.ok(service.healthcheck?.test.length, `${name} has no healthcheck`);
    assert.ok(services.prometheus?.healthcheck?.test.join(" ").includes("/-/ready"));
    assert.ok(services.grafana?.healthcheck?.test.join(" ").includes("/api/health"));
    assert.ok(services.simulator?.healthcheck?.test.join(" ").includes("/health"));
  });

  test("every config mount from the output folder is read-only", async () => {
    const { services } = await readComposeFile();
    let mounts = 0;
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        if (typeof volume === "string") {
          const [source] = volume.split(":");
          if (source?.startsWith(".") || source?.startsWith("$")) assert.fail(`${name}: ${volume} is a bind mount without read_only`);
          continue;
        }
        if (volume.type !== "bind") continue;
        mounts += 1;
        assert.equal(volume.read_only, true, `${name}: ${volume.source} is writable`);
      }
    }
    assert.ok(mounts >= 4);
  });

  test("Prometheus's TSDB and Grafana's data live in named volumes the init service hands to the host user", async () => {
    const { services, volumes } = await readComposeFile();
    // nocopy: Docker must not copy the images' data folders, owners included, over volume-init's chown.
    const named = (service: string, target: string) =>
      services[service]?.volumes?.find((volume) => typeof volume !== "string" && volume.target === target) as
        { type: string; source: string; volume?: { nocopy?: boolean } } | undefined;
    assert.deepEqual(named("prometheus", "/prometheus"), {
      type: "volume",
      source: "prometheus-data",
      target: "/prometheus",
      volume: { nocopy: true },
    });
    assert.deepEqual(named("grafana", "/var/lib/grafana"), {
      type: "volume",
      source: "grafana-data",
      target: "/var/lib/grafana",
      volume: { nocopy: true },
    });
    assert.ok("prometheus-data" in volumes && "grafana-data" in volumes);
    for (const name of ["prometheus", "grafana"]) {
      const service = services[name];
      assert.equal(service?.user, "${HOST_UID}:${HOST_GID}", `${name} does not run as the host user`);
      assert.equal(service?.depends_on?.["volume-init"]?.condition, "service_completed_successfully");
    }
    const init = services["volume-init"];
    assert.equal(init?.network_mode, "none");
    assert.ok(init?.volumes?.includes("prometheus-data:/volumes/prometheus"));
  });

  test("GPU exporters sit behind their own profiles with a GPU reservation", async () => {
    const { services } = await readComposeFile();
    const dcgm = services["dcgm-exporter"];
    assert.deepEqual(dcgm?.profiles, ["gpu"]);
    assert.ok(dcgm?.cap_add?.includes("SYS_ADMIN"));
    assert.equal(dcgm?.deploy?.resources?.reservations?.devices?.[0]?.driver, "nvidia");
    assert.deepEqual(services["nvidia-gpu-exporter"]?.profiles, ["nvidia-smi"]);
    assert.deepEqual(services.simulator?.profiles, ["demo"]);
    assert.deepEqual(services.alertmanager?.profiles, ["alerts"]);
  });

  test("node-exporter reads the host through /host with the host's pid namespace", async () => {
    const nodeExporter = (await readComposeFile()).services["node-exporter"];
    assert.equal(nodeExporter?.pid, "host");
    assert.ok(nodeExporter?.volumes?.includes("/:/host:ro,rslave"));
    assert.ok((nodeExporter?.command as string[]).includes("--path.rootfs=/host"));
  });

  test("the profiles the CLI stops on down are exactly the file's profiles", async () => {
    const { services } = await readComposeFile();
    const declared = new Set(Object.values(services).flatMap((service) => service.profiles ?? []));
    assert.deepEqual([...declared].sort(), composeProfileNames().sort());
  });

  test("every service of the service table is in the file under its host, with its profile and image variable", async () => {
    const { services } = await readComposeFile();
    for (const row of SERVICES) {
      const service = services[row.composeHost];
      assert.ok(service !== undefined, `${row.name}: no compose service ${row.composeHost}`);
      assert.deepEqual(service.profiles ?? [], row.profile === undefined ? [] : [row.profile], row.name);
      if (row.image !== undefined) assert.match(String(service.image), new RegExp(`^\\$\\{${row.image}:-`), row.name);
    }
  });
});
