import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, chownSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSettings } from "../../src/config/load.js";
import { isUserError } from "../../src/errors.js";
import { ensurePrivateFolder } from "../../src/render/private-files.js";
import { DEMO_PASSWORD_FILE, grafanaAdmin } from "../../src/stack/grafana-admin.js";
import { runCli } from "../helpers/cli.js";
import { useTemporaryDirs } from "../helpers/temporary.js";

const temporaryDir = useTemporaryDirs();
const mode = (path: string): number => statSync(path).mode & 0o777;
/** An unprivileged user that is not us (Debian's nobody). */
const OTHER_UID = 65534;
/** Giving a folder to another user needs root. */
const needsRoot = { skip: process.getuid?.() === 0 ? false : "needs root to chown a folder to another user" };

/** Every folder and file under `root`, with its mode. */
function modes(root: string): { path: string; folder: boolean; mode: number }[] {
  const found = [{ path: root, folder: true, mode: mode(root) }];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) found.push(...modes(path));
    else found.push({ path, folder: false, mode: mode(path) });
  }
  return found;
}

describe("file modes under umask 000", () => {
  let savedUmask = 0;
  before(() => {
    savedUmask = process.umask(0o000);
  });
  after(() => {
    process.umask(savedUmask);
  });

  test("conf into an existing 0777 output folder tightens it to 0700, and every folder under it is 0700 and every file 0600", async () => {
    const dir = temporaryDir("vllm-monitor-modes-");
    writeFileSync(join(dir, ".env"), "VLLM_TARGET=gpu-1:8000\nVLLM_METRICS_AUTH_TOKEN=s3cret-token\n");
    const out = join(dir, "build");
    mkdirSync(out);
    chmodSync(out, 0o777);
    const run = await runCli(["conf", "prometheus", "--out", out], { cwd: dir });
    assert.equal(run.code, 0, run.output);
    const loose = modes(out).filter((entry) => entry.mode !== (entry.folder ? 0o700 : 0o600));
    assert.deepEqual(loose, []);
  });

  test("an output folder another user owns is refused, not written into", needsRoot, async () => {
    const dir = temporaryDir("vllm-monitor-modes-");
    writeFileSync(join(dir, ".env"), "VLLM_TARGET=gpu-1:8000\nVLLM_METRICS_AUTH_TOKEN=s3cret-token\n");
    const out = join(dir, "build");
    mkdirSync(out);
    chownSync(out, OTHER_UID, OTHER_UID);
    const run = await runCli(["conf", "prometheus", "--out", out], { cwd: dir });
    assert.equal(run.code, 2);
    assert.match(run.output, /refusing to keep secrets or state in .*build: it belongs to another user \(uid 65534\)/);
    assert.deepEqual(readdirSync(out), []);
  });

  test("the demo's Grafana password folder and file are made 0700 and 0600 even when they existed wide open", () => {
    const dir = temporaryDir("vllm-monitor-modes-");
    writeFileSync(join(dir, ".env"), "");
    const file = join(dir, DEMO_PASSWORD_FILE);
    mkdirSync(join(file, ".."), { mode: 0o777 });
    chmodSync(join(file, ".."), 0o777);
    writeFileSync(file, "an-old-demo-password\n", { mode: 0o666 });
    const settings = loadSettings({ envFile: join(dir, ".env"), environment: {}, hostName: "test-host" });
    assert.equal(grafanaAdmin(settings).admin.password.reveal(), "an-old-demo-password");
    assert.equal(mode(join(file, "..")), 0o700);
    assert.equal(mode(file), 0o600);
  });

  test("state folders (the TSDB, .vllm-monitor) come out 0700 with their missing parents", () => {
    const dir = temporaryDir("vllm-monitor-modes-");
    const tsdb = join(dir, ".vllm-monitor", "prometheus-data");
    ensurePrivateFolder(tsdb);
    assert.equal(mode(join(dir, ".vllm-monitor")), 0o700);
    assert.equal(mode(tsdb), 0o700);
  });

  test("a state folder another user owns is refused", needsRoot, () => {
    const dir = temporaryDir("vllm-monitor-modes-");
    const state = join(dir, ".vllm-monitor");
    mkdirSync(state);
    chownSync(state, OTHER_UID, OTHER_UID);
    assert.throws(
      () => ensurePrivateFolder(state),
      (error: unknown) => isUserError(error) && /belongs to another user/.test(error.message),
    );
  });
});
