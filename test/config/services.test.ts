import { test } from "node:test";
import assert from "node:assert/strict";
import { EXPORTERS } from "../../src/config/exporter-targets.js";
import { loadSettings } from "../../src/config/load.js";
import { ENV_VARIABLES, isEnvName } from "../../src/config/schema.js";
import { composeProfileNames, gpuExporterServiceOf, profilesFor, SERVICES, servicesOfProcess } from "../../src/config/services.js";
import { expectedServices } from "../../src/render/endpoints.js";
import { imageServices } from "../../src/stack/images.js";
import { useTemporaryDirs } from "../helpers/temporary.js";

const temporaryDir = useTemporaryDirs();

test("every fact of a service row is a declared variable: image variables are images, *_BIN variables executables", () => {
  for (const row of SERVICES) {
    if (row.image !== undefined) assert.equal(ENV_VARIABLES[row.image].group, "images", row.name);
    if (row.native?.variable !== undefined) {
      assert.ok(isEnvName(row.native.variable), row.name);
      assert.equal((ENV_VARIABLES[row.native.variable] as { path?: string }).path, "executable", row.name);
    }
    if (row.scrapedAs !== undefined) assert.ok(Object.hasOwn(EXPORTERS, row.scrapedAs), row.name);
  }
});

test("GPU_EXPORTER takes exactly the table's GPU exporters and none, each bringing its own profile", () => {
  const values = SERVICES.flatMap((row) => (row.gpuExporter === undefined ? [] : [row.gpuExporter]));
  assert.deepEqual([...values, "none"].sort(), [...ENV_VARIABLES.GPU_EXPORTER.schema.options].sort());
  assert.equal(gpuExporterServiceOf("none"), undefined);
  assert.deepEqual(profilesFor({ demo: false, env: { GPU_EXPORTER: "nvidia-smi" } }), ["nvidia-smi"]);
  assert.deepEqual(profilesFor({ demo: true, env: { GPU_EXPORTER: "dcgm" } }), ["demo", "gpu"]);
});

test("the lists other modules use are derived from the table", () => {
  assert.deepEqual(composeProfileNames(), ["alerts", "demo", "gpu", "nvidia-smi"]);
  assert.deepEqual(servicesOfProcess("simulator"), ["simulator", "simulator-gpu"]);
  assert.equal(imageServices().DCGM_EXPORTER_IMAGE, "dcgm-exporter");
  const settings = loadSettings({ cwd: temporaryDir("services-"), environment: { GPU_EXPORTER: "dcgm" } });
  assert.deepEqual([...expectedServices(settings)].sort(), ["dcgm-exporter", "node-exporter", "prometheus", "simulator", "simulator-gpu"]);
  assert.deepEqual([...expectedServices(settings, { alertmanager: true })].sort(), [
    "alertmanager",
    "dcgm-exporter",
    "node-exporter",
    "prometheus",
    "simulator",
    "simulator-gpu",
  ]);
});
