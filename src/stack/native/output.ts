/**
 * Deletes what the renderer wrote into the output folder (secrets among it) when the native stack
 * stops. A folder carrying the renderer's marker goes entirely, as with `clean`; without the marker
 * only the folders the renderer writes are removed, so a mistaken `--out .` cannot wipe a directory.
 */
import { existsSync, readdirSync, rmSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { OUTPUT_LAYOUT, OUTPUT_MARKER } from "../../render/layout.js";

const RENDERED_FOLDERS = [OUTPUT_LAYOUT.prometheusDir, OUTPUT_LAYOUT.grafanaDir, "alertmanager"] as const;

export function removeRenderedFiles(outDir: string): void {
  if (existsSync(join(outDir, OUTPUT_MARKER))) {
    rmSync(outDir, { recursive: true, force: true });
    return;
  }
  for (const folder of RENDERED_FOLDERS) rmSync(join(outDir, folder), { recursive: true, force: true });
  // why: compose.env carries Grafana's admin password, and the renderer writes it in every mode.
  rmSync(join(outDir, OUTPUT_LAYOUT.composeEnv), { force: true });
  try {
    if (readdirSync(outDir).length === 0) rmdirSync(outDir);
  } catch {
    // already gone
  }
}
