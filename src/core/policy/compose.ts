import type { ComposeProject, ServiceConfig } from "../compose/model.js";
import { serviceSpec } from "../compose/spec.js";
import type { HostFiles } from "../tools/tool.js";
import { checkContainerfile } from "./containerfile.js";
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
      if (service.build && policy.allowedRegistries) {
        const file = `${service.build.context.replace(/\/+$/, "")}/${service.build.dockerfile ?? "Dockerfile"}`;
        checkContainerfile(policy, await readContainerfile(files, file, service.build.dockerfile));
      }
    });
  }
  for (const [key, volume] of Object.entries(project.volumes)) {
    if (volume.external) continue;
    await inPart(`volume "${key}"`, () => checkVolumeOptions(policy, volume.driverOpts));
  }
}

async function readContainerfile(files: HostFiles, path: string, explicit: string | undefined) {
  if (explicit) return files.readTextFile(path);
  // Without `dockerfile`, Podman looks for Containerfile and then Dockerfile.
  const dir = path.slice(0, path.lastIndexOf("/"));
  try {
    return await files.readTextFile(`${dir}/Containerfile`);
  } catch {
    return files.readTextFile(path);
  }
}
