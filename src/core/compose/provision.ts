import { NotFound } from "../errors.js";
import type { CallContext } from "../call-context.js";
import type { UpChanges } from "./changes.js";
import { createNetwork, networkExists } from "../podman/networks.js";
import { createVolume, volumeExists } from "../podman/volumes.js";
import type { ComposeProject, ServiceConfig } from "./model.js";
import { LABEL } from "./names.js";
import { checkJoinedNetworks } from "../policy/joined.js";
import { checkOwnership, managedLabels } from "../policy/ownership.js";

/**
 * Creates the networks the services use that do not exist yet (an existing
 * network of that name is used as it is); an external one must exist.
 */
export async function ensureNetworks(
  ctx: CallContext,
  project: ComposeProject,
  services: readonly ServiceConfig[],
  changes: UpChanges,
): Promise<void> {
  const keys = new Set(services.flatMap((service) => Object.keys(service.networks)));
  for (const key of keys) {
    const network = project.networks[key]!;
    if (await networkExists(ctx.podman, network.name, ctx.signal)) {
      // External or not, joining a network puts the services beside its workloads.
      await checkJoinedNetworks(ctx, [network.name]);
      continue;
    }
    if (network.external) {
      throw new NotFound(`external network "${network.name}" (networks.${key}) does not exist`);
    }
    await ctx.progress(`creating network ${network.name}`);
    await createNetwork(
      ctx.podman,
      {
        name: network.name,
        ...(network.driver ? { driver: network.driver } : {}),
        internal: network.internal,
        // Service names resolve through aardvark-dns only on networks created with it.
        dns_enabled: true,
        labels: {
          ...network.labels,
          [LABEL.project]: project.name,
          [LABEL.network]: key,
          ...managedLabels(),
        },
      },
      ctx.signal,
    );
    changes.networks.push(network.name);
  }
}

/** The same for the named volumes the services mount. */
export async function ensureVolumes(
  ctx: CallContext,
  project: ComposeProject,
  services: readonly ServiceConfig[],
  changes: UpChanges,
): Promise<void> {
  const keys = new Set(
    services.flatMap((service) =>
      service.volumes.flatMap((mount) =>
        mount.type === "volume" && mount.source !== undefined ? [mount.source] : [],
      ),
    ),
  );
  for (const key of keys) {
    const volume = project.volumes[key]!;
    if (await volumeExists(ctx.podman, volume.name, ctx.signal)) {
      // External or not, mounting a volume reads and writes another workload's data.
      await checkOwnership(ctx, "volume", volume.name);
      continue;
    }
    if (volume.external) {
      throw new NotFound(`external volume "${volume.name}" (volumes.${key}) does not exist`);
    }
    await ctx.progress(`creating volume ${volume.name}`);
    await createVolume(
      ctx.podman,
      {
        Name: volume.name,
        ...(volume.driver ? { Driver: volume.driver } : {}),
        Labels: {
          ...volume.labels,
          [LABEL.project]: project.name,
          [LABEL.volume]: key,
          ...managedLabels(),
        },
        Options: volume.driverOpts,
      },
      ctx.signal,
    );
    changes.volumes.push(volume.name);
  }
}
