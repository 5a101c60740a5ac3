import { shortId } from "../../podman/ids.js";
import * as z from "zod";
import { DESTRUCTIVE, IDEMPOTENT } from "../annotations.js";
import { PodmanRejected } from "../../errors.js";
import {
  inspectContainer,
  removeContainer,
  restartContainer,
  startContainer,
  stopContainer,
} from "../../podman/containers.js";
import { defineTool, type ToolContext } from "../tool.js";

export const containerName = z.string().min(1);

const stopTimeout = z.number().int().min(0).max(3600).optional();

const stateResult = z.object({
  id: z.string(),
  name: z.string(),
  state: z.string(),
  changed: z.boolean().describe("false when the container already was in the wanted state"),
  message: z.string(),
});

/** Reports where the container ended up, so an agent sees a crash right after start. */
async function describeState(ctx: ToolContext, nameOrId: string, changed: boolean, verb: string) {
  const inspected = await inspectContainer(ctx.podman, nameOrId, ctx.signal);
  const state = inspected.State.Status;
  const name = inspected.Name;
  const already = verb === "stopped" ? `stopped (${state})` : state;
  let message = changed ? `${name} ${verb}; it is ${state}.` : `${name} was already ${already}.`;
  if (!inspected.State.Running && verb !== "stopped") {
    message += ` It exited with code ${inspected.State.ExitCode}: read podman_logs for why.`;
  }
  return { id: shortId(inspected.Id), name, state, changed, message };
}

export const podmanStart = defineTool({
  name: "podman_start",
  family: "containers",
  title: "Start a container",
  description: "Start a created or stopped container; answers its state.",
  input: z.object({ name: containerName }),
  output: stateResult,
  annotations: IDEMPOTENT,
  owns: { kind: "container", arg: "name" },
  async handle(ctx, { name }) {
    const change = await startContainer(ctx.podman, name, ctx.signal);
    return describeState(ctx, name, change === "changed", "started");
  },
  render: (result) => result.message,
});

export const podmanStop = defineTool({
  name: "podman_stop",
  family: "containers",
  title: "Stop a container",
  description: "Stop a container: SIGTERM, then SIGKILL after `timeout`.",
  input: z.object({ name: containerName, timeout: stopTimeout }),
  output: stateResult,
  annotations: DESTRUCTIVE,
  owns: { kind: "container", arg: "name" },
  async handle(ctx, { name, timeout }) {
    const change = await stopContainer(ctx.podman, name, timeout, ctx.signal);
    return describeState(ctx, name, change === "changed", "stopped");
  },
  render: (result) => result.message,
});

export const podmanRestart = defineTool({
  name: "podman_restart",
  family: "containers",
  title: "Restart a container",
  description: "Restart a container, or start a stopped one.",
  input: z.object({ name: containerName, timeout: stopTimeout }),
  output: stateResult,
  annotations: { ...DESTRUCTIVE, idempotentHint: false },
  owns: { kind: "container", arg: "name" },
  async handle(ctx, { name, timeout }) {
    await restartContainer(ctx.podman, name, timeout, ctx.signal);
    return describeState(ctx, name, true, "restarted");
  },
  render: (result) => result.message,
});

export const podmanRm = defineTool({
  name: "podman_rm",
  family: "containers",
  title: "Remove a container",
  description: "Remove a container (running: force=true); volumes=true also its anonymous volumes.",
  input: z.object({
    name: containerName,
    force: z.boolean().default(false),
    volumes: z.boolean().default(false),
    timeout: stopTimeout,
  }),
  output: z.object({ removed: z.array(z.string()).describe("Short ids of removed containers") }),
  annotations: DESTRUCTIVE,
  owns: { kind: "container", arg: "name" },
  async handle(ctx, { name, force, volumes, timeout }) {
    const reports = await removeContainer(
      ctx.podman,
      name,
      { force, volumes, timeoutSeconds: timeout },
      ctx.signal,
    );
    const failed = reports.find((report) => report.Err);
    if (failed?.Err) throw new PodmanRejected(`removing ${name} failed: ${failed.Err}`, 500);
    return { removed: reports.map((report) => shortId(report.Id)) };
  },
  render: ({ removed }) =>
    removed.length ? `Removed ${removed.join(", ")}.` : "Nothing was removed.",
});
