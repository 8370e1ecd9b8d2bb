import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IMAGES_UNAVAILABLE_EXIT_CODE } from "../../src/stack/compose/images.js";
import { REPO_ROOT, runCommand } from "../stack/compose-fixture.js";
import { dockerPrerequisites, suiteMode } from "./engine.js";
import { createComposeWorkspace, type ComposeWorkspace } from "./workspace.js";

const prerequisites = await dockerPrerequisites();
// A name no registry holds, in a namespace nobody owns: the pull fails whatever the network.
const MISSING = "vllm-monitor-test-missing/prometheus:0.0.0";

describe("up when the engine answers but an image cannot be pulled", suiteMode(prerequisites), () => {
  let workspace: ComposeWorkspace;
  before(async () => {
    if (prerequisites.missing !== undefined) return;
    workspace = await createComposeWorkspace("noimages", prerequisites.user, prerequisites.images);
    workspace.writeEnv({ ADMIN_PASSWORD: "noimages-admin-password" });
  });
  after(async () => {
    await workspace?.cleanup();
  });
  const ready = (): void => assert.equal(prerequisites.missing, undefined, prerequisites.missing);

  test("names the image, its service and its variable, says how to go on, and starts nothing", async () => {
    ready();
    const up = await workspace.cli(["up"], { PROMETHEUS_IMAGE: MISSING });
    assert.equal(up.code, IMAGES_UNAVAILABLE_EXIT_CODE, up.stdout + up.stderr);
    assert.match(
      up.stderr,
      new RegExp(
        `${MISSING.replace(/[./]/g, "\\$&")} \\(service prometheus, set by PROMETHEUS_IMAGE\\) is not on this machine and cannot be pulled: docker said: .+`,
      ),
    );
    assert.match(up.stderr, /set (\w+, )*PROMETHEUS_IMAGE(, \w+)* in \.env or the environment/);
    assert.match(up.stderr, /vllm-monitor up --native/);
    assert.doesNotMatch(up.stderr, /fix what it reports/);
    assert.doesNotMatch(up.stderr, /\n\s+at /, "prints a stack trace");
    assert.deepEqual(await workspace.containers(), [], "a container was created");
    assert.deepEqual(await workspace.networks(), [], "a network was created");
  });

  test("a service name docker-compose.yml does not have is refused with the names it has", async () => {
    ready();
    const up = await workspace.cli(["up", "prometheus", "grafanna"]);
    assert.equal(up.code, 2, up.stderr);
    assert.match(up.stderr, /No such compose service: grafanna\.\n\s+- name services of docker-compose\.yml: .*grafana/);
    assert.deepEqual(await workspace.containers(), []);
  });

  test("every missing image is reported at once, Grafana's and the Node.js base of our image among them", async () => {
    ready();
    const up = await workspace.cli(["up", "--build"], {
      PROMETHEUS_IMAGE: MISSING,
      GRAFANA_IMAGE: "vllm-monitor-test-missing/grafana:0.0.0",
      NODE_IMAGE: "vllm-monitor-test-missing/node:0.0.0",
    });
    assert.equal(up.code, IMAGES_UNAVAILABLE_EXIT_CODE, up.stderr);
    assert.match(up.stderr, /3 images are missing, so nothing was started/);
    assert.match(up.stderr, /set by GRAFANA_IMAGE/);
    assert.match(up.stderr, /base our image for the simulator service is built from, set by NODE_IMAGE/);
    assert.deepEqual(await workspace.containers(), []);
  });
});

// The Makefile's half of the fallback, with a MOCK vllm-monitor named as such: the real `up`
// failing for want of images is the test above; running the real native stack from the
// repository folder is test/e2e's job.
describe("make demo when compose cannot get its images", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "vllm-monitor-make-demo-"));
    await writeFile(
      join(dir, "mock-vllm-monitor.sh"),
      `#!/bin/sh\necho "mock-vllm-monitor $*" >> "${join(dir, "calls.log")}"\ncase " $* " in *" --native "*) exit 0 ;; esac\necho "Cannot start the compose stack: an image is missing, so nothing was started." >&2\nexit ${IMAGES_UNAVAILABLE_EXIT_CODE}\n`,
    );
    await chmod(join(dir, "mock-vllm-monitor.sh"), 0o755);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test(
    "falls back to the native stack after saying why, when docker info answers but up finds no images",
    { skip: prerequisites.engine ? false : "no Docker engine answers: make demo goes native without trying compose" },
    async () => {
      const make = await runCommand(
        "make",
        [
          "--no-print-directory",
          "-o",
          "node_modules/.package-lock.json",
          "-o",
          "dist/cli/main.js",
          "demo",
          `CLI=${join(dir, "mock-vllm-monitor.sh")}`,
          `ENV_FILE=${join(dir, ".env")}`,
          `OUT=${join(dir, "build")}`,
        ],
        { cwd: REPO_ROOT },
      );
      assert.equal(make.code, 0, make.stdout + make.stderr);
      const calls = (await readFile(join(dir, "calls.log"), "utf8")).trim().split("\n");
      assert.equal(calls.length, 2, calls.join("\n"));
      assert.match(calls[0] ?? "", /^mock-vllm-monitor up --build /);
      assert.match(calls[1] ?? "", /^mock-vllm-monitor up --native /);
      assert.match(make.stdout, /could not get the stack's images.*starting the native stack instead/);
      assert.equal(existsSync(join(dir, "build")), false);
    },
  );
});
