import { getInfo } from "../podman/system.js";
import type { CallContext } from "../call-context.js";
import { PolicyRefusal } from "./refusal.js";

/**
 * Rootless Podman on cgroups v1 has no cgroup of its own to put limits in: it creates the
 * container without them and only warns. A ceiling the operator set must then stop the call
 * rather than pass unenforced.
 */
export async function checkCeilingsEnforced(ctx: CallContext): Promise<void> {
  const { maxMemoryBytes, maxCpus, maxPids } = ctx.policy;
  const flags = [
    maxMemoryBytes !== undefined && "--max-memory",
    maxCpus !== undefined && "--max-cpus",
    maxPids !== undefined && "--max-pids",
  ].filter((flag): flag is string => typeof flag === "string");
  if (!flags.length) return;
  const { host } = await getInfo(ctx.podman, ctx.signal);
  if (host.security?.rootless !== true || host.cgroupVersion !== "v1") return;
  const set = flags.join(" and ");
  throw new PolicyRefusal(
    `This Podman is rootless on cgroups v1, where it ignores resource limits, so the ceiling ` +
      `set by ${set} cannot be enforced and nothing was created: run mcp-podman against a ` +
      `Podman on cgroups v2 or a rootful one, or start it without ${set}`,
  );
}
