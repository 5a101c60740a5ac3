import { z } from "zod";
import { Conflict, PodmanRejected } from "../errors.js";
import { inspectContainer } from "../podman/containers.js";
import {
  chronological,
  cpuPercentBetween,
  distinctImages,
  getInfo,
  getSystemDf,
  readEventHistory,
  readStats,
  runHealthcheck,
  runtimeVersion,
  shortenId,
  summarizeDiskUsage,
  summarizeEvent,
  type HealthState,
  type RawStats,
} from "../podman/system.js";
import { containerName } from "./containers/lifecycle.js";
import { defineTool, type AnyTool, type ToolContext } from "./tool.js";

const readOnly = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

/** 1536 -> "1.5 KiB" */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

export const podmanInfo = defineTool({
  name: "podman_info",
  title: "Podman and host information",
  description:
    "A compact summary of the Podman service: Podman and API version, host (OS, arch, kernel, " +
    "hostname, cgroup version and manager, rootless or not, CPUs, memory total/free in bytes), " +
    "OCI runtime, and storage (driver, graph root, image count, container counts by state). " +
    "Use it first to learn what you are talking to; use podman_system_df for disk usage.",
  input: z.object({}),
  output: z.object({
    version: z.string().describe("Podman version"),
    api_version: z.string().describe("libpod API version"),
    host: z.object({
      hostname: z.string(),
      os: z.string(),
      arch: z.string(),
      kernel: z.string(),
      distribution: z.string().optional().describe('e.g. "debian 12"'),
      cgroup_version: z.string(),
      cgroup_manager: z.string(),
      rootless: z.boolean(),
      cpus: z.number().int(),
      memory_total: z.number().describe("Bytes"),
      memory_free: z.number().describe("Bytes"),
    }),
    runtime: z.object({ name: z.string(), version: z.string() }),
    storage: z.object({
      driver: z.string(),
      graph_root: z.string(),
      run_root: z.string().optional(),
      images: z.number().int(),
      containers: z.object({
        total: z.number().int(),
        running: z.number().int(),
        paused: z.number().int(),
        stopped: z.number().int(),
      }),
    }),
  }),
  annotations: readOnly,
  async handle(ctx) {
    const { host, store, version } = await getInfo(ctx.podman, ctx.signal);
    const distribution = [host.distribution?.distribution, host.distribution?.version]
      .filter(Boolean)
      .join(" ");
    const containers = store.containerStore;
    return {
      version: version.Version,
      api_version: version.APIVersion,
      host: {
        hostname: host.hostname,
        os: host.os,
        arch: host.arch,
        kernel: host.kernel,
        ...(distribution ? { distribution } : {}),
        cgroup_version: host.cgroupVersion,
        cgroup_manager: host.cgroupManager,
        rootless: host.security?.rootless ?? false,
        cpus: host.cpus,
        memory_total: host.memTotal,
        memory_free: host.memFree,
      },
      runtime: {
        name: host.ociRuntime?.name ?? "",
        version: runtimeVersion(host.ociRuntime?.version),
      },
      storage: {
        driver: store.graphDriverName,
        graph_root: store.graphRoot,
        ...(store.runRoot ? { run_root: store.runRoot } : {}),
        images: store.imageStore?.number ?? 0,
        containers: {
          total: containers?.number ?? 0,
          running: containers?.running ?? 0,
          paused: containers?.paused ?? 0,
          stopped: containers?.stopped ?? 0,
        },
      },
    };
  },
  render({ version, api_version, host, runtime, storage }) {
    const distribution = host.distribution ? `, ${host.distribution}` : "";
    const c = storage.containers;
    return [
      `Podman ${version} (API ${api_version}), ${host.rootless ? "rootless" : "rootful"}`,
      `host: ${host.hostname} ${host.os}/${host.arch}${distribution}, kernel ${host.kernel}, ` +
        `cgroup ${host.cgroup_version} (${host.cgroup_manager}), ${host.cpus} CPUs, ` +
        `memory ${formatBytes(host.memory_total)} total, ${formatBytes(host.memory_free)} free`,
      `runtime: ${runtime.name} ${runtime.version}`,
      `storage: ${storage.driver} at ${storage.graph_root}, ${storage.images} images, ` +
        `${c.total} containers (${c.running} running, ${c.paused} paused, ${c.stopped} stopped)`,
    ].join("\n");
  },
});

const usage = z.object({
  count: z.number().int(),
  active: z
    .number()
    .int()
    .describe("In use: images with containers, running containers, volumes with links"),
  size: z.number().describe("Bytes"),
  reclaimable: z.number().describe("Bytes a prune could free"),
});

export const podmanSystemDf = defineTool({
  name: "podman_system_df",
  title: "Disk usage",
  description:
    "Disk used by images, containers (their writable layers) and volumes: count, active, size " +
    "and reclaimable bytes for each, like `podman system df`. With top=N also the N largest " +
    "images, containers and volumes. On Podman 4 image sizes count shared layers once per image.",
  input: z.object({
    top: z
      .number()
      .int()
      .min(0)
      .max(50)
      .default(0)
      .describe("Also list the N largest images, containers and volumes"),
  }),
  output: z.object({
    images: usage,
    containers: usage,
    volumes: usage,
    largest: z
      .object({
        images: z.array(
          z.object({
            id: z.string(),
            name: z.string().describe('"repository:tag", or the short id when untagged'),
            size: z.number(),
            containers: z.number().int(),
          }),
        ),
        containers: z.array(
          z.object({ id: z.string(), name: z.string(), status: z.string(), size: z.number() }),
        ),
        volumes: z.array(z.object({ name: z.string(), links: z.number().int(), size: z.number() })),
      })
      .optional()
      .describe("Only with top > 0"),
  }),
  annotations: readOnly,
  async handle(ctx, { top }) {
    const report = await getSystemDf(ctx.podman, ctx.signal);
    const summary = summarizeDiskUsage(report);
    if (top === 0) return summary;
    const largest = <T>(items: T[] | null, size: (item: T) => number) =>
      [...(items ?? [])].sort((a, b) => size(b) - size(a)).slice(0, top);
    return {
      ...summary,
      largest: {
        images: largest(distinctImages(report.Images ?? []), (i) => i.Size).map((image) => ({
          id: shortenId(image.ImageID),
          name:
            image.Repository && image.Repository !== "<none>"
              ? `${image.Repository}:${image.Tag}`
              : shortenId(image.ImageID),
          size: image.Size,
          containers: image.Containers,
        })),
        containers: largest(report.Containers, (c) => c.RWSize).map((container) => ({
          id: shortenId(container.ContainerID),
          name: container.Names,
          status: container.Status,
          size: container.RWSize,
        })),
        volumes: largest(report.Volumes, (v) => v.Size).map((volume) => ({
          name: volume.VolumeName,
          links: volume.Links,
          size: volume.Size,
        })),
      },
    };
  },
  render({ images, containers, volumes, largest }) {
    const row = (label: string, u: z.output<typeof usage>) =>
      `${label}: ${u.count} (${u.active} active), ${formatBytes(u.size)}, ` +
      `${formatBytes(u.reclaimable)} reclaimable`;
    const lines = [row("images", images), row("containers", containers), row("volumes", volumes)];
    if (largest) {
      for (const image of largest.images) {
        lines.push(
          `  image ${image.name} ${formatBytes(image.size)} (${image.containers} containers)`,
        );
      }
      for (const c of largest.containers) {
        lines.push(`  container ${c.name} ${c.id} ${formatBytes(c.size)} ${c.status}`);
      }
      for (const v of largest.volumes) {
        lines.push(`  volume ${v.name} ${formatBytes(v.size)} (${v.links} links)`);
      }
    }
    return lines.join("\n");
  },
});

const DEFAULT_EVENTS_SINCE = "10m";

const oneOrMany = (what: string) =>
  z
    .union([z.string().min(1), z.array(z.string().min(1))])
    .optional()
    .describe(what);

export const podmanEvents = defineTool({
  name: "podman_events",
  title: "Recent Podman events",
  description:
    `Podman's recent events (default: the last ${DEFAULT_EVENTS_SINCE}), oldest first, at most ` +
    "`limit` of them (the newest are kept): time, type, action, short id, name, image, exit code " +
    "for died and exec_died, health for health_status, and small attribute sets. Container actions include " +
    "create, init, start, attach, died, stop, kill, cleanup, remove, exec, health_status, oom; " +
    "image actions pull, push, tag, remove, build. Narrow with filters rather than raising limit.",
  input: z.object({
    since: z
      .string()
      .min(1)
      .default(DEFAULT_EVENTS_SINCE)
      .describe('Start of the window: a duration back from now ("10m", "2h") or an RFC 3339 time'),
    until: z
      .string()
      .min(1)
      .optional()
      .describe('End of the window: a duration back from now ("1m") or an RFC 3339 time'),
    filters: z
      .object({
        type: z
          .enum(["container", "image", "pod", "volume", "network", "system"])
          .optional()
          .describe("Only events of this object type"),
        event: oneOrMany(
          'Only these actions, e.g. "died" or ["start", "died"] ("die" means "died")',
        ),
        container: oneOrMany("Only events of this container (name or id)"),
        image: oneOrMany("Only events of this image"),
        pod: oneOrMany("Only events of this pod"),
        volume: oneOrMany("Only events of this volume"),
        network: oneOrMany("Only events of this network"),
        label: z
          .array(z.string().min(1))
          .optional()
          .describe('Only events whose object has these labels: "key" or "key=value"'),
      })
      .optional(),
    limit: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(100)
      .describe("The most events to return; the newest are kept"),
  }),
  output: z.object({
    events: z.array(
      z.object({
        time: z.string().describe("RFC 3339"),
        type: z.string(),
        action: z.string(),
        id: z.string().optional().describe("Short id"),
        name: z.string().optional(),
        image: z.string().optional(),
        pod: z.string().optional().describe("Short pod id"),
        exit_code: z.number().int().optional().describe("On died and exec_died events"),
        health: z.string().optional().describe("On health_status events"),
        attributes: z
          .record(z.string(), z.string())
          .optional()
          .describe("Other attributes (labels), only when they are few and short"),
      }),
    ),
    count: z.number().int(),
    omitted: z.number().int().describe("Earlier matching events left out to stay within limit"),
    complete: z
      .boolean()
      .describe(
        "false when reading stopped early (time or size budget): newer events may be missing",
      ),
  }),
  annotations: readOnly,
  async handle(ctx, args) {
    const history = await readEventHistory(
      ctx.podman,
      { since: args.since, until: args.until, filters: eventFilters(args.filters) },
      { limit: args.limit },
      ctx.signal,
    );
    const events = chronological(history.events.map(summarizeEvent));
    return {
      events,
      count: events.length,
      omitted: history.scanned - events.length,
      complete: history.stoppedEarly === undefined,
    };
  },
  render({ events, omitted, complete }) {
    const lines = events.map((e) => {
      const who = [e.name, e.id && e.id !== e.name ? `(${e.id})` : ""].filter(Boolean).join(" ");
      const details = [
        e.image ? `image=${e.image}` : "",
        e.exit_code !== undefined ? `exit=${e.exit_code}` : "",
        e.health ? `health=${e.health}` : "",
        ...Object.entries(e.attributes ?? {}).map(([key, value]) => `${key}=${value}`),
      ].filter(Boolean);
      return [e.time, e.type, e.action, who, ...details].filter(Boolean).join(" ");
    });
    if (lines.length === 0) lines.push("No events.");
    if (omitted > 0) lines.unshift(`(${omitted} earlier events left out)`);
    if (!complete)
      lines.push("(stopped reading early: newer events may be missing; narrow the window)");
    return lines.join("\n");
  },
});

type EventFilterArgs = z.output<typeof podmanEvents.input>["filters"];

/** libpod filters are a JSON map of name to values; libpod calls a container's exit "died". */
export function eventFilters(filters: EventFilterArgs): Record<string, string[]> {
  const encoded: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(filters ?? {})) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    if (values.length === 0) continue;
    encoded[key] = key === "event" ? values.map((v) => (v === "die" ? "died" : v)) : values;
  }
  return encoded;
}

const containerStats = z.object({
  id: z.string().describe("Short id"),
  name: z.string(),
  cpu_percent: z.number().describe("Percent of one CPU (200 = two CPUs busy)"),
  memory_usage: z.number().describe("Bytes"),
  memory_limit: z.number().describe("Bytes (the host's memory when the container has no limit)"),
  memory_percent: z.number(),
  net_in: z.number().describe("Bytes received"),
  net_out: z.number().describe("Bytes sent"),
  block_in: z.number().describe("Bytes read from block devices"),
  block_out: z.number().describe("Bytes written to block devices"),
  pids: z.number().int(),
});

export const podmanStats = defineTool({
  name: "podman_stats",
  title: "Container resource usage",
  description:
    "One reading of CPU, memory (usage, limit, percent), network and block I/O bytes and process " +
    "count per container: the named ones (each must be running), or every running container, " +
    "busiest first. CPU is in percent of one CPU; with sample_seconds=0 (default) it is Podman's " +
    "figure, the average since the container started; sample_seconds=N measures the last N seconds.",
  input: z.object({
    names: z
      .array(containerName)
      .max(50)
      .optional()
      .describe("Containers to read (default: all running containers)"),
    sample_seconds: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(0)
      .describe("Measure CPU over this many seconds (two readings) instead of since start"),
  }),
  output: z.object({
    containers: z.array(containerStats),
    count: z.number().int(),
    cpu_basis: z
      .enum(["since_start", "sampled"])
      .describe("since_start: average since the container started; sampled: over sample_seconds"),
  }),
  annotations: readOnly,
  async handle(ctx, { names, sample_seconds }) {
    if (names?.length) await Promise.all(names.map((name) => requireRunning(ctx, name)));
    const first = await readAll(ctx, names);
    let second: RawStats[] | undefined;
    if (sample_seconds > 0) {
      await sleep(sample_seconds * 1000, ctx.signal);
      second = await readAll(ctx, names);
    }
    const earlier = new Map(first.map((stats) => [stats.ContainerID, stats]));
    const containers = (second ?? first).map((stats) => {
      const previous = earlier.get(stats.ContainerID);
      const cpu = second && previous ? cpuPercentBetween(previous, stats) : stats.CPU;
      return summarizeStats(stats, cpu);
    });
    if (!names?.length) containers.sort((a, b) => b.cpu_percent - a.cpu_percent);
    return {
      containers,
      count: containers.length,
      cpu_basis: sample_seconds > 0 ? ("sampled" as const) : ("since_start" as const),
    };
  },
  render({ containers }) {
    if (containers.length === 0) return "No running containers.";
    return containers
      .map(
        (c) =>
          `${c.name} ${c.id} cpu ${c.cpu_percent}% mem ${formatBytes(c.memory_usage)} / ` +
          `${formatBytes(c.memory_limit)} (${c.memory_percent}%) net ${formatBytes(c.net_in)} in ` +
          `${formatBytes(c.net_out)} out, block ${formatBytes(c.block_in)} read ` +
          `${formatBytes(c.block_out)} written, ${c.pids} pids`,
      )
      .join("\n");
  },
});

function summarizeStats(stats: RawStats, cpu: number): z.input<typeof containerStats> {
  return {
    id: shortenId(stats.ContainerID),
    name: stats.Name,
    cpu_percent: round2(cpu),
    memory_usage: stats.MemUsage,
    memory_limit: stats.MemLimit,
    memory_percent: round2(stats.MemPerc),
    net_in: stats.NetInput,
    net_out: stats.NetOutput,
    block_in: stats.BlockInput,
    block_out: stats.BlockOutput,
    pids: stats.PIDs,
  };
}

/** Podman 4.3 answers zeros for a stopped container and an empty error for an unknown one. */
async function requireRunning(ctx: ToolContext, name: string): Promise<void> {
  const inspected = await inspectContainer(ctx.podman, name, ctx.signal);
  const state = inspected.State.Status;
  if (state !== "running" && state !== "paused") {
    throw new Conflict(
      `container ${name} is not running (${state}): stats need a running container`,
    );
  }
}

async function readAll(ctx: ToolContext, names: string[] | undefined): Promise<RawStats[]> {
  if (!names?.length) {
    // Podman 4.3 also lists stopped containers, with every figure 0.
    const all = await readStats(ctx.podman, undefined, ctx.signal);
    return all.filter((stats) => stats.SystemNano > 0);
  }
  const answers = await Promise.all(names.map((name) => readStats(ctx.podman, name, ctx.signal)));
  return answers.flat();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal.removeEventListener("abort", aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal.addEventListener("abort", aborted, { once: true });
  });
}

/** Podman keeps at most 500 characters of a check's output; this bounds it whatever the version. */
const MAX_CHECK_OUTPUT_CHARS = 500;

export const podmanHealthcheckRun = defineTool({
  name: "podman_healthcheck_run",
  title: "Run a container's health check",
  description:
    "Run the health check of a running container now and answer: this run's result, the " +
    "container's health (healthy, unhealthy, or starting until `retries` checks failed in a row), " +
    "the failing streak and the last log entries (exit code and output, bounded). A container " +
    "without a health check is an error; define one with podman_run's `healthcheck`.",
  input: z.object({
    name: containerName,
    log_entries: z
      .number()
      .int()
      .min(0)
      .max(5)
      .default(3)
      .describe("How many of the latest check results to return"),
  }),
  output: z.object({
    id: z.string().describe("Short id"),
    name: z.string(),
    check: z.string().describe("The result of the check just run: healthy or unhealthy"),
    status: z.string().describe("The container's health: healthy, unhealthy or starting"),
    failing_streak: z.number().int().describe("Failed checks in a row"),
    log: z.array(
      z.object({
        start: z.string(),
        exit_code: z.number().int().describe("-1 when the check timed out"),
        output: z.string(),
      }),
    ),
  }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: false,
  },
  async handle(ctx, { name, log_entries }) {
    const before = await inspectContainer(ctx.podman, name, ctx.signal);
    const config = before.Config as { Healthcheck?: { Test?: string[]; Timeout?: number } };
    const test = config.Healthcheck?.Test ?? [];
    if (test.length === 0 || test[0] === "NONE") {
      throw new Conflict(`container ${before.Name} has no defined healthcheck`);
    }
    const checkTimeoutMs = (config.Healthcheck?.Timeout ?? 0) / 1e6;
    const check = await runCheck(ctx, before.Id, ctx.podman.timeoutMs + checkTimeoutMs);
    const after = await inspectContainer(ctx.podman, before.Id, ctx.signal);
    const state = after.State as { Health?: HealthState; Healthcheck?: HealthState };
    const health = state.Health ?? state.Healthcheck;
    const log = log_entries > 0 ? (health?.Log ?? []).slice(-log_entries) : [];
    return {
      id: shortenId(after.Id),
      name: after.Name,
      check,
      status: health?.Status ?? check,
      failing_streak: health?.FailingStreak ?? 0,
      log: log.map((entry) => ({
        start: entry.Start,
        exit_code: entry.ExitCode,
        output: boundOutput(entry.Output),
      })),
    };
  },
  render({ name, check, status, failing_streak, log }) {
    const lines = [
      `${name}: check ${check}, container ${status}, failing streak ${failing_streak}`,
      ...log.map((entry) => {
        const output = entry.output ? `: ${entry.output.replace(/\n/g, "\\n")}` : "";
        return `  ${entry.start} exit ${entry.exit_code}${output}`;
      }),
    ];
    return lines.join("\n");
  },
});

/** Podman 4.3 reports a check that outlived its timeout as a request failure, not as a result. */
async function runCheck(ctx: ToolContext, id: string, timeoutMs: number) {
  try {
    const result = await runHealthcheck(ctx.podman, id, timeoutMs, ctx.signal);
    return result.Status;
  } catch (error) {
    if (
      error instanceof PodmanRejected &&
      /healthcheck command exceeded timeout/i.test(error.message)
    ) {
      return "unhealthy";
    }
    throw error;
  }
}

function boundOutput(output: string): string {
  if (output.length <= MAX_CHECK_OUTPUT_CHARS) return output;
  return `${output.slice(0, MAX_CHECK_OUTPUT_CHARS)}…`;
}

const tools: AnyTool[] = [
  podmanInfo,
  podmanSystemDf,
  podmanEvents,
  podmanStats,
  podmanHealthcheckRun,
];
export default tools;
