import * as z from "zod";
import { normalizeHealthcheckTest, parseDuration } from "../../podman/run-spec/healthcheck.js";
import { parseVolume, volumesToSpec } from "../../podman/run-spec/mounts.js";
import { parsePortMapping } from "../../podman/run-spec/ports.js";
import { cpusToQuota, parseMemory } from "../../podman/run-spec/resources.js";
import { type SecretUse, secretsToSpec } from "../../podman/secret-mounts.js";
import { secretEnvLabel } from "../../policy/secret-env.js";
import { listedAs } from "../listing.js";
import { secretsArgument } from "../secrets/arguments.js";
import { logArguments } from "./log-tail.js";

const portObject = z.object({
  container_port: z.number().int().min(1).max(65535),
  host_port: z.number().int().min(0).max(65535).optional(),
  host_ip: z.string().optional(),
  protocol: z.enum(["tcp", "udp", "sctp"]).optional(),
  range: z.number().int().min(1).optional(),
});

/**
 * Published ports as podman_run and podman_pod_create take them. The string
 * form says all the object form can (ranges, protocols, IPv6), so only it is
 * listed.
 */
export const portsArgument = z
  .array(listedAs(z.union([z.string(), portObject]), z.string()))
  .optional()
  .describe('Like -p: "8080:80", "127.0.0.1:8080:80/udp", "80"');

export const runArguments = z.object({
  image: z.string().min(1),
  name: z.string().min(1).optional(),
  command: z.array(z.string()).optional(),
  entrypoint: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  ports: portsArgument,
  volumes: z
    .array(z.string())
    .optional()
    .describe('"volume:/path[:ro]" or "/host/path:/path[:ro]"'),
  labels: z.record(z.string(), z.string()).optional(),
  secrets: secretsArgument,
  restart_policy: z
    .string()
    .regex(/^(no|always|unless-stopped|on-failure(:\d+)?)$/, {
      message: 'expected "no", "always", "unless-stopped", "on-failure" or "on-failure:N"',
    })
    .optional(),
  memory: z.string().optional(),
  cpus: z.number().positive().optional(),
  workdir: z.string().optional(),
  user: z.string().optional(),
  network: z.string().optional().describe('"bridge", "none", "host" or a network'),
  pod: z.string().optional(),
  healthcheck: z
    .object({
      test: z.array(z.string()).min(1).describe('["CMD", ...] or ["CMD-SHELL", "..."]'),
      interval: z.string().optional(),
      timeout: z.string().optional(),
      retries: z.number().int().min(0).optional(),
      start_period: z.string().optional(),
    })
    .optional(),
  remove: z.boolean().default(false).describe("Like --rm"),
  detach: z.boolean().default(true),
  timeout: z.number().int().min(1).max(3600).default(60).describe("With detach=false"),
  log_tail: z.number().int().min(1).default(100),
  max_bytes: logArguments.maxBytes(),
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
