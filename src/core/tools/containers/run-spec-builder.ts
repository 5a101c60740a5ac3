import * as z from "zod";
import { normalizeHealthcheckTest, parseDuration } from "../../podman/run-spec/healthcheck.js";
import { parseVolume, volumesToSpec } from "../../podman/run-spec/mounts.js";
import { parsePortMapping } from "../../podman/run-spec/ports.js";
import { cpusToQuota, parseMemory } from "../../podman/run-spec/resources.js";
import { type SecretUse, secretsToSpec } from "../../podman/secret-mounts.js";
import { secretEnvLabel } from "../../policy/secret-env.js";
import { secretsArgument } from "../secrets/arguments.js";
import { logArguments } from "./log-tail.js";

const portObject = z.object({
  container_port: z.number().int().min(1).max(65535),
  host_port: z.number().int().min(0).max(65535).optional().describe("Omit to let Podman choose"),
  host_ip: z.string().optional().describe("Bind address, e.g. 127.0.0.1"),
  protocol: z.enum(["tcp", "udp", "sctp"]).optional(),
  range: z.number().int().min(1).optional(),
});

/** Published ports as podman_run and podman_pod_create take them. */
export const portsArgument = z
  .array(z.union([z.string(), portObject]))
  .optional()
  .describe(
    'Published ports: "8080:80", "127.0.0.1:8080:80/udp", "80" (host port chosen by Podman) ' +
      "or objects {container_port, host_port, host_ip, protocol}",
  );

export const runArguments = z.object({
  image: z
    .string()
    .min(1)
    .describe('Image reference, e.g. "docker.io/library/nginx:1.27" or a local image name'),
  name: z.string().min(1).optional().describe("Container name (must be unused)"),
  command: z.array(z.string()).optional().describe('Command and arguments, e.g. ["sleep", "60"]'),
  entrypoint: z.array(z.string()).optional().describe("Replace the image's entrypoint"),
  env: z.record(z.string(), z.string()).optional().describe('Environment, e.g. {"PORT": "8080"}'),
  ports: portsArgument,
  volumes: z
    .array(z.string())
    .optional()
    .describe(
      'Volumes: "name:/path[:ro]" (named volume: one mcp-podman created, or a new one it ' +
        'creates now) or "/host/path:/path[:ro]" (bind mount, only below the host directories ' +
        "the server allows)",
    ),
  labels: z.record(z.string(), z.string()).optional(),
  secrets: secretsArgument,
  restart_policy: z
    .string()
    .regex(/^(no|always|unless-stopped|on-failure(:\d+)?)$/, {
      message: 'expected "no", "always", "unless-stopped", "on-failure" or "on-failure:N"',
    })
    .optional()
    .describe('"no", "always", "unless-stopped", "on-failure" or "on-failure:N"'),
  memory: z.string().optional().describe('Memory limit, e.g. "256m" or "1g"'),
  cpus: z.number().positive().optional().describe("CPU limit, e.g. 0.5 or 2"),
  workdir: z.string().optional().describe("Working directory inside the container"),
  user: z.string().optional().describe('User (and group) to run as, e.g. "1000:1000"'),
  network: z
    .string()
    .optional()
    .describe('"bridge" (default), "none", "host", or the name of a Podman network'),
  pod: z.string().optional().describe("Put the container in this existing pod"),
  healthcheck: z
    .object({
      test: z
        .array(z.string())
        .min(1)
        .describe('e.g. ["CMD", "wget", "-q", "-O-", "http://localhost/"] or ["CMD-SHELL", "..."]'),
      interval: z.string().optional().describe('e.g. "30s"'),
      timeout: z.string().optional().describe('e.g. "5s"'),
      retries: z.number().int().min(0).optional(),
      start_period: z.string().optional().describe('e.g. "10s"'),
    })
    .optional(),
  remove: z.boolean().default(false).describe("Remove the container once it exits"),
  detach: z
    .boolean()
    .default(true)
    .describe("true: answer once started; false: wait for it to exit and answer its logs"),
  timeout: z
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(60)
    .describe("With detach=false: seconds to wait for the exit before answering anyway"),
  log_tail: z.number().int().min(1).default(100).describe("With detach=false: log lines to return"),
  max_bytes: logArguments.maxBytes("With detach=false: the most log bytes to return"),
});

export type RunArguments = z.output<typeof runArguments>;

/** Turns the CLI-shaped arguments into libpod's SpecGenerator. */
export function buildRunSpec(args: RunArguments): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    image: args.image,
    // With detach=false we remove the container ourselves, after reading its logs.
    remove: args.remove && args.detach,
  };
  if (args.name) spec.name = args.name;
  if (args.command) spec.command = args.command;
  if (args.entrypoint) spec.entrypoint = args.entrypoint;
  if (args.env) spec.env = args.env;
  if (args.labels) spec.labels = args.labels;
  if (args.workdir) spec.work_dir = args.workdir;
  if (args.user) spec.user = args.user;
  if (args.pod) spec.pod = args.pod;
  if (args.ports?.length) spec.portmappings = args.ports.map((p) => parsePortMapping(p));
  if (args.volumes?.length) Object.assign(spec, volumesToSpec(args.volumes.map(parseVolume)));
  if (args.restart_policy) Object.assign(spec, restartSpec(args.restart_policy));
  if (args.memory || args.cpus) spec.resource_limits = resourceLimits(args);
  if (args.network) Object.assign(spec, networkSpec(args.network));
  if (args.healthcheck) spec.healthconfig = healthConfig(args.healthcheck);
  if (args.secrets?.length) {
    const { secrets, secret_env } = secretsToSpec(args.secrets.map(secretUse));
    Object.assign(spec, secrets && { secrets }, secret_env && { secret_env });
    // After the caller's labels: they cannot unset what tells masking to hide these variables.
    spec.labels = { ...args.labels, ...secretEnvLabel(Object.keys(secret_env ?? {})) };
  }
  return spec;
}

/** The named volumes a spec mounts (anonymous ones have no name and are the container's own). */
export function namedVolumesOf(spec: Record<string, unknown>): string[] {
  const volumes = (spec.volumes ?? []) as { Name?: string }[];
  return volumes.flatMap((volume) => (volume.Name ? [volume.Name] : []));
}

const secretUse = (use: NonNullable<RunArguments["secrets"]>[number]): SecretUse =>
  typeof use === "string" ? { name: use } : use;

function restartSpec(policy: string) {
  const [name, tries] = policy.split(":");
  return { restart_policy: name, ...(tries ? { restart_tries: Number(tries) } : {}) };
}

function resourceLimits(args: RunArguments) {
  const limits: Record<string, unknown> = {};
  if (args.memory) limits.memory = { limit: parseMemory(args.memory as string) };
  if (args.cpus) limits.cpu = cpusToQuota(args.cpus as number);
  return limits;
}

function networkSpec(network: string) {
  if (network === "host" || network === "none" || network === "bridge") {
    return { netns: { nsmode: network === "none" ? "none" : network } };
  }
  if (network.startsWith("container:")) {
    return { netns: { nsmode: "container", value: network.slice("container:".length) } };
  }
  return { netns: { nsmode: "bridge" }, Networks: { [network]: {} } };
}

/** libpod takes 0 for what the spec leaves out, and a 0s timeout fails every check: use the CLI's defaults. */
function healthConfig(check: NonNullable<RunArguments["healthcheck"]>) {
  const config: Record<string, unknown> = {
    Test: normalizeHealthcheckTest(check.test),
    Interval: parseDuration(check.interval ?? "30s"),
    Timeout: parseDuration(check.timeout ?? "30s"),
    Retries: check.retries ?? 3,
  };
  if (check.start_period) config.StartPeriod = parseDuration(check.start_period);
  return config;
}
