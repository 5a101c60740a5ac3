import { PodmanRejected } from "../errors.js";
import { removeContainer } from "../podman/containers.js";
import type { ToolContext } from "../tools/tool.js";
import { listProjectContainers } from "./describe.js";
import { listNetworksByLabel, listVolumesByLabel, removeNetwork, removeVolume } from "./libpod.js";
import { projectFilter } from "./names.js";

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
  ctx: ToolContext,
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
  for (const container of containers) {
    const name = container.Names[0] ?? container.Id.slice(0, 12);
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
  for (const network of await listNetworksByLabel(ctx.podman, projectFilter(project), ctx.signal)) {
    await ctx.progress(`removing network ${network.name}`);
    await removeNetwork(ctx.podman, network.name, ctx.signal);
    report.networks_removed.push(network.name);
  }
  if (options.volumes) {
    for (const volume of await listVolumesByLabel(ctx.podman, projectFilter(project), ctx.signal)) {
      await ctx.progress(`removing volume ${volume.Name}`);
      await removeVolume(ctx.podman, volume.Name, ctx.signal);
      report.volumes_removed.push(volume.Name);
    }
  }
  return report;
}
