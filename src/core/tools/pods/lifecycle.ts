import { shortId } from "../../podman/ids.js";
import * as z from "zod";
import { DESTRUCTIVE, IDEMPOTENT } from "../annotations.js";
import { type PodInspect, inspectPod, removePod, startPod, stopPod } from "../../podman/pods.js";
import { type ToolContext, defineTool } from "../tool.js";

export const podName = z.string().min(1);

/** The pod's own containers, without the infra container that only holds its namespaces. */
export function memberContainers(pod: PodInspect) {
  return (pod.Containers ?? []).filter((c) => c.Id !== pod.InfraContainerID);
}

const stopTimeout = (minimum: number) => z.number().int().min(minimum).max(3600).optional();

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
  family: "pods",
  title: "Start a pod",
  description: "Start every container of a pod; answers their states.",
  input: z.object({ name: podName }),
  output: podState,
  annotations: IDEMPOTENT,
  owns: { kind: "pod", arg: "name" },
  async handle(ctx, { name }) {
    const change = await startPod(ctx.podman, name, ctx.signal);
    return describePod(ctx, name, change === "changed", "started");
  },
  render: (result) => result.message,
});

export const podmanPodStop = defineTool({
  name: "podman_pod_stop",
  family: "pods",
  title: "Stop a pod",
  description: "Stop every container of a pod: SIGTERM, then SIGKILL after `timeout`.",
  input: z.object({ name: podName, timeout: stopTimeout(1) }),
  output: podState,
  annotations: DESTRUCTIVE,
  owns: { kind: "pod", arg: "name" },
  async handle(ctx, { name, timeout }) {
    const change = await stopPod(ctx.podman, name, timeout, ctx.signal);
    return describePod(ctx, name, change === "changed", "stopped");
  },
  render: (result) => result.message,
});

export const podmanPodRestart = defineTool({
  name: "podman_pod_restart",
  family: "pods",
  title: "Restart a pod",
  description: "Stop every container of a pod and start them again.",
  input: z.object({ name: podName, timeout: stopTimeout(1) }),
  output: podState,
  annotations: { ...DESTRUCTIVE, idempotentHint: false },
  owns: { kind: "pod", arg: "name" },
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
  family: "pods",
  title: "Remove a pod",
  description: "Remove a pod with all its containers; running ones need force=true.",
  input: z.object({
    name: podName,
    force: z.boolean().default(false),
    timeout: stopTimeout(0),
  }),
  output: z.object({
    id: z.string(),
    name: z.string(),
    removed_containers: z.array(z.string()).describe("Names of the containers removed with it"),
  }),
  annotations: DESTRUCTIVE,
  owns: { kind: "pod", arg: "name" },
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
