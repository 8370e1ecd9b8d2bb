/**
 * The images of the compose stack and the service each one is for. The variables and their
 * pinned upstream defaults are declared in the settings schema (group `images`); docker-compose.yml
 * repeats each default as `${NAME:-default}` so the file also works without the CLI, and a test
 * keeps the two equal. Pure.
 */
import { defaultValue } from "../config/schema.js";

/** The compose service whose image (or, for NODE_IMAGE, whose build's base) each variable sets. */
export const IMAGE_SERVICES = {
  PROMETHEUS_IMAGE: "prometheus",
  GRAFANA_IMAGE: "grafana",
  NODE_EXPORTER_IMAGE: "node-exporter",
  ALERTMANAGER_IMAGE: "alertmanager",
  DCGM_EXPORTER_IMAGE: "dcgm-exporter",
  NVIDIA_GPU_EXPORTER_IMAGE: "nvidia-gpu-exporter",
  BUSYBOX_IMAGE: "volume-init",
  NODE_IMAGE: "simulator",
} as const;

export type ImageVariable = keyof typeof IMAGE_SERVICES;

/** The build argument of our Dockerfile that NODE_IMAGE reaches. */
export const NODE_IMAGE_BUILD_ARG = "NODE_IMAGE";

export function isImageVariable(name: string): name is ImageVariable {
  return Object.hasOwn(IMAGE_SERVICES, name);
}

/** Every image variable with its pinned upstream default, from the schema. */
export function defaultImages(): Record<ImageVariable, string> {
  const images = {} as Record<ImageVariable, string>;
  for (const name of Object.keys(IMAGE_SERVICES) as ImageVariable[]) images[name] = defaultValue(name);
  return images;
}

/** The variable that sets a service's pulled image, if any. */
export function imageVariableOfService(service: string): ImageVariable | undefined {
  return (Object.keys(IMAGE_SERVICES) as ImageVariable[]).find((name) => name !== "NODE_IMAGE" && IMAGE_SERVICES[name] === service);
}
