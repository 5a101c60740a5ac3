import { shortId } from "../podman/ids.js";
import type { ListedContainer } from "../podman/containers.js";
import { createContainer, removeContainer, startContainer } from "../podman/containers.js";
import type { CallContext } from "../call-context.js";
import { UpChanges } from "./changes.js";
import { type ContainerState, containerState, listProjectContainers } from "./describe.js";
import { type ImageReport, ensureImages } from "./images.js";
import type { ComposeProject, DependencyCondition, ServiceConfig } from "./model.js";
import { LABEL } from "./names.js";
import {
  type ContainerAction,
  checkHealthDependencies,
  decideAction,
  dependencyOrder,
  selectServices,
} from "./plan.js";
import { checkComposeProject } from "../policy/compose.js";
import { foreignObjectRefusal, managedLabels, ownershipRequired } from "../policy/ownership.js";
import { MANAGED_LABEL } from "../policy/policy.js";
import { checkCeilingsEnforced } from "../policy/ceilings-enforced.js";
import { applyResourceDefaults } from "../policy/spec.js";
import { ensureNetworks, ensureVolumes } from "./provision.js";
import { checkComposeSecrets } from "./secrets.js";
import { composeLabels, configHash, containerNameOf, serviceSpec } from "./spec.js";
import { waitCompleted, waitHealthy } from "./wait.js";

export interface UpOptions {
  /** Only these services and what they depend on; all when empty. */
  services?: string[];
  /** Build images that have a build section even when present. */
  build: boolean;
  /** How long dependency conditions may take, all together. */
  waitTimeoutMs: number;
}

export type ServiceAction = "created" | "recreated" | "started" | "unchanged";

export interface ServiceOutcome extends ContainerState {
  service: string;
  container: string;
  id: string;
  action: ServiceAction;
}

export interface UpReport {
  project: string;
  services: ServiceOutcome[];
  networks_created: string[];
  volumes_created: string[];
  images_pulled: string[];
  images_built: string[];
  /** Containers of the project whose service is no longer in the file: left alone. */
  orphans: string[];
}

interface PlannedContainer {
  service: ServiceConfig;
  id: string;
  name: string;
  action: ContainerAction;
}

const PAST_TENSE: Record<ContainerAction, ServiceAction> = {
  create: "created",
  recreate: "recreated",
  start: "started",
  keep: "unchanged",
};

/**
 * `docker compose up -d`: images, networks and volumes first, then every
 * container created (or kept, or recreated), then started in dependency order,
 * each waiting for its dependencies' conditions. A failure removes what this call created.
 */
export async function composeUp(
  ctx: CallContext,
  project: ComposeProject,
  options: UpOptions,
): Promise<UpReport> {
  const selected = selectServices(project.services, options.services);
  const services = dependencyOrder(project.services).filter((service) =>
    selected.has(service.name),
  );
  await checkComposeProject(ctx.policy, project, services, ctx.files);
  await checkCeilingsEnforced(ctx);
  await checkComposeSecrets(ctx, project, services);
  const images = await ensureImages(ctx, project, services, options.build);
  checkHealthDependencies(services, (name) => images.byService.get(name)?.hasHealthcheck ?? false);
  const changes = new UpChanges();
  try {
    await ensureNetworks(ctx, project, services, changes);
    await ensureVolumes(ctx, project, services, changes);
    const existing = await listProjectContainers(ctx.podman, project.name, ctx.signal);
    const planned: PlannedContainer[] = [];
    for (const service of services) {
      planned.push(await ensureContainer(ctx, project, service, images, existing, changes));
    }
    await startInOrder(ctx, planned, Date.now() + options.waitTimeoutMs);
    const known = new Set(project.services.map((service) => service.name));
    return {
      project: project.name,
      services: await describeOutcomes(ctx, planned),
      networks_created: changes.networks,
      volumes_created: changes.volumes,
      images_pulled: images.pulled,
      images_built: images.built,
      orphans: existing
        .filter((container) => !known.has(container.Labels?.[LABEL.service] ?? ""))
        .map((container) => container.Names[0] ?? shortId(container.Id)),
    };
  } catch (error) {
    throw await changes.rollBack(ctx, error);
  }
}

async function ensureContainer(
  ctx: CallContext,
  project: ComposeProject,
  service: ServiceConfig,
  images: ImageReport,
  existing: readonly ListedContainer[],
  changes: UpChanges,
): Promise<PlannedContainer> {
  const image = images.byService.get(service.name)!;
  const spec = applyResourceDefaults(ctx.policy, serviceSpec(project, service, image.reference));
  const hash = await configHash(spec);
  spec.labels = {
    ...(spec.labels as Record<string, string>),
    ...composeLabels(project, service, hash),
    ...managedLabels(),
  };
  const name = containerNameOf(project, service);
  const current = findServiceContainer(existing, service.name, name);
  const action = decideAction(
    current && {
      configHash: current.Labels?.[LABEL.configHash],
      imageId: (current as ListedContainer & { ImageID?: string }).ImageID ?? "",
      running: current.State === "running",
    },
    { configHash: hash, imageId: image.id },
  );
  const mutatesCurrent = action === "start" || action === "recreate";
  if (current && mutatesCurrent && ownershipRequired(ctx) && !isManaged(current.Labels)) {
    throw foreignObjectRefusal(ctx, "container", current.Names[0] ?? current.Id);
  }
  if ((action === "keep" || action === "start") && current) {
    return { service, id: current.Id, name, action };
  }
  if (action === "recreate" && current) {
    const oldName = current.Names[0] ?? current.Id;
    await ctx.progress(`recreating ${oldName}: its configuration or image changed`);
    await removeContainer(ctx.podman, current.Id, { force: true, volumes: false }, ctx.signal);
    changes.replaced.push(oldName);
  } else {
    await ctx.progress(`creating ${name}`);
  }
  const created = await createContainer(ctx.podman, spec, ctx.signal);
  changes.containers.push({ id: created.Id, name });
  return { service, id: created.Id, name, action };
}

/** The service's container: the one with the expected name first, else any with its label. */
function findServiceContainer(existing: readonly ListedContainer[], service: string, name: string) {
  const ofService = existing.filter((container) => container.Labels?.[LABEL.service] === service);
  return ofService.find((container) => container.Names.includes(name)) ?? ofService[0];
}

async function startInOrder(
  ctx: CallContext,
  planned: readonly PlannedContainer[],
  deadline: number,
) {
  const byService = new Map(planned.map((entry) => [entry.service.name, entry]));
  const satisfied = new Set<string>();
  for (const entry of planned) {
    for (const [dependency, condition] of Object.entries(entry.service.dependsOn)) {
      const key = `${dependency}:${condition}`;
      if (satisfied.has(key)) continue;
      await satisfy(ctx, byService.get(dependency)!, entry.service.name, condition, deadline);
      satisfied.add(key);
    }
    if (entry.action === "keep") continue;
    await ctx.progress(`starting ${entry.name}`);
    await startContainer(ctx.podman, entry.id, ctx.signal);
  }
}

async function satisfy(
  ctx: CallContext,
  dependency: PlannedContainer,
  dependent: string,
  condition: DependencyCondition,
  deadline: number,
) {
  const target = { service: dependency.service.name, id: dependency.id, dependent };
  if (condition === "service_healthy") {
    await ctx.progress(`waiting for ${target.service} to be healthy`);
    let checks = 0;
    await waitHealthy(ctx.podman, target, deadline, ctx.signal, () => {
      void ctx.progress(`health check ${++checks} of ${target.service}`);
    });
  } else if (condition === "service_completed_successfully") {
    await ctx.progress(`waiting for ${target.service} to complete`);
    await waitCompleted(ctx.podman, target, deadline, ctx.signal);
  }
}

async function describeOutcomes(
  ctx: CallContext,
  planned: readonly PlannedContainer[],
): Promise<ServiceOutcome[]> {
  const outcomes: ServiceOutcome[] = [];
  for (const entry of planned) {
    const state = (await containerState(ctx.podman, entry.id, ctx.signal)) ?? {
      state: "removed",
      ports: [],
    };
    outcomes.push({
      service: entry.service.name,
      container: entry.name,
      id: shortId(entry.id),
      action: PAST_TENSE[entry.action],
      ...state,
    });
  }
  return outcomes;
}

const isManaged = (labels: Record<string, string> | null) => labels?.[MANAGED_LABEL] === "true";
