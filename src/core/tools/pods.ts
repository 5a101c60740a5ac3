import { z } from "zod";
import { BadArgument, NotFound, PodmanRejected } from "../errors.js";
import {
  type PodInspect,
  buildPodSpec,
  createPod,
  inspectPod,
  listContainersById,
  listPods,
  readPodLogs,
  removeHalfMadePod,
  removePod,
  startPod,
  stopPod,
} from "../podman/pods.js";
import {
  DEFAULT_GREP_SCAN_LINES,
  DEFAULT_MAX_LOG_BYTES,
  logResult,
  renderLogs,
} from "./containers/log-tail.js";
import { formatPort, shortId } from "./containers/summary.js";
import { projectFields } from "./projection.js";
import { type ToolContext, defineTool } from "./tool.js";

const podName = z.string().min(1).describe("Pod name or id (a unique id prefix works too)");

const portObject = z.object({
  container_port: z.number().int().min(1).max(65535),
  host_port: z.number().int().min(0).max(65535).optional().describe("Omit to let Podman choose"),
  host_ip: z.string().optional().describe("Bind address, e.g. 127.0.0.1"),
  protocol: z.enum(["tcp", "udp", "sctp"]).optional(),
  range: z.number().int().min(1).optional(),
});

const stopTimeout = (minimum: number) =>
  z
    .number()
    .int()
    .min(minimum)
    .max(3600)
    .optional()
    .describe(
      "Seconds each container gets to stop gracefully before it is killed (default: its own, usually 10)",
    );

const annotations = (readOnly: boolean, destructive: boolean, idempotent: boolean) => ({
  readOnlyHint: readOnly,
  destructiveHint: destructive,
  idempotentHint: idempotent,
  openWorldHint: false,
});

/** "127.0.0.1:8080->80/tcp", from the infra container's port bindings. */
function publishedPorts(pod: PodInspect): string[] {
  const ports: string[] = [];
  for (const [containerPort, bindings] of Object.entries(pod.InfraConfig?.PortBindings ?? {})) {
    for (const binding of bindings ?? []) {
      const host = binding.HostIp && binding.HostIp !== "0.0.0.0" ? `${binding.HostIp}:` : "";
      ports.push(`${host}${binding.HostPort}->${containerPort}`);
    }
  }
  return ports;
}

/** The pod's own containers, without the infra container that only holds its namespaces. */
function memberContainers(pod: PodInspect) {
  return (pod.Containers ?? []).filter((c) => c.Id !== pod.InfraContainerID);
}

export const podmanPodCreate = defineTool({
  name: "podman_pod_create",
  title: "Create a pod",
  description:
    "Create a pod: a group of containers sharing network (one IP, localhost between them), IPC " +
    "and UTS namespaces. Ports are published on the pod, not on its containers: give them here, " +
    "then add containers with podman_run pod=<name>. The pod starts with its first container. " +
    "Answers its short id, name and published ports.",
  input: z.object({
    name: z.string().min(1).describe("Pod name (must be unused)"),
    ports: z
      .array(z.union([z.string(), portObject]))
      .optional()
      .describe(
        'Published ports: "8080:80", "127.0.0.1:8080:80/udp", "80" (host port chosen by Podman) ' +
          "or objects {container_port, host_port, host_ip, protocol}",
      ),
    labels: z.record(z.string(), z.string()).optional(),
    network: z
      .string()
      .optional()
      .describe('"bridge" (default), "none", "host", or Podman network names, comma-separated'),
    share: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe(
        'Namespaces the containers share: "net,ipc,uts" (the default), a list, or "none"; ' +
          "choose among cgroup, ipc, net, pid, uts",
      ),
    hostname: z.string().optional().describe("Hostname of the pod's containers"),
  }),
  output: z.object({
    id: z.string(),
    name: z.string(),
    state: z.string(),
    ports: z.array(z.string()).describe('Published ports as "HOST_IP:HOST_PORT->CONTAINER/PROTO"'),
  }),
  annotations: annotations(false, false, false),
  async handle(ctx, args) {
    const spec = buildPodSpec(args);
    try {
      await createPod(ctx.podman, spec, ctx.signal);
    } catch (error) {
      // Not after a timeout (creation may still be under way) nor a name conflict (not ours).
      if (error instanceof PodmanRejected || error instanceof NotFound) {
        await removeHalfMadePod(ctx.podman, args.name, AbortSignal.timeout(10_000)).catch(
          () => undefined,
        );
      }
      throw error;
    }
    const pod = await inspectPod(ctx.podman, args.name, ctx.signal);
    return { id: shortId(pod.Id), name: pod.Name, state: pod.State, ports: publishedPorts(pod) };
  },
  render(result) {
    const ports = result.ports.length ? `, ports ${result.ports.join(", ")}` : "";
    return `Pod ${result.name} (${result.id}) created${ports}. Add containers with podman_run pod=${result.name}.`;
  },
});

const podSummary = z.object({
  id: z.string().describe("Short (12 character) pod id"),
  name: z.string(),
  status: z.string().describe("Created, Running, Degraded (some containers stopped), Exited, ..."),
  containers: z.number().int().describe("Containers in the pod, the infra container not counted"),
  infra_id: z
    .string()
    .optional()
    .describe("Short id of the infra container holding the namespaces"),
  ports: z.array(z.string()).describe('Published ports as "HOST->CONTAINER/PROTO"'),
  created: z.string().describe("Creation time, RFC 3339"),
});

export const podmanPodPs = defineTool({
  name: "podman_pod_ps",
  title: "List pods",
  description:
    "List pods as a compact table: short id, name, status, number of containers (the infra " +
    "container not counted), published ports, created. Use podman_ps with filters.pod for " +
    "the containers of one pod, podman_pod_inspect for its details.",
  input: z.object({
    filters: z
      .object({
        name: z.string().optional().describe("Only pods whose name matches (regex)"),
        label: z
          .array(z.string())
          .optional()
          .describe('Only pods with all these labels: "key" or "key=value"'),
        status: z
          .enum(["created", "running", "stopped", "exited", "paused", "dead", "degraded"])
          .optional(),
        id: z.string().optional().describe("Only the pod with this id (or id prefix)"),
      })
      .optional(),
  }),
  output: z.object({ pods: z.array(podSummary), count: z.number().int() }),
  annotations: annotations(true, false, true),
  async handle(ctx, args) {
    const listed = (await listPods(ctx.podman, args.filters, ctx.signal)) ?? [];
    const infraIds = listed.map((pod) => pod.InfraId).filter((id): id is string => !!id);
    const infras = await listContainersById(ctx.podman, infraIds, ctx.signal);
    const portsByInfra = new Map(infras.map((c) => [c.Id, (c.Ports ?? []).map(formatPort)]));
    const pods = listed.map((pod) => ({
      id: shortId(pod.Id),
      name: pod.Name,
      status: pod.Status,
      containers: (pod.Containers ?? []).filter((c) => c.Id !== pod.InfraId).length,
      ...(pod.InfraId ? { infra_id: shortId(pod.InfraId) } : {}),
      ports: (pod.InfraId && portsByInfra.get(pod.InfraId)) || [],
      created: pod.Created,
    }));
    return { pods, count: pods.length };
  },
  render({ pods }) {
    if (pods.length === 0) return "No pods.";
    return pods
      .map((p) => {
        const count = `${p.containers} container${p.containers === 1 ? "" : "s"}`;
        const infra = p.infra_id ? " (+infra)" : "";
        const ports = p.ports.length ? ` ${p.ports.join(",")}` : "";
        return `${p.id} ${p.name} ${p.status} ${count}${infra}${ports}`;
      })
      .join("\n");
  },
});

export const podmanPodInspect = defineTool({
  name: "podman_pod_inspect",
  title: "Inspect a pod",
  description:
    "Podman's inspect document of one pod, or only the `fields` you name as dotted paths " +
    '(e.g. ["State", "Containers", "InfraConfig.PortBindings", "SharedNamespaces"]). PREFER fields.',
  input: z.object({
    name: podName,
    fields: z
      .array(z.string().min(1))
      .optional()
      .describe('Dotted paths to return instead of the whole document, e.g. "State"'),
  }),
  output: z.object({
    id: z.string(),
    name: z.string(),
    inspect: z
      .record(z.string(), z.unknown())
      .describe("The document, or a map from each requested path to its value"),
    missing: z.array(z.string()).optional().describe("Requested paths that do not exist"),
  }),
  annotations: annotations(true, false, true),
  async handle(ctx, { name, fields }) {
    const document = await inspectPod(ctx.podman, name, ctx.signal);
    if (!fields?.length) return { id: document.Id, name: document.Name, inspect: document };
    const { values, missing } = projectFields(document, fields);
    return {
      id: document.Id,
      name: document.Name,
      inspect: values,
      ...(missing.length ? { missing } : {}),
    };
  },
  render({ inspect, missing }) {
    const note = missing?.length ? `\n(no such field: ${missing.join(", ")})` : "";
    return JSON.stringify(inspect) + note;
  },
});

const podState = z.object({
  id: z.string(),
  name: z.string(),
  state: z.string().describe("Running, Degraded (some containers not running), Exited, ..."),
  containers: z.array(z.string()).describe('Each container as "name: state", infra excluded'),
  changed: z.boolean().describe("false when the pod already was in the wanted state"),
  message: z.string(),
});

/** Where the pod ended up, so an agent sees a container that exited right after start. */
async function describePod(ctx: ToolContext, nameOrId: string, changed: boolean, verb: string) {
  const pod = await inspectPod(ctx.podman, nameOrId, ctx.signal);
  const members = memberContainers(pod);
  const already = verb === "stopped" ? `stopped (${pod.State})` : pod.State;
  let message = changed
    ? `Pod ${pod.Name} ${verb}; it is ${pod.State}.`
    : `Pod ${pod.Name} was already ${already}.`;
  const down = members.filter((c) => c.State !== "running").map((c) => c.Name);
  if (verb !== "stopped" && down.length) {
    message += ` Not running: ${down.join(", ")}; read podman_pod_logs for why.`;
  }
  if (members.length === 0)
    message += ` It has no containers yet: add them with podman_run pod=${pod.Name}.`;
  return {
    id: shortId(pod.Id),
    name: pod.Name,
    state: pod.State,
    containers: members.map((c) => `${c.Name}: ${c.State}`),
    changed,
    message,
  };
}

export const podmanPodStart = defineTool({
  name: "podman_pod_start",
  title: "Start a pod",
  description:
    "Start all containers of a pod. Starting a running pod is not an error. Answers the pod's " +
    "state and each container's; a container that could not start makes it fail with Podman's reason.",
  input: z.object({ name: podName }),
  output: podState,
  annotations: annotations(false, false, true),
  async handle(ctx, { name }) {
    const change = await startPod(ctx.podman, name, ctx.signal);
    return describePod(ctx, name, change === "changed", "started");
  },
  render: (result) => result.message,
});

export const podmanPodStop = defineTool({
  name: "podman_pod_stop",
  title: "Stop a pod",
  description:
    "Stop all containers of a pod (SIGTERM, then SIGKILL after `timeout` seconds). Stopping a " +
    "stopped pod is not an error: the answer says it was already stopped.",
  // libpod's pod stop reads t=0 as "not given".
  input: z.object({ name: podName, timeout: stopTimeout(1) }),
  output: podState,
  annotations: annotations(false, true, true),
  async handle(ctx, { name, timeout }) {
    const change = await stopPod(ctx.podman, name, timeout, ctx.signal);
    return describePod(ctx, name, change === "changed", "stopped");
  },
  render: (result) => result.message,
});

export const podmanPodRestart = defineTool({
  name: "podman_pod_restart",
  title: "Restart a pod",
  description:
    "Stop all containers of a pod (gracefully, within `timeout` seconds) and start them again; " +
    "starts a stopped pod. Answers the pod's state and each container's.",
  // libpod's pod stop reads t=0 as "not given".
  input: z.object({ name: podName, timeout: stopTimeout(1) }),
  output: podState,
  annotations: annotations(false, true, false),
  async handle(ctx, { name, timeout }) {
    // libpod's own restart takes no stop timeout, so a container ignoring SIGTERM costs 10 s.
    await stopPod(ctx.podman, name, timeout, ctx.signal);
    await startPod(ctx.podman, name, ctx.signal);
    return describePod(ctx, name, true, "restarted");
  },
  render: (result) => result.message,
});

export const podmanPodRm = defineTool({
  name: "podman_pod_rm",
  title: "Remove a pod",
  description:
    "Remove a pod and all its containers. A pod with running containers needs force=true " +
    "(they are stopped first, killed after `timeout` seconds). Answers what was removed.",
  input: z.object({
    name: podName,
    force: z.boolean().default(false).describe("Stop and remove running containers too"),
    timeout: stopTimeout(0),
  }),
  output: z.object({
    id: z.string(),
    name: z.string(),
    removed_containers: z.array(z.string()).describe("Names of the containers removed with it"),
  }),
  annotations: annotations(false, true, true),
  async handle(ctx, { name, force, timeout }) {
    const pod = await inspectPod(ctx.podman, name, ctx.signal);
    await removePod(ctx.podman, name, { force, timeoutSeconds: timeout }, ctx.signal);
    return {
      id: shortId(pod.Id),
      name: pod.Name,
      removed_containers: memberContainers(pod).map((c) => c.Name),
    };
  },
  render({ name, id, removed_containers }) {
    const with_ = removed_containers.length ? ` with ${removed_containers.join(", ")}` : "";
    return `Removed pod ${name} (${id})${with_}.`;
  },
});

export const podmanPodLogs = defineTool({
  name: "podman_pod_logs",
  title: "Read the logs of a pod",
  description:
    "The recent logs of every container in a pod (the infra container skipped), merged in time " +
    'order, each line tagged with its container: "web | GET /". Bounded: the last `tail` lines ' +
    "of each container (default 100), the newest within `max_bytes` overall (default 16 KiB); " +
    "the answer says when it left lines out. Use podman_logs for one container's full options.",
  input: z.object({
    name: podName,
    tail: z
      .number()
      .int()
      .min(-1)
      .refine((n) => n !== 0, { message: "tail must be at least 1, or -1 for the whole log" })
      .default(100)
      .describe("Last lines of each container; -1 for whole logs (still bounded by max_bytes)"),
    since: z
      .string()
      .optional()
      .describe(
        'Only lines after this time: RFC 3339, a Unix timestamp, or a duration such as "10m"',
      ),
    until: z.string().optional().describe("Only lines before this time (same forms as since)"),
    timestamps: z.boolean().default(false).describe("Prefix each line with its timestamp"),
    grep: z.string().optional().describe("Only lines matching this JavaScript regular expression"),
    scan_lines: z
      .number()
      .int()
      .positive()
      .max(1_000_000)
      .optional()
      .describe("With grep: how many last lines of each container to search (default 10000)"),
    max_bytes: z
      .number()
      .int()
      .min(256)
      .max(1024 * 1024)
      .default(DEFAULT_MAX_LOG_BYTES)
      .describe("The most bytes of log text to return, all containers together"),
  }),
  output: logResult.extend({
    pod: z.string(),
    containers: z.array(z.string()).describe("The containers whose logs were read"),
  }),
  annotations: annotations(true, false, true),
  async handle(ctx, args) {
    const grep = args.grep === undefined ? undefined : compilePattern(args.grep);
    const pod = await inspectPod(ctx.podman, args.name, ctx.signal);
    const members = memberContainers(pod).map((c) => ({ id: c.Id, name: c.Name }));
    const logs = await readPodLogs(
      ctx.podman,
      members,
      {
        tail: args.tail,
        maxBytes: args.max_bytes,
        since: args.since,
        until: args.until,
        timestamps: args.timestamps,
        grep,
        scanLines: args.scan_lines ?? DEFAULT_GREP_SCAN_LINES,
      },
      ctx.signal,
    );
    return {
      pod: pod.Name,
      containers: members.map((c) => c.name),
      text: logs.lines.join("\n"),
      lines: logs.lines.length,
      truncated: logs.truncated,
      omitted_lines: logs.omittedLines,
      omitted_bytes: logs.omittedBytes,
      ...(grep ? { scanned_lines: logs.scannedLines, matched_lines: logs.matchedLines } : {}),
    };
  },
  render(result) {
    if (result.containers.length === 0) return `Pod ${result.pod} has no containers.`;
    return renderLogs(result);
  },
});

function compilePattern(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (error) {
    throw new BadArgument(
      `The grep argument is not a valid regular expression: ${(error as Error).message}`,
    );
  }
}

export default [
  podmanPodCreate,
  podmanPodPs,
  podmanPodInspect,
  podmanPodStart,
  podmanPodStop,
  podmanPodRestart,
  podmanPodRm,
  podmanPodLogs,
];
