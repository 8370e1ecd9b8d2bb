import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { vllm } from "../../src/catalog/index.js";
import { loadSettings } from "../../src/config/load.js";
import { isUserError } from "../../src/errors.js";
import { nativePaths, stackDataDir } from "../../src/stack/native/paths.js";
import { createWorkspace, waitForQuery, type Workspace } from "../e2e/harness.js";

describe("the native stack's data folder", () => {
  const environment = { XDG_STATE_HOME: "/home/ana/.state" };

  test("is outside the working folder, under XDG_STATE_HOME, and differs for two folders of the same name", () => {
    const one = stackDataDir("/srv/one/site", undefined, environment);
    const two = stackDataDir("/srv/two/site", undefined, environment);
    assert.match(one, /^\/home\/ana\/\.state\/vllm-monitor\/data\/site-[0-9a-f]{10}$/);
    assert.notEqual(one, two);
    assert.equal(stackDataDir("/srv/one/site", undefined, environment), one, "the same folder always gets the same data");
  });

  test("is DATA_DIR when set, relative to the working folder", () => {
    assert.equal(stackDataDir("/srv/site", "/data/vm", environment), "/data/vm");
    assert.equal(stackDataDir("/srv/site", "monitor-data", environment), "/srv/site/monitor-data");
  });

  test("gives the demo and real targets each their own TSDB", () => {
    const demo = nativePaths("/srv/site", "build", { dataDir: "/data/vm", demo: true }, environment);
    const targets = nativePaths("/srv/site", "build", { dataDir: "/data/vm", demo: false }, environment);
    assert.equal(demo.prometheusData, "/data/vm/demo/prometheus-data");
    assert.equal(targets.prometheusData, "/data/vm/targets/prometheus-data");
    assert.equal(demo.stateDir, targets.stateDir, "one stack, one data folder");
  });

  test("refuses a DATA_DIR holding a control character, naming the variable", () => {
    assert.throws(
      () => loadSettings({ cwd: "/nonexistent-folder", environment: { DATA_DIR: "/data/vm\tx" } }),
      (error: unknown) => isUserError(error) && /DATA_DIR .*control character/.test(error.message),
    );
  });
});

// Real processes: `up --native` in demo mode, then with a real target, then the demo again.
describe("a demo run and a real-target run of one working folder", () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await createWorkspace();
  });
  after(async () => {
    await workspace?.cleanup();
  });

  const vllmSeries = async (): Promise<unknown[]> => {
    const match = encodeURIComponent(`{__name__=~"vllm:.+"}`);
    const response = await fetch(`${workspace.prometheusUrl}/api/v1/series?match[]=${match}&start=0`);
    return ((await response.json()) as { data: unknown[] }).data;
  };

  test("do not share series, keep the TSDB out of the working folder, and say where an older version's data is", async () => {
    // An older version's TSDB in the working folder: named, never read or moved.
    mkdirSync(join(workspace.dir, ".vllm-monitor", "prometheus-data"), { recursive: true });
    const demo = await workspace.cli(["up", "--native", "--detach"]);
    assert.equal(demo.code, 0, demo.output);
    const dataDir = stackDataDir(workspace.dir, undefined, workspace.env);
    assert.ok(dataDir.startsWith(join(workspace.dir, "state")), dataDir);
    assert.ok(demo.output.includes(`data: ${join(dataDir, "demo", "prometheus-data")}`), demo.output);
    assert.match(demo.output, /\.vllm-monitor\/prometheus-data holds an older vllm-monitor's Prometheus data, which is no longer read/);
    await waitForQuery(workspace.prometheusUrl, vllm.generationTokens.name, (samples) => samples.length > 0);
    assert.equal((await workspace.cli(["down"])).code, 0);
    assert.deepEqual(readdirSync(join(workspace.dir, ".vllm-monitor", "prometheus-data")), [], "the old folder is left alone");

    // why: a real target that does not answer: Prometheus runs and scrapes, but no vLLM series can come from it.
    workspace.writeEnv({ VLLM_TARGET: `127.0.0.1:${workspace.ports.simulator}` });
    const real = await workspace.cli(["up", "--native", "--detach"]);
    assert.equal(real.code, 0, real.output);
    assert.ok(real.output.includes(`data: ${join(dataDir, "targets", "prometheus-data")}`), real.output);
    await waitForQuery(workspace.prometheusUrl, `up{job="vllm"}`, (samples) => samples.length > 0);
    assert.deepEqual(await vllmSeries(), [], "the simulator's series are not in the real stack's TSDB");
    assert.equal((await workspace.cli(["down"])).code, 0);

    workspace.writeEnv({});
    const demoAgain = await workspace.cli(["up", "--native", "--detach"]);
    assert.equal(demoAgain.code, 0, demoAgain.output);
    assert.ok((await vllmSeries()).length > 0, "the demo's own TSDB still holds the first run's series");
    assert.equal((await workspace.cli(["down"])).code, 0);
  });
});
