import type { ToolContext } from "../tools/tool.js";
import { checkOwnership } from "./ownership.js";
import { RULE } from "./spec.js";

/**
 * A container that joins a pod or another container's network gets their
 * namespaces: refused when those are the host's, and (for operate tokens)
 * when the pod or container is not the server's own.
 */
export async function checkJoinedNamespaces(
  ctx: ToolContext,
  { pod, network }: { pod?: string; network?: string },
): Promise<void> {
  if (pod !== undefined) {
    await checkOwnership(ctx, "pod", pod);
    const inspected = await ctx.podman.json<{ InfraConfig?: { HostNetwork?: boolean } }>(
      "GET",
      `/pods/${encodeURIComponent(pod)}/json`,
      { signal: ctx.signal },
    );
    if (inspected.InfraConfig?.HostNetwork && !ctx.policy.allowHostNamespaces)
      throw RULE.hostNamespace("network");
  }
  if (network?.startsWith("container:")) {
    const target = network.slice("container:".length);
    await checkOwnership(ctx, "container", target);
    const inspected = await ctx.podman.json<{ HostConfig?: { NetworkMode?: string } }>(
      "GET",
      `/containers/${encodeURIComponent(target)}/json`,
      { signal: ctx.signal },
    );
    if (inspected.HostConfig?.NetworkMode === "host" && !ctx.policy.allowHostNamespaces)
      throw RULE.hostNamespace("network");
  }
}

/** `podman kube play --network` takes the CLI's forms: "host" and "ns:PATH" reach the host's. */
export function checkPlayNetwork(ctx: Pick<ToolContext, "policy">, network: string | undefined) {
  if (network === undefined || ctx.policy.allowHostNamespaces) return;
  if (network === "host" || network.startsWith("ns:")) throw RULE.hostNamespace("network");
}
