import { shortId } from "../../podman/ids.js";
import * as z from "zod";
import { Conflict } from "../../errors.js";
import { inspectContainer } from "../../podman/containers.js";
import { cpuPercentBetween, networkBytes, readStats, type RawStats } from "../../podman/system.js";
import { containerName } from "../containers/lifecycle.js";
import { defineTool, type ToolContext } from "../tool.js";
import { READ_ONLY } from "../annotations.js";
import { formatBytes } from "./bytes.js";

const round2 = (value: number) => Math.round(value * 100) / 100;

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
  family: "system",
  title: "Container resource usage",
  description: "CPU, memory, network and block I/O of running containers, busiest first.",
  input: z.object({
    names: z.array(containerName).max(50).optional(),
    sample_seconds: z.number().int().min(0).max(10).default(0),
  }),
  output: z.object({
    containers: z.array(containerStats),
    count: z.number().int(),
    cpu_basis: z
      .enum(["since_start", "sampled"])
      .describe("since_start: average since the container started; sampled: over sample_seconds"),
  }),
  annotations: READ_ONLY,
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
  const network = networkBytes(stats);
  return {
    id: shortId(stats.ContainerID),
    name: stats.Name,
    cpu_percent: round2(cpu),
    memory_usage: stats.MemUsage,
    memory_limit: stats.MemLimit,
    memory_percent: round2(stats.MemPerc),
    net_in: network.received,
    net_out: network.sent,
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
