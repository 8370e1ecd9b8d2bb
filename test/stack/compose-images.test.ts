import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { activeProfiles, neededImages } from "../../src/stack/compose/images.js";
import { composeProjectName } from "../../src/stack/compose/run.js";

// The shape `docker-compose config` (1.29) prints: every service, whatever the profiles.
const CONFIG = `
services:
  volume-init: { image: "busybox:1.37.0" }
  prometheus: { image: "prom/prometheus:v3.5.0", depends_on: { volume-init: { condition: service_completed_successfully } } }
  grafana: { image: "grafana/grafana:12.1.1", depends_on: { prometheus: { condition: service_started } } }
  simulator:
    profiles: [demo]
    image: "vllm-monitor:local"
    build: { context: ".", args: { NODE_IMAGE: "node:20.20.2-bookworm-slim", BUILD_CA_CERTS: "" } }
  alertmanager: { profiles: [alerts], image: "prom/alertmanager:v0.28.1" }
`;

const everythingPresent = () => true;

describe("the images up needs", () => {
  test("are those of the services without a profile and of the enabled profiles, each with its variable", () => {
    const needed = neededImages(CONFIG, { profiles: ["alerts"], services: [], present: () => false, build: false });
    assert.deepEqual(
      needed.map((item) => `${item.service} ${item.image} ${item.variable}`),
      [
        "volume-init busybox:1.37.0 BUSYBOX_IMAGE",
        "prometheus prom/prometheus:v3.5.0 PROMETHEUS_IMAGE",
        "grafana grafana/grafana:12.1.1 GRAFANA_IMAGE",
        "alertmanager prom/alertmanager:v0.28.1 ALERTMANAGER_IMAGE",
      ],
    );
  });

  test("with services named, are theirs and their dependencies' only", () => {
    const needed = neededImages(CONFIG, { profiles: ["demo"], services: ["prometheus"], present: () => false, build: false });
    assert.deepEqual(needed.map((item) => item.service).sort(), ["prometheus", "volume-init"]);
  });

  test("include the Node.js base of our image when it must be built: missing, or up --build", () => {
    const base = (present: (image: string) => boolean, build: boolean) =>
      neededImages(CONFIG, { profiles: ["demo"], services: ["simulator"], present, build }).find((item) => item.buildBase);
    assert.deepEqual(
      base((image) => image !== "vllm-monitor:local", false),
      { service: "simulator", image: "node:20.20.2-bookworm-slim", variable: "NODE_IMAGE", buildBase: true },
    );
    assert.equal(base(everythingPresent, false), undefined);
    assert.equal(base(everythingPresent, true)?.image, "node:20.20.2-bookworm-slim");
  });

  test("COMPOSE_PROFILES from the environment wins over compose.env's, as in compose", () => {
    const file = "HOST_UID='1000'\nCOMPOSE_PROFILES='demo,gpu'\n";
    assert.deepEqual(activeProfiles({}, file), ["demo", "gpu"]);
    assert.deepEqual(activeProfiles({ COMPOSE_PROFILES: "alerts" }, file), ["alerts"]);
    assert.deepEqual(activeProfiles({}, undefined), []);
  });
});

describe("the compose project name", () => {
  test("is vllm-monitor unless COMPOSE_PROJECT_NAME names another", () => {
    assert.equal(composeProjectName({}), "vllm-monitor");
    assert.equal(composeProjectName({ COMPOSE_PROJECT_NAME: "fleet-b" }), "fleet-b");
  });

  test("refuses a name compose would refuse, naming the variable", () => {
    assert.throws(
      () => composeProjectName({ COMPOSE_PROJECT_NAME: "Fleet B" }),
      /COMPOSE_PROJECT_NAME \(environment variable\): is not a compose project name \(got "Fleet B"\)\. How to fix: use lowercase letters/,
    );
  });
});
