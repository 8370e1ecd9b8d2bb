/**
 * What the compose tests need from the machine: a Docker engine that answers, the local images
 * built by scripts/docker-images.sh, and a non-root user (root would hide every permission bug)
 * who may use the Docker socket. `make test-docker` and CI's `.ci/run` prepare all three
 * (scripts/docker-engine.sh start, then scripts/docker-images.sh). Without them the tests skip
 * with the reason on a developer's machine, and fail in CI (CI=true).
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT, runCommand } from "../stack/compose-fixture.js";

/** The user the CLI runs as when the tests run as root; scripts/docker-engine.sh creates it. */
export const TEST_USER = process.env.VLLM_MONITOR_TEST_USER ?? "vllm-test";

export interface TestUser {
  readonly uid: number;
  readonly gid: number;
  /** Runs as another user (through setpriv) when the tests run as root. */
  readonly viaSetpriv: boolean;
}

export interface DockerPrerequisites {
  /** True when `docker info` answers. */
  readonly engine: boolean;
  /** Why the tests cannot run here; undefined when they can. */
  readonly missing?: string;
  readonly images: Readonly<Record<string, string>>;
  readonly user: TestUser;
}

function hostUser(): TestUser | string {
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) return { uid, gid: process.getgid?.() ?? uid, viaSetpriv: false };
  try {
    const ids = execFileSync("id", ["-u", TEST_USER], { encoding: "utf8" }).trim();
    const gid = execFileSync("id", ["-g", TEST_USER], { encoding: "utf8" }).trim();
    return { uid: Number(ids), gid: Number(gid), viaSetpriv: true };
  } catch {
    return `no user ${TEST_USER} to run the CLI as (root hides permission bugs); bash scripts/docker-engine.sh start creates it`;
  }
}

/** The stand-in images by variable, as scripts/docker-images.sh names them. */
export function standinImages(): Record<string, string> {
  const listed = execFileSync("bash", [join(REPO_ROOT, "scripts", "docker-images.sh"), "--list"], { encoding: "utf8" });
  return Object.fromEntries(
    listed
      .trim()
      .split("\n")
      .map((line) => line.split("=", 2) as [string, string]),
  );
}

export const SIMULATOR_IMAGE = "vllm-monitor:local";

/** Checks everything once per test file; the result decides between running, skipping and failing. */
export async function dockerPrerequisites(): Promise<DockerPrerequisites> {
  const images = standinImages();
  const user = hostUser();
  const fallbackUser: TestUser = { uid: 0, gid: 0, viaSetpriv: false };
  if ((await runCommand("docker", ["info", "--format", "{{.ServerVersion}}"])).code !== 0) {
    return {
      engine: false,
      missing: "no Docker engine answers (make test-docker starts one)",
      images,
      user: typeof user === "string" ? fallbackUser : user,
    };
  }
  if (typeof user === "string") return { engine: true, missing: user, images, user: fallbackUser };
  const absent: string[] = [];
  for (const image of [...Object.values(images), SIMULATOR_IMAGE]) {
    if ((await runCommand("docker", ["image", "inspect", "--format", "{{.Id}}", image])).code !== 0) absent.push(image);
  }
  if (absent.length > 0)
    return { engine: true, missing: `images not built: ${absent.join(", ")} (bash scripts/docker-images.sh builds them)`, images, user };
  return { engine: true, images, user };
}

/**
 * `describe` options: skip with the reason on a developer's machine; in CI the suite runs and
 * its first test fails with the reason instead, so a CI without an engine never passes silently.
 */
export function suiteMode(prerequisites: DockerPrerequisites): { skip: string | false } {
  const ci = process.env.CI === "true";
  return { skip: prerequisites.missing !== undefined && !ci ? prerequisites.missing : false };
}
