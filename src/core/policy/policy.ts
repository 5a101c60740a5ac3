/**
 * What a token holder may ask Podman to create. Everything that would give a
 * workload power over the host is denied unless a flag allows it.
 */
export interface ContainerPolicy {
  /** --allow-privileged: privileged containers. */
  allowPrivileged: boolean;
  /** --allow-cap-add: added capabilities. */
  allowCapAdd: boolean;
  /** --allow-host-namespaces: the host's network, pid, ipc, uts (and user) namespaces. */
  allowHostNamespaces: boolean;
  /** --allow-devices: host devices. */
  allowDevices: boolean;
  /** --allow-unconfined: seccomp=unconfined, apparmor=unconfined, label=disable. */
  allowUnconfined: boolean;
  /** --allow-bind DIR: host directories that bind mounts may use (they and what is below). */
  allowBind: string[];
  /**
   * Where a host path leads with its symlinks followed, as Podman will follow
   * them when it mounts it; supplied by the runtime. Without it (unit tests)
   * paths are judged as written.
   */
  resolveHostPath?: (path: string) => string;
  /**
   * --allow-read DIR: host directories the server itself may read files from
   * (build contexts, Containerfiles, compose, kube and env files), symlinks resolved.
   */
  allowRead: string[];
  /**
   * --allow-network NAME: existing networks that tokens held to ownership may
   * join although the server did not create them (Podman's default network).
   */
  allowNetworks: string[];
  /** --allow-build-network: builds' RUN steps (and ADD of URLs) may use a network. */
  allowBuildNetwork: boolean;
  /** --allowed-registries: when set, images must come from these registries. */
  allowedRegistries: string[] | undefined;
  /** --max-memory: ceiling, and the default when none is asked for, in bytes. */
  maxMemoryBytes: number | undefined;
  /** --max-cpus: ceiling, and the default when none is asked for. */
  maxCpus: number | undefined;
  /** --max-pids: ceiling, and the default when none is asked for. */
  maxPids: number | undefined;
  /** --managed-only: every token, admin too, may change only objects the server created. */
  managedOnly: boolean;
  /** --max-copy-bytes: the most bytes one call may send into a container (files, stdin). */
  maxCopyBytes?: number;
}

/** The label every object the server creates carries, and how ownership is recognised. */
export const MANAGED_LABEL = "io.mcp-podman.managed";

/** --max-copy-bytes by default: what one call may send into a container (files, stdin). */
export const DEFAULT_MAX_COPY_BYTES = 64 * 1024 * 1024;
