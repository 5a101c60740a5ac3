import { normalizeHealthcheckTest, parseDuration } from "../podman/run-spec/healthcheck.js";
import { parseVolume } from "../podman/run-spec/mounts.js";
import { parsePortMapping, type PortMapping } from "../podman/run-spec/ports.js";
import { parseMemory } from "../podman/run-spec/resources.js";
import { isAbsolute, resolvePath, staysInside } from "./host-path.js";
import { type IssueList, type KeyPath, at, fail } from "./issues.js";
import type {
  BuildConfig,
  DependencyCondition,
  EnvFileRef,
  HealthcheckConfig,
  ServiceConfig,
  ServiceMount,
} from "./model.js";
import { readServiceSecrets } from "./secrets.js";
import { splitShellWords } from "./shell-words.js";
import {
  bool,
  integer,
  isMapping,
  keyValues,
  list,
  mapping,
  nonEmptyText,
  onlyKeys,
  text,
  textList,
} from "./values.js";

export interface ServiceContext {
  /** Absolute directory that relative paths resolve against; none for content without working_dir. */
  baseDir?: string;
  /** Variables for `KEY` entries without a value in `environment`. */
  env: Readonly<Record<string, string>>;
}

type KeyReader = (
  value: unknown,
  path: KeyPath,
  service: ServiceConfig,
  ctx: ServiceContext,
) => void;

const CONDITIONS: readonly DependencyCondition[] = [
  "service_started",
  "service_healthy",
  "service_completed_successfully",
];
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const RESTART = /^(no|always|unless-stopped|on-failure(?::(\d+))?)$/;

/** Every service key we carry out; anything else is refused by name. */
const SERVICE_KEYS: Record<string, KeyReader> = {
  image: (value, path, service) => (service.image = nonEmptyText(value, path)),
  build: (value, path, service, ctx) => (service.build = readBuild(value, path, ctx)),
  command: (value, path, service) => (service.command = readCommand(value, path)),
  entrypoint: (value, path, service) => (service.entrypoint = readCommand(value, path)),
  environment: (value, path, service, ctx) =>
    (service.environment = keyValues(value, path, (key) => ctx.env[key])),
  env_file: (value, path, service, ctx) => (service.envFiles = readEnvFiles(value, path, ctx)),
  ports: (value, path, service) =>
    (service.ports = list(value, path).map((port, index) =>
      at([...path, index], () => readPort(port, [...path, index])),
    )),
  volumes: (value, path, service, ctx) =>
    (service.volumes = list(value, path).map((mount, index) =>
      at([...path, index], () => readMount(mount, [...path, index], ctx)),
    )),
  secrets: (value, path, service) => (service.secrets = readServiceSecrets(value, path)),
  depends_on: (value, path, service) => (service.dependsOn = readDependsOn(value, path)),
  healthcheck: (value, path, service) => (service.healthcheck = readHealthcheck(value, path)),
  restart: (value, path, service) => (service.restart = readRestart(value, path)),
  labels: (value, path, service) => (service.labels = keyValues(value, path, () => "")),
  networks: (value, path, service) => (service.networks = readServiceNetworks(value, path)),
  container_name: (value, path, service) => {
    const name = nonEmptyText(value, path);
    if (!CONTAINER_NAME.test(name)) fail(path, `"${name}" is not a valid container name`);
    service.containerName = name;
  },
  working_dir: (value, path, service) => (service.workingDir = nonEmptyText(value, path)),
  user: (value, path, service) => (service.user = nonEmptyText(value, path)),
  hostname: (value, path, service) => (service.hostname = nonEmptyText(value, path)),
  privileged: (value, path, service) => (service.privileged = bool(value, path)),
  tty: (value, path, service) => (service.tty = bool(value, path)),
  stdin_open: (value, path, service) => (service.stdinOpen = bool(value, path)),
  init: (value, path, service) => (service.init = bool(value, path)),
  read_only: (value, path, service) => (service.readOnly = bool(value, path)),
  cap_add: (value, path, service) => (service.capAdd = textList(value, path)),
  cap_drop: (value, path, service) => (service.capDrop = textList(value, path)),
  extra_hosts: (value, path, service) => (service.extraHosts = readExtraHosts(value, path)),
  stop_grace_period: (value, path, service) =>
    (service.stopGracePeriodSeconds = Math.ceil(parseDuration(text(value, path)) / 1e9)),
  mem_limit: (value, path, service) =>
    (service.memLimitBytes = parseMemory(typeof value === "number" ? value : text(value, path))),
  cpus: (value, path, service) => {
    const cpus = Number(text(value, path));
    if (!(cpus > 0)) fail(path, `must be a number greater than 0, not ${JSON.stringify(value)}`);
    service.cpus = cpus;
  },
};
export const SUPPORTED_SERVICE_KEYS = Object.keys(SERVICE_KEYS);

export function readService(
  name: string,
  raw: unknown,
  path: KeyPath,
  ctx: ServiceContext,
  issues: IssueList,
): ServiceConfig {
  const service: ServiceConfig = {
    name,
    environment: {},
    envFiles: [],
    ports: [],
    volumes: [],
    secrets: [],
    dependsOn: {},
    labels: {},
    networks: {},
  };
  const body = issues.collect(path, () => mapping(raw ?? {}, path));
  if (!body) return service;
  for (const [key, value] of Object.entries(body)) {
    if (key.startsWith("x-")) continue;
    const read = SERVICE_KEYS[key];
    if (!read) {
      issues.add(
        path,
        `unsupported key "${key}" (supported: ${SUPPORTED_SERVICE_KEYS.join(", ")})`,
        [...path, key],
      );
      continue;
    }
    if (value === null) continue;
    issues.collect([...path, key], () => read(value, [...path, key], service, ctx));
  }
  if (!service.image && !service.build) issues.add(path, "needs an `image` or a `build` section");
  return service;
}

function hostPath(path: string, at: KeyPath, ctx: ServiceContext, what: string): string {
  if (path.startsWith("~"))
    fail(at, `${what} "${path}": "~" is not supported, use an absolute path`);
  if (isAbsolute(path)) return resolvePath("/", path);
  if (ctx.baseDir === undefined) {
    fail(
      at,
      `${what} "${path}" is relative: give the compose \`file\`, or \`working_dir\` with \`content\``,
    );
  }
  return resolvePath(ctx.baseDir, path);
}

function readBuild(value: unknown, path: KeyPath, ctx: ServiceContext): BuildConfig {
  const body = typeof value === "string" ? { context: value } : mapping(value, path);
  onlyKeys(body, path, ["context", "dockerfile", "args", "target"]);
  const context =
    body.context === undefined ? "." : nonEmptyText(body.context, [...path, "context"]);
  if (/^[a-z]+:\/\/|^git@/.test(context)) {
    fail([...path, "context"], `remote build contexts ("${context}") are not supported`);
  }
  const build: BuildConfig = {
    context: hostPath(context, [...path, "context"], ctx, "build context"),
    args:
      body.args === undefined ? {} : keyValues(body.args, [...path, "args"], (key) => ctx.env[key]),
  };
  if (body.dockerfile !== undefined) {
    const dockerfile = nonEmptyText(body.dockerfile, [...path, "dockerfile"]);
    if (!staysInside(dockerfile)) {
      fail([...path, "dockerfile"], `"${dockerfile}" must be a relative path inside the context`);
    }
    build.dockerfile = dockerfile;
  }
  if (body.target !== undefined) build.target = nonEmptyText(body.target, [...path, "target"]);
  return build;
}

/** A string is split into words like compose does; a list is taken as is. */
function readCommand(value: unknown, path: KeyPath): string[] {
  if (typeof value === "string") return splitShellWords(value);
  return textList(value, path);
}

function readEnvFiles(value: unknown, path: KeyPath, ctx: ServiceContext): EnvFileRef[] {
  const entries = typeof value === "string" ? [value] : list(value, path);
  return entries.map((entry, index): EnvFileRef => {
    const at = [...path, index];
    if (typeof entry === "string")
      return { path: hostPath(entry, at, ctx, "env_file"), required: true };
    const body = mapping(entry, at);
    onlyKeys(body, at, ["path", "required"]);
    return {
      path: hostPath(nonEmptyText(body.path, [...at, "path"]), [...at, "path"], ctx, "env_file"),
      required: body.required === undefined ? true : bool(body.required, [...at, "required"]),
    };
  });
}

function readPort(value: unknown, path: KeyPath): PortMapping {
  if (typeof value === "string" || typeof value === "number") return parsePortMapping(value);
  const body = mapping(value, path);
  onlyKeys(body, path, ["target", "published", "host_ip", "protocol"]);
  if (body.target === undefined) fail(path, "needs a `target` port");
  const published =
    body.published === undefined ? undefined : text(body.published, [...path, "published"]);
  if (published !== undefined && !/^\d+$/.test(published)) {
    fail([...path, "published"], `must be one port number, not "${published}"`);
  }
  return parsePortMapping({
    container_port: integer(body.target, [...path, "target"], 1),
    ...(published === undefined ? {} : { host_port: Number(published) }),
    ...(body.host_ip === undefined ? {} : { host_ip: text(body.host_ip, [...path, "host_ip"]) }),
    ...(body.protocol === undefined
      ? {}
      : { protocol: text(body.protocol, [...path, "protocol"]) }),
  });
}

function readMount(value: unknown, path: KeyPath, ctx: ServiceContext): ServiceMount {
  if (typeof value === "string") return readShortMount(value, path, ctx);
  const body = mapping(value, path);
  onlyKeys(body, path, ["type", "source", "target", "read_only"]);
  const type = text(body.type, [...path, "type"]);
  const target = nonEmptyText(body.target, [...path, "target"]);
  if (!isAbsolute(target)) fail([...path, "target"], `"${target}" must be an absolute path`);
  const options =
    body.read_only !== undefined && bool(body.read_only, [...path, "read_only"]) ? ["ro"] : [];
  if (type === "bind") {
    if (body.source === undefined) fail(path, "a bind mount needs a `source`");
    const source = hostPath(
      text(body.source, [...path, "source"]),
      [...path, "source"],
      ctx,
      "bind source",
    );
    return { type: "bind", source, target, options };
  }
  if (type === "volume") {
    if (body.source === undefined) return { type: "volume", target, options };
    const source = nonEmptyText(body.source, [...path, "source"]);
    parseVolume(`${source}:${target}`);
    return { type: "volume", source, target, options };
  }
  return fail([...path, "type"], `"${type}" is not supported (supported: volume, bind)`);
}

/** "name:/path[:opts]" is a named volume; "./rel", "../rel" and "/abs" sources are bind mounts. */
function readShortMount(value: string, path: KeyPath, ctx: ServiceContext): ServiceMount {
  const [source, ...rest] = value.split(":");
  if (source !== undefined && /^[.~/]/.test(source) && rest[0]?.startsWith("/")) {
    const absolute = hostPath(source, path, ctx, "bind source");
    const parsed = parseVolume([absolute, ...rest].join(":"));
    if (parsed.kind !== "bind") return fail(path, `"${value}" is not a bind mount`);
    return {
      type: "bind",
      source: parsed.source,
      target: parsed.destination,
      options: parsed.options,
    };
  }
  const parsed = parseVolume(value);
  if (parsed.kind !== "named") return fail(path, `"${value}" is not a volume`);
  return {
    type: "volume",
    ...(parsed.name ? { source: parsed.name } : {}),
    target: parsed.dest,
    options: parsed.options,
  };
}

function readDependsOn(value: unknown, path: KeyPath): Record<string, DependencyCondition> {
  const result: Record<string, DependencyCondition> = {};
  if (Array.isArray(value)) {
    value.forEach(
      (name, index) => (result[nonEmptyText(name, [...path, index])] = "service_started"),
    );
    return result;
  }
  for (const [name, entry] of Object.entries(mapping(value, path))) {
    const at = [...path, name];
    const body = entry === null ? {} : mapping(entry, at);
    onlyKeys(body, at, ["condition"]);
    const condition =
      body.condition === undefined ? "service_started" : text(body.condition, [...at, "condition"]);
    if (!(CONDITIONS as readonly string[]).includes(condition)) {
      fail([...at, "condition"], `"${condition}" is not one of ${CONDITIONS.join(", ")}`);
    }
    result[name] = condition as DependencyCondition;
  }
  return result;
}

function readHealthcheck(value: unknown, path: KeyPath): HealthcheckConfig {
  const body = mapping(value, path);
  onlyKeys(body, path, ["test", "interval", "timeout", "retries", "start_period", "disable"]);
  if (body.disable !== undefined && bool(body.disable, [...path, "disable"]))
    return { test: ["NONE"] };
  if (body.test === undefined) fail(path, "needs a `test` (or `disable: true`)");
  // A string test runs through the shell, as in compose.
  const test =
    typeof body.test === "string"
      ? ["CMD-SHELL", nonEmptyText(body.test, [...path, "test"])]
      : normalizeHealthcheckTest(textList(body.test, [...path, "test"]));
  const check: HealthcheckConfig = { test };
  const duration = (key: string) =>
    at([...path, key], () => parseDuration(text(body[key], [...path, key])));
  if (body.interval !== undefined) check.interval = duration("interval");
  if (body.timeout !== undefined) check.timeout = duration("timeout");
  if (body.start_period !== undefined) check.startPeriod = duration("start_period");
  if (body.retries !== undefined) check.retries = integer(body.retries, [...path, "retries"]);
  return check;
}

function readRestart(value: unknown, path: KeyPath): { policy: string; tries?: number } {
  const policy = text(value, path);
  const match = RESTART.exec(policy);
  if (!match) {
    fail(path, `"${policy}" is not one of no, always, unless-stopped, on-failure, on-failure:N`);
  }
  if (match[2] !== undefined) return { policy: "on-failure", tries: Number(match[2]) };
  return { policy };
}

function readServiceNetworks(value: unknown, path: KeyPath): Record<string, { aliases: string[] }> {
  const result: Record<string, { aliases: string[] }> = {};
  if (Array.isArray(value)) {
    value.forEach(
      (name, index) => (result[nonEmptyText(name, [...path, index])] = { aliases: [] }),
    );
    return result;
  }
  for (const [name, entry] of Object.entries(mapping(value, path))) {
    const at = [...path, name];
    const body = entry === null ? {} : mapping(entry, at);
    onlyKeys(body, at, ["aliases"]);
    result[name] = {
      aliases: body.aliases === undefined ? [] : textList(body.aliases, [...at, "aliases"]),
    };
  }
  return result;
}

/** "host:ip" or "host=ip" entries, or a mapping host → ip; Podman takes "host:ip". */
function readExtraHosts(value: unknown, path: KeyPath): string[] {
  if (isMapping(value)) {
    return Object.entries(value).map(([host, ip]) => `${host}:${text(ip, [...path, host])}`);
  }
  return textList(value, path).map((entry) => entry.replace("=", ":"));
}
