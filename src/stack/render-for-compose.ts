/**
 * The seam between the compose commands and the config renderer: render everything for compose
 * mode before `up`, delete it after `down`.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { COMPOSE_ENV_FILE_NAME } from "./compose.js";
import { removeRenderedFiles } from "./native/output.js";

export interface ComposeRenderOptions {
  readonly envFile: string;
  readonly outDir: string;
}

/** Renders build/compose.env, Prometheus's and Grafana's files for compose addresses. */
export async function renderComposeConfig(options: ComposeRenderOptions): Promise<void> {
  // TODO(render seam): call the render module's entry point (`conf all --mode compose`) here.
  void options;
  throw new Error("renderComposeConfig is not wired to src/render yet");
}

/** Deletes the rendered files (compose.env holds Grafana's admin password), then the folder if empty. */
export async function removeRenderedOutput(outDir: string): Promise<void> {
  rmSync(join(outDir, COMPOSE_ENV_FILE_NAME), { force: true });
  removeRenderedFiles(outDir);
}
