/**
 * Deletes what the native stack rendered into the output folder (the secrets among it) when it
 * stops. Only the folders the renderer writes are removed, so a mistaken `--out .` cannot wipe a
 * directory; the output folder itself goes when nothing else is left in it.
 */
import { readdirSync, rmSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { OUTPUT_LAYOUT, OUTPUT_MARKER } from "../../render/layout.js";

const RENDERED_FOLDERS = ["prometheus", "grafana", "alertmanager"] as const;

export function removeRenderedFiles(outDir: string): void {
  for (const folder of RENDERED_FOLDERS) rmSync(join(outDir, folder), { recursive: true, force: true });
  // why: compose.env carries Grafana's admin password, and the renderer writes it in every mode.
  rmSync(join(outDir, OUTPUT_LAYOUT.composeEnv), { force: true });
  rmSync(join(outDir, OUTPUT_MARKER), { force: true });
  try {
    if (readdirSync(outDir).length === 0) rmdirSync(outDir);
  } catch {
    // already gone
  }
}
