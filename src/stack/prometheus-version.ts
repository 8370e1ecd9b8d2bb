/**
 * Finding out which Prometheus the stack will run (see src/prometheus/version.ts for why): native
 * mode asks the binary; compose reads the image's tag, and asks the image itself when the tag says
 * nothing (`latest`, a digest).
 */
import { UserError } from "../errors.js";
import { parsePrometheusVersion, versionFromImage, type PrometheusVersion } from "../prometheus/version.js";
import { capture } from "./compose/tool.js";

/** Runs `<binary> --version`. */
export async function binaryVersion(binary: string, variable: string): Promise<PrometheusVersion> {
  const run = await capture(binary, ["--version"], process.env);
  const version = parsePrometheusVersion(`${run.stdout}\n${run.stderr}`);
  if (version === undefined) {
    throw new UserError(`Cannot tell which Prometheus ${binary} is: \`${binary} --version\` printed no version.`, [
      `agent mode needs it (the flag differs between 2.x and 3.x); point ${variable} at a Prometheus binary`,
    ]);
  }
  return version;
}

/** The compose image's version: from its tag, else from the image itself (`docker run --rm IMAGE --version`). */
export async function imageVersion(image: string, env: NodeJS.ProcessEnv = process.env): Promise<PrometheusVersion> {
  const fromTag = versionFromImage(image);
  if (fromTag !== undefined) return fromTag;
  const run = await capture("docker", ["run", "--rm", image, "--version"], env, 5 * 60_000);
  const version = parsePrometheusVersion(`${run.stdout}\n${run.stderr}`);
  if (version === undefined) {
    throw new UserError(
      `Cannot tell which Prometheus PROMETHEUS_IMAGE=${image} holds: its tag names no version and \`docker run --rm ${image} --version\` printed none.`,
      ["agent mode needs it (the flag differs between 2.x and 3.x): use a tag with the version, e.g. prom/prometheus:v3.5.0"],
    );
  }
  return version;
}
