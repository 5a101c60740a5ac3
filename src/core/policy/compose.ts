import type { HostFiles } from "../contracts.js";
import type { ComposeProject, ServiceConfig } from "../compose/model.js";
import { composeBuildSource } from "../compose/images.js";
import { serviceSpec } from "../compose/spec.js";
import { checkedBuildContext } from "./checked-build-context.js";
import type { ContainerPolicy } from "./policy.js";
import { PolicyRefusal } from "./refusal.js";
import { checkContainerSpec, checkVolumeOptions } from "./spec.js";

/** Reports which part of the file a refusal is about. */
async function inPart<T>(part: string, check: () => T | Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof PolicyRefusal) throw new PolicyRefusal(`${part}: ${error.message}`);
    throw error;
  }
}

/**
 * Checks the whole project against the policy before anything is created:
 * every service's container spec, its build's Containerfile, every volume's driver options.
 */
export async function checkComposeProject(
  policy: ContainerPolicy,
  project: ComposeProject,
  services: readonly ServiceConfig[],
  files: HostFiles,
): Promise<void> {
  for (const service of services) {
    await inPart(`service "${service.name}"`, async () => {
      const spec = serviceSpec(project, service, service.image ?? "");
      if (service.image === undefined) delete spec.image;
      checkContainerSpec(policy, spec);
      // The build itself checks again what it sends; this refuses before anything is created.
      if (service.build) {
        await checkedBuildContext({ files, policy }, composeBuildSource(service.build));
      }
    });
  }
  for (const [key, volume] of Object.entries(project.volumes)) {
    if (volume.external) continue;
    await inPart(`volume "${key}"`, () => checkVolumeOptions(policy, volume.driverOpts));
  }
}
