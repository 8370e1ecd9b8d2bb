/**
 * The images of the compose stack and the variable that replaces each one. Air-gapped sites
 * mirror the images into a registry of their own and set these; the defaults are the pinned
 * upstream images. docker-compose.yml repeats each default as `${NAME:-default}` so the file
 * also works without the CLI; a test keeps the two equal. Pure.
 */

/** Variable → pinned upstream image. NODE_IMAGE is the base our Dockerfile builds on. */
export const DEFAULT_IMAGES = {
  PROMETHEUS_IMAGE: "prom/prometheus:v3.5.0",
  GRAFANA_IMAGE: "grafana/grafana:12.1.1",
  NODE_EXPORTER_IMAGE: "prom/node-exporter:v1.9.1",
  ALERTMANAGER_IMAGE: "prom/alertmanager:v0.28.1",
  DCGM_EXPORTER_IMAGE: "nvcr.io/nvidia/k8s/dcgm-exporter:4.2.3-4.1.3-ubuntu22.04",
  NVIDIA_GPU_EXPORTER_IMAGE: "utkuozdemir/nvidia_gpu_exporter:1.3.2",
  BUSYBOX_IMAGE: "busybox:1.37.0",
  NODE_IMAGE: "node:20.20.2-bookworm-slim",
} as const;

export type ImageVariable = keyof typeof DEFAULT_IMAGES;

export type ImageSettings = Readonly<Record<ImageVariable, string>>;

/** The compose service whose image (or, for NODE_IMAGE, whose build's base) each variable sets. */
export const IMAGE_SERVICES: Readonly<Record<ImageVariable, string>> = {
  PROMETHEUS_IMAGE: "prometheus",
  GRAFANA_IMAGE: "grafana",
  NODE_EXPORTER_IMAGE: "node-exporter",
  ALERTMANAGER_IMAGE: "alertmanager",
  DCGM_EXPORTER_IMAGE: "dcgm-exporter",
  NVIDIA_GPU_EXPORTER_IMAGE: "nvidia-gpu-exporter",
  BUSYBOX_IMAGE: "volume-init",
  NODE_IMAGE: "simulator",
};

/** The build argument of our Dockerfile that NODE_IMAGE reaches. */
export const NODE_IMAGE_BUILD_ARG = "NODE_IMAGE";

export function isImageVariable(name: string): name is ImageVariable {
  return Object.hasOwn(DEFAULT_IMAGES, name);
}

/** The variable that sets a service's pulled image, if any. */
export function imageVariableOfService(service: string): ImageVariable | undefined {
  return (Object.keys(IMAGE_SERVICES) as ImageVariable[]).find((name) => name !== "NODE_IMAGE" && IMAGE_SERVICES[name] === service);
}
