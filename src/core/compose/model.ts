import type { PortMapping } from "../podman/run-spec/ports.js";

/** A compose file validated and normalised: every relative path resolved, every form unified. */
export interface ComposeProject {
  name: string;
  /** The directory relative paths resolved against, when there is one. */
  workingDir?: string;
  /** The compose file on the host, when read from one. */
  configFile?: string;
  /** In file order. */
  services: ServiceConfig[];
  networks: Record<string, NetworkConfig>;
  volumes: Record<string, VolumeConfig>;
  /** Top-level `secrets`, by compose key. */
  secrets: Record<string, SecretConfig>;
}

export type DependencyCondition =
  "service_started" | "service_healthy" | "service_completed_successfully";

export interface BuildConfig {
  /** Absolute host directory. */
  context: string;
  /** Relative to the context. */
  dockerfile?: string;
  args: Record<string, string>;
  target?: string;
}

/** Durations in nanoseconds, as libpod's healthconfig takes them. */
export interface HealthcheckConfig {
  test: string[];
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  retries?: number;
}

export type ServiceMount =
  /** `source` is the compose volume key; none means an anonymous volume. */
  | { type: "volume"; source?: string; target: string; options: string[] }
  /** `source` is an absolute host path. */
  | { type: "bind"; source: string; target: string; options: string[] };

export interface EnvFileRef {
  path: string;
  required: boolean;
}

export type SecretConfig =
  /** An existing Podman secret (`external: true`), by its Podman name. */
  | { kind: "external"; name: string }
  /** A host file (absolute), bind-mounted read-only as Docker Compose does without swarm. */
  | { kind: "file"; path: string };

/** One entry of a service's `secrets`: the top-level key, and how the file appears. */
export interface ServiceSecret {
  key: string;
  /** Relative: under /run/secrets/. Default: the key. */
  target?: string;
  uid?: number;
  gid?: number;
  mode?: number;
}

export interface ServiceConfig {
  name: string;
  image?: string;
  build?: BuildConfig;
  command?: string[];
  entrypoint?: string[];
  /** From `environment`; env files are merged underneath when the project is loaded. */
  environment: Record<string, string>;
  envFiles: EnvFileRef[];
  ports: PortMapping[];
  volumes: ServiceMount[];
  secrets: ServiceSecret[];
  dependsOn: Record<string, DependencyCondition>;
  healthcheck?: HealthcheckConfig;
  restart?: { policy: string; tries?: number };
  labels: Record<string, string>;
  /** Compose network key to the extra aliases on it (the service name is always one). */
  networks: Record<string, { aliases: string[] }>;
  containerName?: string;
  workingDir?: string;
  user?: string;
  hostname?: string;
  privileged?: boolean;
  tty?: boolean;
  stdinOpen?: boolean;
  init?: boolean;
  readOnly?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  extraHosts?: string[];
  stopGracePeriodSeconds?: number;
  memLimitBytes?: number;
  cpus?: number;
}

export interface NetworkConfig {
  /** The Podman network's name. */
  name: string;
  external: boolean;
  driver?: string;
  internal: boolean;
  labels: Record<string, string>;
}

export interface VolumeConfig {
  /** The Podman volume's name. */
  name: string;
  external: boolean;
  driver?: string;
  driverOpts: Record<string, string>;
  labels: Record<string, string>;
}

/** The network every service without a `networks` key joins. */
export const DEFAULT_NETWORK = "default";
