import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { chownSync, cpSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vllm } from "../../src/catalog/index.js";
import { findFreePort, startProcess, waitUntil, type ManagedProcess } from "../../src/process/index.js";
import { OUTPUT_LAYOUT } from "../../src/render/layout.js";
import { selfSignedCertificate } from "../../src/simulator/http/tls.js";
import { cliCommand } from "../helpers/cli.js";
import { REPO_ROOT, runCommand } from "../stack/compose-fixture.js";
import { prometheusApi, secretsInContainers, waitForVector } from "./checks.js";
import { dockerPrerequisites, suiteMode } from "./engine.js";
import { createComposeWorkspace, runBounded, type ComposeWorkspace } from "./workspace.js";

const prerequisites = await dockerPrerequisites();
const TOKEN = `remote-token-${randomBytes(8).toString("hex")}`;
const ADMIN_PASSWORD = `remote-admin-${randomBytes(8).toString("hex")}`;
const SERVICES = ["prometheus", "node-exporter"];

async function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

describe("Prometheus in its container scraping a remote https vLLM with a CA file and a token", suiteMode(prerequisites), () => {
  let workspace: ComposeWorkspace;
  let simulator: ManagedProcess | undefined;
  let certificates = "";
  let target = "";
  const outputs: string[] = [];
  const env = (token: string): Record<string, string> => ({
    VLLM_TARGET: target,
    VLLM_TLS_CA_FILE: "./remote-ca.pem",
    VLLM_METRICS_AUTH_TOKEN: token,
    ADMIN_PASSWORD,
    SCRAPE_INTERVAL: "1s",
    GRAFANA_PORT: "3918",
  });

  before(async () => {
    if (prerequisites.missing !== undefined) return;
    workspace = await createComposeWorkspace("remote", prerequisites.user, prerequisites.images);
    // The "remote vLLM": the simulator on this host, https with a certificate for the name
    // containers use for the host, and a token. It listens on 0.0.0.0: containers reach the host
    // through the bridge's gateway, not 127.0.0.1.
    certificates = mkdtempSync(join(tmpdir(), "vllm-monitor-remote-tls-"));
    const tls = await selfSignedCertificate("host.docker.internal");
    writeFileSync(join(certificates, "cert.pem"), tls.cert);
    writeFileSync(join(certificates, "key.pem"), tls.key, { mode: 0o600 });
    writeFileSync(join(workspace.dir, "remote-ca.pem"), tls.cert);
    chownSync(join(workspace.dir, "remote-ca.pem"), workspace.user.uid, workspace.user.gid);
    const port = await findFreePort("0.0.0.0");
    target = `https://host.docker.internal:${port}/metrics`;
    const { command, args } = cliCommand([
      "simulate",
      "--host",
      "0.0.0.0",
      "--port",
      String(port),
      "--tls",
      "--cert",
      join(certificates, "cert.pem"),
      "--key",
      join(certificates, "key.pem"),
    ]);
    simulator = startProcess({ name: "remote-simulator", command, args, env: { ...process.env, SIMULATOR_TOKEN: TOKEN } });
    await waitUntil(() => portAnswers(port), { what: "the remote simulator to listen", timeoutMs: 30_000, intervalMs: 250 });

    workspace.writeEnv(env(TOKEN));
    const up = await workspace.cli(["up", ...SERVICES]);
    outputs.push(up.stdout, up.stderr);
    assert.equal(up.code, 0, up.stdout + up.stderr);
  });
  after(async () => {
    await workspace?.cleanup();
    await simulator?.stop();
    if (certificates !== "") rmSync(certificates, { recursive: true, force: true });
  });
  const ready = (): void => assert.equal(prerequisites.missing, undefined, prerequisites.missing);

  test("scrapes it through host.docker.internal with the CA file and the token file, both 0600, and vLLM data flows", async () => {
    ready();
    await workspace.waitHealthy(["volume-init", ...SERVICES]);
    for (const file of [OUTPUT_LAYOUT.tokenFile, OUTPUT_LAYOUT.caFile]) {
      const info = statSync(join(workspace.dir, "build", file));
      assert.equal(info.mode & 0o777, 0o600, `${file} is not 0600`);
      assert.equal(info.uid, workspace.user.uid);
    }
    const up = await waitForVector(workspace, 'up{job="vllm"}', (vector) => vector[0]?.value[1] === "1");
    assert.equal(up[0]?.metric.instance, target.replace(/^https:\/\//, "").replace(/\/metrics$/, ""));
    await waitForVector(workspace, `${vllm.generationTokens.name}`, (vector) => vector.length > 0);
  });

  test("no secret shows in docker inspect or the logs of any container, in Prometheus's config, or in the CLI's output", async () => {
    ready();
    assert.deepEqual(await secretsInContainers(workspace, { VLLM_METRICS_AUTH_TOKEN: TOKEN, ADMIN_PASSWORD }), []);
    const config = await prometheusApi<{ yaml: string }>(workspace, "/api/v1/status/config");
    assert.match(config.yaml, /credentials_file: \/etc\/prometheus\/secrets\/vllm_token/);
    assert.ok(!config.yaml.includes(TOKEN), "the token is in Prometheus's config");
    for (const output of outputs) assert.ok(!output.includes(TOKEN) && !output.includes(ADMIN_PASSWORD), "a secret is in the CLI's output");
  });

  test("no secret reaches an image: not its history nor its layers, even with .env and build/ in the build context", async () => {
    ready();
    // Our image built from a checkout that holds a .env, a rendered build/ and the demo password
    // file, each with a canary; .dockerignore must keep all of them out.
    const canary = `canary-${randomBytes(12).toString("hex")}`;
    const context = mkdtempSync(join(tmpdir(), "vllm-monitor-canary-context-"));
    const tag = `vllm-monitor-test-canary:${workspace.project}`;
    try {
      for (const entry of [
        "package.json",
        "package-lock.json",
        "tsconfig.json",
        "tsconfig.build.json",
        "src",
        "bin",
        "templates",
        "Dockerfile",
        ".dockerignore",
      ]) {
        cpSync(join(REPO_ROOT, entry), join(context, entry), { recursive: true });
      }
      writeFileSync(join(context, ".env"), `VLLM_METRICS_AUTH_TOKEN=${canary}\nADMIN_PASSWORD=${canary}\n`);
      mkdirSync(join(context, "build", "prometheus", "secrets"), { recursive: true });
      writeFileSync(join(context, "build", "prometheus", "secrets", "vllm_token"), canary);
      mkdirSync(join(context, ".vllm-monitor"));
      writeFileSync(join(context, ".vllm-monitor", "grafana-admin-password"), canary);
      const build = await runBounded(["bash", join(REPO_ROOT, "scripts", "docker-images.sh"), "--simulator", context, tag], {
        timeoutMs: 600_000,
      });
      assert.equal(build.code, 0, build.stdout + build.stderr);

      const images = [tag, ...new Set(await imagesOfContainers(workspace))];
      for (const image of images) {
        const history = (await runCommand("docker", ["history", "--no-trunc", "--format", "{{.CreatedBy}}", image])).stdout;
        for (const secret of [canary, TOKEN, ADMIN_PASSWORD])
          assert.ok(!history.includes(secret), `a secret is in the history of ${image}`);
      }
      const saved = await runBounded(["sh", "-c", `docker save "$0" | grep -c -a -F -e "$1" -e "$2" || true`, tag, canary, TOKEN]);
      assert.equal(saved.stdout.trim(), "0", `a secret is in the layers of ${tag}`);
    } finally {
      await runCommand("docker", ["rmi", tag]);
      rmSync(context, { recursive: true, force: true });
    }
  });

  test("a wrong token gives up == 0 and the server's 401 in Prometheus's targets API", async () => {
    ready();
    workspace.writeEnv(env(`wrong-${TOKEN}`));
    const again = await workspace.cli(["up", ...SERVICES]);
    outputs.push(again.stdout, again.stderr);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    await waitForVector(workspace, 'up{job="vllm"}', (vector) => vector[0]?.value[1] === "0");
    const targets = await prometheusApi<{ activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] }>(
      workspace,
      "/api/v1/targets",
    );
    const vllmTarget = targets.activeTargets.find((item) => item.labels.job === "vllm");
    assert.equal(vllmTarget?.health, "down");
    assert.match(vllmTarget?.lastError ?? "", /401/);
  });
});

async function imagesOfContainers(workspace: ComposeWorkspace): Promise<string[]> {
  const images: string[] = [];
  for (const container of await workspace.containers()) {
    images.push((await runCommand("docker", ["inspect", "--format", "{{.Config.Image}}", container.id])).stdout.trim());
  }
  return images;
}
