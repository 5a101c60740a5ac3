import { BadArgument } from "../errors.js";
import { basename } from "./host-path.js";
import { interpolateTree } from "./interpolate.js";
import { IssueList, type KeyPath, fail } from "./issues.js";
import {
  type ComposeProject,
  DEFAULT_NETWORK,
  type NetworkConfig,
  type ServiceConfig,
  type VolumeConfig,
} from "./model.js";
import { checkProjectName, networkNameFor, normalizeProjectName, volumeNameFor } from "./names.js";
import { readSecret } from "./secrets.js";
import { readService } from "./service.js";
import { bool, isMapping, keyValues, mapping, nonEmptyText, onlyKeys } from "./values.js";
import { readComposeYaml } from "./yaml-source.js";

export interface ParseOptions {
  /** Absolute directory relative paths resolve against (the file's, or working_dir). */
  baseDir?: string;
  /** The compose file's path, recorded in a label. */
  configFile?: string;
  /** An explicit project name: it wins over the file's `name` and the directory. */
  projectName?: string;
  /** Variables for interpolation and for value-less `environment` entries. */
  env?: Readonly<Record<string, string>>;
}

const TOP_LEVEL_KEYS = ["version", "name", "services", "networks", "volumes", "secrets"];
const SERVICE_NAME = /^[a-zA-Z0-9._-]+$/;

/**
 * Reads and validates a compose file without touching Podman: every problem
 * (unsupported key, bad value, unknown reference) is reported at once, with its line.
 */
export function parseCompose(yamlText: string, options: ParseOptions = {}): ComposeProject {
  const source = readComposeYaml(yamlText);
  const issues = new IssueList(source.lineOf);
  const env = options.env ?? {};
  const data = issues.collect([], () => interpolateTree(source.data, env)) as
    Record<string, unknown> | undefined;
  issues.throwIfAny();
  const top = data!;

  for (const key of Object.keys(top)) {
    if (!TOP_LEVEL_KEYS.includes(key) && !key.startsWith("x-")) {
      issues.add(
        [],
        `unsupported top-level key "${key}" (supported: ${TOP_LEVEL_KEYS.join(", ")})`,
        [key],
      );
    }
  }
  const name = projectNameOf(top, options);

  const services: ServiceConfig[] = [];
  const rawServices = issues.collect(["services"], () => mapping(top.services, ["services"]));
  if (rawServices && Object.keys(rawServices).length === 0) {
    issues.add(["services"], "the file defines no services");
  }
  for (const [serviceName, raw] of Object.entries(rawServices ?? {})) {
    if (!SERVICE_NAME.test(serviceName)) {
      issues.add(
        ["services", serviceName],
        "the name may only hold letters, digits, '.', '_' and '-'",
      );
    }
    const ctx = { baseDir: options.baseDir, env };
    services.push(readService(serviceName, raw, ["services", serviceName], ctx, issues));
  }

  const networks = readTopLevel(top.networks, "networks", issues, (raw, path, key) =>
    readNetwork(raw, path, key, name),
  );
  const volumes = readTopLevel(top.volumes, "volumes", issues, (raw, path, key) =>
    readVolume(raw, path, key, name),
  );
  const secrets = readTopLevel(top.secrets, "secrets", issues, (raw, path, key) =>
    readSecret(raw, path, key, options.baseDir),
  );
  checkReferences(services, networks, volumes, issues);
  checkSecretReferences(services, isMapping(top.secrets) ? top.secrets : {}, issues);
  if (services.some((service) => Object.keys(service.networks).length === 0)) {
    networks[DEFAULT_NETWORK] ??= defaultNetwork(name);
  }
  issues.throwIfAny();
  for (const service of services) {
    if (Object.keys(service.networks).length === 0)
      service.networks[DEFAULT_NETWORK] = { aliases: [] };
  }
  return {
    name,
    ...(options.baseDir ? { workingDir: options.baseDir } : {}),
    ...(options.configFile ? { configFile: options.configFile } : {}),
    services,
    networks,
    volumes,
    secrets,
  };
}

/** Compose's order: the explicit name, the file's `name`, then the directory's name. */
function projectNameOf(top: Record<string, unknown>, options: ParseOptions): string {
  if (options.projectName !== undefined) return checkProjectName(options.projectName);
  if (top.name !== undefined && top.name !== null) return checkProjectName(String(top.name));
  if (options.baseDir !== undefined) {
    const derived = normalizeProjectName(basename(options.baseDir));
    if (derived !== "") return derived;
  }
  throw new BadArgument(
    "No project name: pass project_name, or give the file a top-level `name`, " +
      "or pass `working_dir` with `content`",
  );
}

function readTopLevel<T>(
  raw: unknown,
  key: string,
  issues: IssueList,
  read: (raw: unknown, path: KeyPath, key: string) => T,
): Record<string, T> {
  const result: Record<string, T> = {};
  if (raw === undefined || raw === null) return result;
  const entries = issues.collect([key], () => mapping(raw, [key])) ?? {};
  for (const [name, body] of Object.entries(entries)) {
    const value = issues.collect([key, name], () => read(body, [key, name], name));
    if (value !== undefined) result[name] = value;
  }
  return result;
}

/** `external: true`, or the legacy `external: {name: ...}`. */
function readExternal(
  body: Record<string, unknown>,
  path: KeyPath,
): { external: boolean; name?: string } {
  const value = body.external;
  if (value === undefined) return { external: false };
  if (typeof value === "boolean") return { external: value };
  const legacy = mapping(value, [...path, "external"]);
  onlyKeys(legacy, [...path, "external"], ["name"]);
  return { external: true, name: nonEmptyText(legacy.name, [...path, "external", "name"]) };
}

function readNetwork(raw: unknown, path: KeyPath, key: string, project: string): NetworkConfig {
  const body = raw === null ? {} : mapping(raw, path);
  onlyKeys(body, path, ["name", "driver", "internal", "labels", "external"]);
  const external = readExternal(body, path);
  const explicit =
    body.name === undefined ? external.name : nonEmptyText(body.name, [...path, "name"]);
  if (external.external) {
    for (const other of ["driver", "internal", "labels"]) {
      if (body[other] !== undefined)
        fail(path, `an external network cannot set "${other}"`, [...path, other]);
    }
  }
  return {
    name: explicit ?? (external.external ? key : networkNameFor(project, key)),
    external: external.external,
    ...(body.driver === undefined
      ? {}
      : { driver: nonEmptyText(body.driver, [...path, "driver"]) }),
    internal: body.internal === undefined ? false : bool(body.internal, [...path, "internal"]),
    labels: body.labels === undefined ? {} : keyValues(body.labels, [...path, "labels"], () => ""),
  };
}

function defaultNetwork(project: string): NetworkConfig {
  return {
    name: networkNameFor(project, DEFAULT_NETWORK),
    external: false,
    internal: false,
    labels: {},
  };
}

function readVolume(raw: unknown, path: KeyPath, key: string, project: string): VolumeConfig {
  const body = raw === null ? {} : mapping(raw, path);
  onlyKeys(body, path, ["name", "driver", "driver_opts", "labels", "external"]);
  const external = readExternal(body, path);
  const explicit =
    body.name === undefined ? external.name : nonEmptyText(body.name, [...path, "name"]);
  if (external.external) {
    for (const other of ["driver", "driver_opts", "labels"]) {
      if (body[other] !== undefined)
        fail(path, `an external volume cannot set "${other}"`, [...path, other]);
    }
  }
  return {
    name: explicit ?? (external.external ? key : volumeNameFor(project, key)),
    external: external.external,
    ...(body.driver === undefined
      ? {}
      : { driver: nonEmptyText(body.driver, [...path, "driver"]) }),
    driverOpts:
      body.driver_opts === undefined ? {} : keyValues(body.driver_opts, [...path, "driver_opts"]),
    labels: body.labels === undefined ? {} : keyValues(body.labels, [...path, "labels"], () => ""),
  };
}

/** depends_on, networks and named volumes must name things the file defines. */
function checkReferences(
  services: ServiceConfig[],
  networks: Record<string, NetworkConfig>,
  volumes: Record<string, VolumeConfig>,
  issues: IssueList,
): void {
  const serviceNames = new Set(services.map((service) => service.name));
  for (const service of services) {
    const path = ["services", service.name];
    for (const dependency of Object.keys(service.dependsOn)) {
      if (dependency === service.name) {
        issues.add([...path, "depends_on"], "a service cannot depend on itself");
      } else if (!serviceNames.has(dependency)) {
        issues.add(
          [...path, "depends_on"],
          `depends on "${dependency}", which is not a service of this file`,
        );
      }
    }
    for (const network of Object.keys(service.networks)) {
      if (network !== DEFAULT_NETWORK && !(network in networks)) {
        issues.add(
          [...path, "networks"],
          `network "${network}" is not defined under the top-level \`networks\``,
        );
      }
    }
    for (const mount of service.volumes) {
      if (mount.type === "volume" && mount.source !== undefined && !(mount.source in volumes)) {
        issues.add(
          [...path, "volumes"],
          `volume "${mount.source}" is not defined under the top-level \`volumes\``,
        );
      }
    }
  }
}

/** Against the keys as written: a secret refused for its own reason is not also "not defined". */
function checkSecretReferences(
  services: ServiceConfig[],
  secrets: Record<string, unknown>,
  issues: IssueList,
): void {
  for (const service of services) {
    for (const { key } of service.secrets) {
      if (!(key in secrets)) {
        issues.add(
          ["services", service.name, "secrets"],
          `secret "${key}" is not defined under the top-level \`secrets\``,
        );
      }
    }
  }
}
