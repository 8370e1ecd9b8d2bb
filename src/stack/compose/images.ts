/**
 * Before `up` starts anything: every image the chosen services need is on this machine, or is
 * pulled now. A pull that fails stops `up` before any container exists, naming the image, the
 * variable that replaces it and the ways round (a mirror, or --native), so a machine that cannot
 * reach a registry is never left with half a stack.
 */
import { parse } from "yaml";
import { UserError } from "../../errors.js";
import { composeConfigArgs, type ComposeTarget, type ComposeTool } from "./args.js";
import { capture, NATIVE_HINT } from "./tool.js";
import { imageVariableOfService, NODE_IMAGE_BUILD_ARG, type ImageVariable } from "../images.js";

/** `up`'s exit code when images are missing: `make demo` then falls back to the native stack. */
export const IMAGES_UNAVAILABLE_EXIT_CODE = 3;

const PULL_TIMEOUT_MS = 30 * 60_000;

interface ResolvedService {
  readonly image?: string;
  readonly build?: { readonly args?: Readonly<Record<string, string | null>> };
  readonly profiles?: readonly string[];
  readonly depends_on?: Readonly<Record<string, unknown>> | readonly string[];
}

/** An image `up` needs: the service's own, or the base our Dockerfile builds it from. */
export interface NeededImage {
  readonly service: string;
  readonly image: string;
  readonly variable?: ImageVariable;
  /** True for the base image of a service compose has to build first. */
  readonly buildBase: boolean;
}

export interface ImagePlanOptions {
  /** COMPOSE_PROFILES in effect (the environment's, else compose.env's). */
  readonly profiles: readonly string[];
  /** The services named on the command line; empty means every enabled one. */
  readonly services: readonly string[];
  /** Images already on this machine. */
  readonly present: (image: string) => boolean;
  /** `up --build`: our own image is built even when present. */
  readonly build: boolean;
}

/**
 * The images `up` would need, from `compose config`'s output. Pure. Compose 1.x prints every
 * service whatever the profiles, so the profiles and the named services are applied here.
 */
export function neededImages(configYaml: string, options: ImagePlanOptions): NeededImage[] {
  const services = resolvedServices(configYaml);
  const chosen = chosenServices(services, options);
  const needed: NeededImage[] = [];
  for (const name of chosen) {
    const service = services[name];
    if (service?.image === undefined) continue;
    if (service.build !== undefined) {
      if (!options.build && options.present(service.image)) continue;
      const base = service.build.args?.[NODE_IMAGE_BUILD_ARG];
      if (typeof base === "string" && base !== "") needed.push({ service: name, image: base, variable: "NODE_IMAGE", buildBase: true });
      continue;
    }
    needed.push({ service: name, image: service.image, ...variableOf(name), buildBase: false });
  }
  return needed;
}

/** Every image the chosen services name, their own and their build bases: what to look for locally. Pure. */
export function referencedImages(configYaml: string, options: Pick<ImagePlanOptions, "profiles" | "services">): string[] {
  const all = neededImages(configYaml, { ...options, present: () => false, build: true }).map((item) => item.image);
  const own = neededImages(configYaml, { ...options, present: () => true, build: false }).map((item) => item.image);
  const services = resolvedServices(configYaml);
  const built = chosenServices(services, options).flatMap((name) =>
    services[name]?.build !== undefined && services[name]?.image !== undefined ? [services[name].image] : [],
  );
  return [...new Set([...all, ...own, ...built])];
}

function resolvedServices(configYaml: string): Record<string, ResolvedService> {
  return (parse(configYaml) as { services?: Record<string, ResolvedService> } | null)?.services ?? {};
}

function chosenServices(
  services: Readonly<Record<string, ResolvedService>>,
  options: Pick<ImagePlanOptions, "profiles" | "services">,
): string[] {
  return options.services.length > 0 ? withDependencies(services, options.services) : enabledServices(services, options.profiles);
}

function variableOf(service: string): { variable?: ImageVariable } {
  const variable = imageVariableOfService(service);
  return variable === undefined ? {} : { variable };
}

function enabledServices(services: Readonly<Record<string, ResolvedService>>, profiles: readonly string[]): string[] {
  return Object.entries(services)
    .filter(
      ([, service]) => (service.profiles ?? []).length === 0 || (service.profiles ?? []).some((profile) => profiles.includes(profile)),
    )
    .map(([name]) => name);
}

function withDependencies(services: Readonly<Record<string, ResolvedService>>, requested: readonly string[]): string[] {
  const chosen = new Set<string>();
  const visit = (name: string): void => {
    if (chosen.has(name)) return;
    chosen.add(name);
    const dependsOn = services[name]?.depends_on ?? [];
    for (const dependency of Array.isArray(dependsOn) ? dependsOn : Object.keys(dependsOn)) visit(dependency);
  };
  for (const name of requested) visit(name);
  return [...chosen];
}

/** COMPOSE_PROFILES as compose sees it: the environment wins over the env file. */
export function activeProfiles(env: NodeJS.ProcessEnv, envFileText: string | undefined): string[] {
  const fromFile = /^COMPOSE_PROFILES='([^']*)'$/m.exec(envFileText ?? "")?.[1];
  const text = env.COMPOSE_PROFILES ?? fromFile ?? "";
  return text
    .split(",")
    .map((profile) => profile.trim())
    .filter((profile) => profile !== "");
}

export interface EnsureImagesOptions {
  readonly tool: ComposeTool;
  readonly target: ComposeTarget;
  readonly env: NodeJS.ProcessEnv;
  readonly profiles: readonly string[];
  readonly services: readonly string[];
  readonly build: boolean;
}

/**
 * Pulls every needed image that is not on this machine. All failures are reported together in
 * one UserError (exit IMAGES_UNAVAILABLE_EXIT_CODE) before anything was started.
 */
export async function ensureImages(options: EnsureImagesOptions): Promise<void> {
  const config = await capture(options.tool.command, composeConfigArgs(options.tool, options.target), options.env);
  if (!config.ok) {
    throw new UserError("The compose file does not resolve (`compose config` failed).", [
      ...config.stderr
        .split("\n")
        .filter((line) => line.trim() !== "")
        .slice(-5),
      "fix what compose reports above and run the command again",
    ]);
  }
  const known = Object.keys(resolvedServices(config.stdout));
  const unknown = options.services.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new UserError(`No such compose service: ${unknown.join(", ")}.`, [`name services of docker-compose.yml: ${known.join(", ")}`]);
  }
  const present = new Set<string>();
  for (const image of referencedImages(config.stdout, options)) {
    if ((await capture("docker", ["image", "inspect", "--format", "{{.Id}}", image], options.env)).ok) present.add(image);
  }
  const needed = neededImages(config.stdout, { ...options, present: (image) => present.has(image) });

  const failures: string[] = [];
  const tried = new Set<string>();
  for (const item of needed) {
    if (present.has(item.image) || tried.has(item.image)) continue;
    tried.add(item.image);
    process.stderr.write(`pulling ${item.image} (${describe(item)})\n`);
    const pull = await capture("docker", ["pull", item.image], options.env, PULL_TIMEOUT_MS);
    if (pull.ok) continue;
    const said =
      pull.stderr
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "")
        .at(-1) ?? "the pull failed";
    failures.push(`${item.image} (${describe(item)}) is not on this machine and cannot be pulled: docker said: ${said}`);
  }
  if (failures.length === 0) return;
  const variables = [
    ...new Set(
      needed
        .filter((item) => tried.has(item.image))
        .map((item) => item.variable)
        .filter((name) => name !== undefined),
    ),
  ];
  throw new UserError(
    `Cannot start the compose stack: ${failures.length === 1 ? "an image is" : `${failures.length} images are`} missing, so nothing was started.`,
    [
      ...failures,
      `where this machine cannot reach that registry, copy the image into one it can reach (or \`docker load\` it here) and set ${variables.join(", ") || "the image's variable"} in .env or the environment to the copy's name (every image variable is listed under "Images" in .env_example)`,
      NATIVE_HINT,
    ],
    IMAGES_UNAVAILABLE_EXIT_CODE,
  );
}

function describe(item: NeededImage): string {
  const variable = item.variable === undefined ? "" : `, set by ${item.variable}`;
  return item.buildBase
    ? `the base our image for the ${item.service} service is built from${variable}`
    : `service ${item.service}${variable}`;
}
