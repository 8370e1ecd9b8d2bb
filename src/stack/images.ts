/**
 * The images of the compose stack and the compose service each one is for: the service table's
 * image variables, plus two images that belong to no service of the table (a one-shot helper and
 * the base our own image is built from). The variables and their pinned upstream defaults are
 * declared in the settings schema (group `images`); docker-compose.yml repeats each default as
 * `${NAME:-default}` so the file also works without the CLI, and a test keeps the two equal. Pure.
 */
import { defaultValue } from "../config/schema.js";
import { SERVICES, type ServiceImageVariable } from "../config/services.js";

/** Images of compose services that are not services of the stack's table. */
const HELPER_IMAGES = {
  /** volume-init: chowns the named volumes once, then exits. */
  BUSYBOX_IMAGE: "volume-init",
  /** Not pulled for a service: the base of the simulator's image (a build argument). */
  NODE_IMAGE: "simulator",
} as const;

export type ImageVariable = ServiceImageVariable | keyof typeof HELPER_IMAGES;

/** The compose service whose image (or, for NODE_IMAGE, whose build's base) each variable sets. */
export function imageServices(): Record<ImageVariable, string> {
  const fromTable = SERVICES.flatMap((row) => (row.image === undefined ? [] : [[row.image, row.composeHost] as const]));
  return { ...(Object.fromEntries(fromTable) as Record<ServiceImageVariable, string>), ...HELPER_IMAGES };
}

/** The build argument of our Dockerfile that NODE_IMAGE reaches. */
export const NODE_IMAGE_BUILD_ARG = "NODE_IMAGE";

export function isImageVariable(name: string): name is ImageVariable {
  return Object.hasOwn(imageServices(), name);
}

/** Every image variable with its pinned upstream default, from the schema. */
export function defaultImages(): Record<ImageVariable, string> {
  const images = {} as Record<ImageVariable, string>;
  for (const name of Object.keys(imageServices()) as ImageVariable[]) images[name] = defaultValue(name);
  return images;
}

/** The variable that sets a service's pulled image, if any. */
export function imageVariableOfService(service: string): ImageVariable | undefined {
  const services = imageServices();
  return (Object.keys(services) as ImageVariable[]).find((name) => name !== "NODE_IMAGE" && services[name] === service);
}
