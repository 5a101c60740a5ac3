import { shortId } from "../../podman/ids.js";
import * as z from "zod";
import { NotFound, PodmanTimeout } from "../../errors.js";
import {
  createContainer,
  inspectContainer,
  removeContainer,
  startContainer,
  waitForExit,
} from "../../podman/containers.js";
import { pullImage } from "../../podman/images.js";
import { checkCeilingsEnforced } from "../../policy/ceilings-enforced.js";
import { checkJoinedNamespaces, checkJoinedNetworks, networksOf } from "../../policy/joined.js";
import { secretNamesOf } from "../../podman/secret-mounts.js";
import {
  checkOwnership,
  claimVolumes,
  releaseVolumes,
  withManagedLabel,
} from "../../policy/ownership.js";
import { enforceContainerSpec } from "../../policy/spec.js";
import { defineTool, type ToolContext } from "../tool.js";
import { boundedLogs, logResult, renderLogs } from "./log-tail.js";
import { buildRunSpec, namedVolumesOf, runArguments } from "./run-spec-builder.js";
import { publishedPorts } from "../../podman/container-summary.js";

const PULL_TIMEOUT_MS = 10 * 60 * 1000;

export const podmanRun = defineTool({
  name: "podman_run",
  family: "containers",
  title: "Run a container",
  description:
    "Run a container, detached, pulling a missing image; detach=false waits for its exit.",
  input: runArguments,
  output: z.object({
    id: z.string(),
    name: z.string(),
    image: z.string(),
    state: z.string(),
    ports: z.array(z.string()).describe('Published ports as "HOST_IP:HOST_PORT->CONTAINER/PROTO"'),
    exit_code: z.number().int().optional().describe("Set when detach=false and it exited"),
    still_running: z.boolean().optional().describe("detach=false and it did not exit in time"),
    removed: z.boolean().optional(),
    logs: logResult.optional(),
    warnings: z.array(z.string()).optional(),
  }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  async handle(ctx, args) {
    const spec = enforceContainerSpec(ctx.policy, buildRunSpec(args));
    await checkCeilingsEnforced(ctx);
    spec.labels = withManagedLabel(spec.labels as Record<string, string> | undefined);
    await checkJoinedNamespaces(ctx, args);
    await checkJoinedNetworks(ctx, networksOf(spec));
    for (const secret of secretNamesOf(spec)) await checkOwnership(ctx, "secret", secret);
    const createdVolumes = await claimVolumes(ctx, namedVolumesOf(spec));
    let id: string | undefined;
    let warnings: { warnings?: string[] } = {};
    try {
      const created = await createPullingIfMissing(ctx, String(spec.image), spec);
      id = created.Id;
      if (created.Warnings?.length) warnings = { warnings: created.Warnings };
      await startContainer(ctx.podman, id, ctx.signal);
    } catch (error) {
      if (id !== undefined) await discardUnstarted(ctx, id);
      await releaseVolumes(ctx, createdVolumes);
      throw error;
    }
    if (args.detach) return { ...(await describeRunning(ctx, id)), ...warnings };
    return { ...(await waitAndCollect(ctx, id, args)), ...warnings };
  },
  render(result) {
    const head = `${result.name} (${result.id}) from ${result.image}: ${result.state}`;
    const ports = result.ports.length ? `, ports ${result.ports.join(", ")}` : "";
    const lines = [head + ports];
    if (result.exit_code !== undefined) lines.push(`exit code ${result.exit_code}`);
    if (result.still_running) lines.push("still running when the timeout passed");
    if (result.removed) lines.push("removed after exit");
    for (const warning of result.warnings ?? []) lines.push(`warning: ${warning}`);
    if (result.logs) lines.push(renderLogs(result.logs));
    return lines.join("\n");
  },
});

async function createPullingIfMissing(
  ctx: ToolContext,
  image: string,
  spec: Record<string, unknown>,
) {
  try {
    return await createContainer(ctx.podman, spec, ctx.signal);
  } catch (error) {
    if (!(error instanceof NotFound) || !/image not known/i.test(error.message)) throw error;
  }
  await ctx.progress(`pulling ${image}`);
  await pullImage(ctx.podman, image, {
    signal: ctx.signal,
    timeoutMs: PULL_TIMEOUT_MS,
    onMessage: (line) => void ctx.progress(line),
  });
  return createContainer(ctx.podman, spec, ctx.signal);
}

/**
 * A container that could not start (port taken, bad command) is removed so a
 * retry with the same name works; the start error is what the caller sees.
 */
async function discardUnstarted(ctx: ToolContext, id: string) {
  await removeContainer(
    ctx.podman,
    id,
    { force: true, volumes: true },
    AbortSignal.timeout(10_000),
  ).catch(() => undefined);
}

async function describeRunning(ctx: ToolContext, id: string) {
  const inspected = await inspectContainer(ctx.podman, id, ctx.signal).catch((error: unknown) => {
    // An auto-removed container may be gone already after a quick exit.
    if (error instanceof NotFound) return undefined;
    throw error;
  });
  if (!inspected) return { id: shortId(id), name: "", image: "", state: "removed", ports: [] };
  return {
    id: shortId(inspected.Id),
    name: inspected.Name,
    image: inspected.ImageName,
    state: inspected.State.Status,
    ports: publishedPorts(inspected.NetworkSettings?.Ports),
  };
}

async function waitAndCollect(ctx: ToolContext, id: string, args: z.output<typeof runArguments>) {
  let exitCode: number | undefined;
  try {
    exitCode = await waitForExit(ctx.podman, id, args.timeout * 1000, ctx.signal);
  } catch (error) {
    if (!(error instanceof PodmanTimeout)) throw error;
  }
  const summary = await describeRunning(ctx, id);
  const logs = await boundedLogs(ctx, id, { tail: args.log_tail, maxBytes: args.max_bytes });
  let removed = false;
  if (args.remove && exitCode !== undefined) {
    await removeContainer(ctx.podman, id, { force: true, volumes: true }, ctx.signal);
    removed = true;
  }
  return {
    ...summary,
    ...(exitCode === undefined ? { still_running: true } : { exit_code: exitCode }),
    ...(removed ? { removed, state: "removed" } : {}),
    logs,
  };
}
