import type { CallContext } from "../call-context.js";
import { inspectContainer } from "../podman/containers.js";
import { inspectPod } from "../podman/pods.js";
import { checkOwnership, ownershipRequired } from "./ownership.js";
import { RULE } from "./spec.js";

/**
 * A container that joins a pod or another container's network gets their
 * namespaces: refused when those are the host's, and (for operate tokens)
 * when the pod or container is not the server's own.
 */
export async function checkJoinedNamespaces(
  ctx: CallContext,
  { pod, network }: { pod?: string; network?: string },
): Promise<void> {
  if (pod !== undefined) {
    await checkOwnership(ctx, "pod", pod);
    const inspected = await inspectPod(ctx.podman, pod, ctx.signal);
    if (inspected.InfraConfig?.HostNetwork && !ctx.policy.allowHostNamespaces)
      throw RULE.hostNamespace("network");
  }
  if (network?.startsWith("container:")) {
    const target = network.slice("container:".length);
    await checkOwnership(ctx, "container", target);
    const inspected = await inspectContainer(ctx.podman, target, ctx.signal);
    if (inspected.HostConfig?.NetworkMode === "host" && !ctx.policy.allowHostNamespaces)
      throw RULE.hostNamespace("network");
  }
}

const PLAY_NETWORK_MODES = /^(bridge|none|private|slirp4netns|pasta)(:|$)/;

/**
 * `podman kube play --network` takes the CLI's forms, comma-separated:
 * "host" and "ns:PATH" reach the host's namespace, "container:NAME" another
 * container's, and any other name is a network to join.
 */
export async function checkPlayNetwork(ctx: CallContext, network: string | undefined) {
  if (network === undefined) return;
  for (const part of network.split(",").map((item) => item.trim())) {
    if (part === "host" || part.startsWith("ns:")) {
      if (!ctx.policy.allowHostNamespaces) throw RULE.hostNamespace("network");
    } else if (part.startsWith("container:")) {
      await checkJoinedNamespaces(ctx, { network: part });
    } else if (part && !PLAY_NETWORK_MODES.test(part)) {
      await checkJoinedNetworks(ctx, [part]);
    }
  }
}

/**
 * Joining a network puts a container beside that network's workloads: a
 * token held to ownership may join the server's own networks and those the
 * operator lists with --allow-network.
 */
export async function checkJoinedNetworks(ctx: CallContext, names: Iterable<string>) {
  if (!ownershipRequired(ctx)) return;
  for (const name of names) {
    if (!ctx.policy.allowNetworks.includes(name)) await checkOwnership(ctx, "network", name);
  }
}

/** Network names in what Podman is sent: a spec's Networks map. */
export const networksOf = (spec: Record<string, unknown>) =>
  Object.keys((spec.Networks as Record<string, unknown> | undefined) ?? {});
