import { cpusToQuota } from "../podman/run-spec/resources.js";
import type { ComposeProject, HealthcheckConfig, ServiceConfig } from "./model.js";
import { LABEL, containerNameFor } from "./names.js";
import { addServiceSecrets } from "./secrets.js";

const SECOND = 1e9;
// libpod stores what it is given: an unset Timeout is 0 and every check then
// fails with "healthcheck command exceeded timeout of 0s". These are podman's CLI defaults.
const HEALTHCHECK_DEFAULTS = {
  interval: 30 * SECOND,
  timeout: 30 * SECOND,
  retries: 3,
  startPeriod: 0,
};

export const containerNameOf = (project: ComposeProject, service: ServiceConfig) =>
  service.containerName ?? containerNameFor(project.name, service.name);

/**
 * The libpod SpecGenerator for a service's container, before the compose
 * bookkeeping labels: what the config hash is computed over.
 */
export function serviceSpec(
  project: ComposeProject,
  service: ServiceConfig,
  image: string,
): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    name: containerNameOf(project, service),
    image,
    labels: { ...service.labels },
    env: { ...service.environment },
    netns: { nsmode: "bridge" },
    Networks: serviceNetworks(project, service),
  };
  if (service.command) spec.command = service.command;
  if (service.entrypoint) spec.entrypoint = service.entrypoint;
  if (service.workingDir) spec.work_dir = service.workingDir;
  if (service.user) spec.user = service.user;
  if (service.hostname) spec.hostname = service.hostname;
  if (service.ports.length) spec.portmappings = service.ports;
  Object.assign(spec, mounts(project, service));
  addServiceSecrets(spec, project, service);
  if (service.restart) {
    spec.restart_policy = service.restart.policy;
    if (service.restart.tries !== undefined) spec.restart_tries = service.restart.tries;
  }
  if (service.healthcheck) spec.healthconfig = healthConfig(service.healthcheck);
  if (service.privileged !== undefined) spec.privileged = service.privileged;
  if (service.tty !== undefined) spec.terminal = service.tty;
  if (service.stdinOpen !== undefined) spec.stdin = service.stdinOpen;
  if (service.init !== undefined) spec.init = service.init;
  if (service.readOnly !== undefined) spec.read_only_filesystem = service.readOnly;
  if (service.capAdd) spec.cap_add = service.capAdd;
  if (service.capDrop) spec.cap_drop = service.capDrop;
  if (service.extraHosts) spec.hostadd = service.extraHosts;
  if (service.stopGracePeriodSeconds !== undefined)
    spec.stop_timeout = service.stopGracePeriodSeconds;
  const limits: Record<string, unknown> = {};
  if (service.memLimitBytes !== undefined) limits.memory = { limit: service.memLimitBytes };
  if (service.cpus !== undefined) limits.cpu = cpusToQuota(service.cpus);
  if (Object.keys(limits).length) spec.resource_limits = limits;
  return spec;
}

/** Every container is reachable by its service name (and its aliases) on each of its networks. */
function serviceNetworks(project: ComposeProject, service: ServiceConfig) {
  const networks: Record<string, { aliases: string[] }> = {};
  for (const [key, { aliases }] of Object.entries(service.networks)) {
    const network = project.networks[key]!;
    networks[network.name] = { aliases: [...new Set([service.name, ...aliases])] };
  }
  return networks;
}

function mounts(project: ComposeProject, service: ServiceConfig) {
  const volumes: { Name: string; Dest: string; Options: string[] }[] = [];
  const binds: { Type: "bind"; Source: string; Destination: string; Options: string[] }[] = [];
  for (const mount of service.volumes) {
    if (mount.type === "bind") {
      binds.push({
        Type: "bind",
        Source: mount.source,
        Destination: mount.target,
        Options: mount.options,
      });
    } else {
      const name = mount.source === undefined ? "" : project.volumes[mount.source]!.name;
      volumes.push({ Name: name, Dest: mount.target, Options: mount.options });
    }
  }
  return {
    ...(volumes.length ? { volumes } : {}),
    ...(binds.length ? { mounts: binds } : {}),
  };
}

function healthConfig(check: HealthcheckConfig): Record<string, unknown> {
  if (check.test[0] === "NONE") return { Test: ["NONE"] };
  return {
    Test: check.test,
    Interval: check.interval ?? HEALTHCHECK_DEFAULTS.interval,
    Timeout: check.timeout ?? HEALTHCHECK_DEFAULTS.timeout,
    Retries: check.retries ?? HEALTHCHECK_DEFAULTS.retries,
    StartPeriod: check.startPeriod ?? HEALTHCHECK_DEFAULTS.startPeriod,
  };
}

/** The labels Docker Compose sets, so compose-aware tools recognise the containers. */
export function composeLabels(
  project: ComposeProject,
  service: ServiceConfig,
  configHash: string,
): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL.project]: project.name,
    [LABEL.service]: service.name,
    [LABEL.containerNumber]: "1",
    [LABEL.oneoff]: "False",
    [LABEL.configHash]: configHash,
    [LABEL.podmanProject]: project.name,
  };
  const dependsOn = Object.entries(service.dependsOn)
    .map(([name, condition]) => `${name}:${condition}:false`)
    .join(",");
  if (dependsOn) labels[LABEL.dependsOn] = dependsOn;
  if (project.workingDir) labels[LABEL.workingDir] = project.workingDir;
  if (project.configFile) labels[LABEL.configFiles] = project.configFile;
  return labels;
}

/** SHA-256 of the spec as canonical JSON (keys sorted): equal for equal configurations. */
export async function configHash(spec: Record<string, unknown>): Promise<string> {
  const bytes = new TextEncoder().encode(canonicalJson(spec));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}
