import { shortId } from "../podman/ids.js";
import { PodmanRejected } from "../errors.js";
import { removeContainer } from "../podman/containers.js";
import type { CallContext } from "../call-context.js";
import { listProjectContainers } from "./describe.js";
import { listNetworks, removeNetwork } from "../podman/networks.js";
import { listVolumes, removeVolume } from "../podman/volumes.js";
import { projectFilter } from "./names.js";
import { foreignObjectRefusal, ownershipRequired } from "../policy/ownership.js";
import { MANAGED_LABEL } from "../policy/policy.js";

export interface DownOptions {
  /** Also remove the project's named volumes and its containers' anonymous ones. */
  volumes: boolean;
  /** Seconds to wait for a graceful stop. */
  timeoutSeconds?: number;
}

export interface DownReport {
  project: string;
  containers_removed: string[];
  networks_removed: string[];
  volumes_removed: string[];
}

/**
 * `docker compose down`: the containers and networks labelled with the
 * project, and its volumes only when asked. Nothing without the label is touched.
 */
export async function composeDown(
  ctx: CallContext,
  project: string,
  options: DownOptions,
): Promise<DownReport> {
  const report: DownReport = {
    project,
    containers_removed: [],
    networks_removed: [],
    volumes_removed: [],
  };
  const containers = await listProjectContainers(ctx.podman, project, ctx.signal);
  // Newest first: dependents were created after what they depend on.
  containers.sort((a, b) => b.Created.localeCompare(a.Created));
  const networks = await listNetworks(ctx.podman, { label: [projectFilter(project)] }, ctx.signal);
  const volumes = options.volumes
    ? await listVolumes(ctx.podman, { label: [projectFilter(project)] }, ctx.signal)
    : [];
  if (ownershipRequired(ctx)) {
    // All or nothing: a project another tool started is refused before anything is removed.
    const managed = (labels: Record<string, string> | null | undefined) =>
      labels?.[MANAGED_LABEL] === "true";
    const foreign = containers.find((container) => !managed(container.Labels));
    if (foreign) throw foreignObjectRefusal(ctx, "container", foreign.Names[0] ?? foreign.Id);
    const network = networks.find((entry) => !managed(entry.labels));
    if (network) throw foreignObjectRefusal(ctx, "network", network.name);
    const volume = volumes.find((entry) => !managed(entry.Labels));
    if (volume) throw foreignObjectRefusal(ctx, "volume", volume.Name);
  }
  for (const container of containers) {
    const name = container.Names[0] ?? shortId(container.Id);
    await ctx.progress(`removing ${name}`);
    const reports = await removeContainer(
      ctx.podman,
      container.Id,
      { force: true, volumes: options.volumes, timeoutSeconds: options.timeoutSeconds },
      ctx.signal,
    );
    const failed = reports.find((entry) => entry.Err);
    if (failed?.Err) throw new PodmanRejected(`removing ${name} failed: ${failed.Err}`, 500);
    report.containers_removed.push(name);
  }
  for (const network of networks) {
    await ctx.progress(`removing network ${network.name}`);
    await removeNetwork(ctx.podman, network.name, { force: false }, ctx.signal);
    report.networks_removed.push(network.name);
  }
  if (options.volumes) {
    for (const volume of volumes) {
      await ctx.progress(`removing volume ${volume.Name}`);
      await removeVolume(ctx.podman, volume.Name, { force: false }, ctx.signal);
      report.volumes_removed.push(volume.Name);
    }
  }
  return report;
}
