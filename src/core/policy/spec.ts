import { cpusToQuota } from "../podman/run-spec/resources.js";
import type { ContainerPolicy } from "./policy.js";
import { PolicyRefusal, refused } from "./refusal.js";
import { checkImageRegistry } from "./registry.js";

/** The SpecGenerator fields the policy reads (libpod's names). */
interface Namespace {
  nsmode?: string;
}
interface PolicySpec {
  image?: string;
  privileged?: boolean;
  cap_add?: string[];
  devices?: { path?: string }[];
  netns?: Namespace;
  pidns?: Namespace;
  ipcns?: Namespace;
  utsns?: Namespace;
  userns?: Namespace;
  seccomp_policy?: string;
  seccomp_profile_path?: string;
  apparmor_profile?: string;
  selinux_opts?: string[];
  mounts?: { Type?: string; Source?: string }[];
  resource_limits?: {
    memory?: { limit?: number };
    cpu?: { quota?: number; period?: number };
    pids?: { limit?: number };
  };
}

export const RULE = {
  privileged: () => refused("privileged containers", "--allow-privileged"),
  capAdd: (caps: string[]) => refused(`added capabilities (${caps.join(", ")})`, "--allow-cap-add"),
  hostNamespace: (which: string) =>
    refused(`the host's ${which} namespace for containers`, "--allow-host-namespaces"),
  devices: (paths: string[]) => refused(`host devices (${paths.join(", ")})`, "--allow-devices"),
  unconfined: (what: string) => refused(`unconfined containers (${what})`, "--allow-unconfined"),
  bind: (source: string) =>
    new PolicyRefusal(
      `bind mounts of host paths are refused by policy, and "${source}" is under no allowed ` +
        `directory: start mcp-podman with --allow-bind DIR (DIR containing it) to allow it`,
    ),
};

/**
 * Whether a host path is an allowed directory or below one (no ".." escapes),
 * both as written and where its symlinks lead: Podman follows a symlink in a
 * bind source, so a link inside an allowed directory must not lead out of it.
 * (A link swapped in after this check is beyond what the server can judge.)
 */
export function bindAllowed(policy: ContainerPolicy, source: string): boolean {
  const path = normalizePath(source);
  if (path === undefined) return false;
  const resolve = policy.resolveHostPath ?? ((same: string) => same);
  const real = resolve(path);
  return policy.allowBind.some((dir) => {
    const root = normalizePath(dir);
    if (root === undefined) return false;
    return isAtOrBelow(path, root) && isAtOrBelow(real, resolve(root));
  });
}

const isAtOrBelow = (path: string, root: string) =>
  root === "/" || path === root || path.startsWith(`${root}/`);

/** "/a/./b//c/" → "/a/b/c"; undefined for relative paths and ".." (never trusted). */
function normalizePath(path: string): string | undefined {
  if (!path.startsWith("/")) return undefined;
  const parts = path.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) return undefined;
  return `/${parts.join("/")}`;
}

export function checkBind(policy: ContainerPolicy, source: string): void {
  if (!bindAllowed(policy, source)) throw RULE.bind(source);
}

const HOST_NAMESPACES = [
  ["netns", "network"],
  ["pidns", "pid"],
  ["ipcns", "ipc"],
  ["utsns", "uts"],
  ["userns", "user"],
] as const;

/**
 * Refuses a libpod SpecGenerator that asks for anything the policy denies;
 * `where` (e.g. ` (service web)`) is added to resource messages.
 */
export function checkContainerSpec(policy: ContainerPolicy, spec: PolicySpec, where = ""): void {
  // With --allowed-registries Podman gets the qualified name, so its short-name
  // resolution cannot pick another registry than the one checked.
  if (spec.image !== undefined) spec.image = checkImageRegistry(policy, spec.image, where);
  if (spec.privileged && !policy.allowPrivileged) throw RULE.privileged();
  if (spec.cap_add?.length && !policy.allowCapAdd) throw RULE.capAdd(spec.cap_add);
  if (!policy.allowHostNamespaces) {
    for (const [field, which] of HOST_NAMESPACES) {
      if (spec[field]?.nsmode === "host") throw RULE.hostNamespace(which);
    }
  }
  if (spec.devices?.length && !policy.allowDevices) {
    throw RULE.devices(spec.devices.map((device) => device.path ?? "?"));
  }
  if (!policy.allowUnconfined) {
    if (spec.seccomp_policy === "unconfined" || spec.seccomp_profile_path === "unconfined")
      throw RULE.unconfined("seccomp=unconfined");
    if (spec.apparmor_profile === "unconfined") throw RULE.unconfined("apparmor=unconfined");
    if (spec.selinux_opts?.includes("disable")) throw RULE.unconfined("label=disable");
  }
  for (const mount of spec.mounts ?? []) {
    if (mount.Type === "bind") checkBind(policy, mount.Source ?? "");
  }
  checkResourceCeilings(policy, requestedResources(spec), where);
}

/** What a container asks for, in bytes, CPUs and processes. */
export interface Resources {
  memoryBytes?: number;
  cpus?: number;
  pids?: number;
}

function requestedResources(spec: PolicySpec): Resources {
  const limits = spec.resource_limits ?? {};
  const cpu = limits.cpu;
  return {
    memoryBytes: limits.memory?.limit,
    cpus: cpu?.quota && cpu.period ? cpu.quota / cpu.period : undefined,
    pids: limits.pids?.limit,
  };
}

/** A request above a ceiling is refused; none is fine (the default then applies). */
export function checkResourceCeilings(policy: ContainerPolicy, asked: Resources, where = ""): void {
  const above = (what: string, value: string, flag: string, ceiling: string) =>
    new PolicyRefusal(
      `${what} ${value}${where} is above the ceiling of ${ceiling} set by ${flag}: ask for ` +
        `at most ${ceiling}, or start mcp-podman with a higher ${flag}`,
    );
  const { maxMemoryBytes, maxCpus, maxPids } = policy;
  if (maxMemoryBytes !== undefined && asked.memoryBytes !== undefined) {
    // 0 or less means unlimited to libpod.
    if (asked.memoryBytes <= 0 || asked.memoryBytes > maxMemoryBytes)
      throw above(
        "a memory limit of",
        bytes(asked.memoryBytes),
        "--max-memory",
        bytes(maxMemoryBytes),
      );
  }
  if (maxCpus !== undefined && asked.cpus !== undefined && asked.cpus > maxCpus) {
    throw above("a CPU limit of", String(asked.cpus), "--max-cpus", String(maxCpus));
  }
  if (maxPids !== undefined && asked.pids !== undefined) {
    if (asked.pids <= 0 || asked.pids > maxPids)
      throw above("a pids limit of", String(asked.pids), "--max-pids", String(maxPids));
  }
}

const bytes = (value: number) =>
  value <= 0 ? "unlimited" : value % 1048576 === 0 ? `${value / 1048576}m` : `${value} bytes`;

/** Sets the policy's maxima as the limits a spec does not ask for (in place, and returns it). */
export function applyResourceDefaults<Spec extends Record<string, unknown>>(
  policy: ContainerPolicy,
  spec: Spec,
): Spec {
  const { maxMemoryBytes, maxCpus, maxPids } = policy;
  if (maxMemoryBytes === undefined && maxCpus === undefined && maxPids === undefined) return spec;
  const limits = { ...((spec.resource_limits as PolicySpec["resource_limits"]) ?? {}) };
  if (maxMemoryBytes !== undefined && limits.memory?.limit === undefined)
    limits.memory = { ...limits.memory, limit: maxMemoryBytes };
  if (maxCpus !== undefined && limits.cpu?.quota === undefined)
    limits.cpu = { ...limits.cpu, ...cpusToQuota(maxCpus) };
  if (maxPids !== undefined && limits.pids?.limit === undefined) limits.pids = { limit: maxPids };
  (spec as Record<string, unknown>).resource_limits = limits;
  return spec;
}

/** The whole run-time gate for one container spec: refuse, then fill the defaults. */
export function enforceContainerSpec<Spec extends Record<string, unknown>>(
  policy: ContainerPolicy,
  spec: Spec,
  where = "",
): Spec {
  checkContainerSpec(policy, spec as PolicySpec, where);
  return applyResourceDefaults(policy, spec);
}

/**
 * Volume driver options can mount host paths (type=none, o=bind, device=/)
 * or host block devices (device=/dev/sdb): the same rules as bind mounts and devices.
 */
export function checkVolumeOptions(
  policy: ContainerPolicy,
  options: Record<string, string> | undefined,
): void {
  const device = options?.device;
  if (device === undefined) return;
  const mountOptions = (options?.o ?? "").split(",");
  const isBind =
    options?.type === "none" || mountOptions.includes("bind") || mountOptions.includes("rbind");
  if (isBind) checkBind(policy, device);
  else if (!policy.allowDevices) throw RULE.devices([device]);
}
