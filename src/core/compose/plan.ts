import { BadArgument } from "../errors.js";
import type { ServiceConfig } from "./model.js";

/**
 * Services ordered so each comes after what it depends on, otherwise in file
 * order. A cycle is an error naming it: "a -> b -> a".
 */
export function dependencyOrder(services: readonly ServiceConfig[]): ServiceConfig[] {
  const byName = new Map(services.map((service) => [service.name, service]));
  const ordered: ServiceConfig[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (service: ServiceConfig, trail: string[]) => {
    const seen = state.get(service.name);
    if (seen === "done") return;
    if (seen === "visiting") {
      const cycle = [...trail.slice(trail.indexOf(service.name)), service.name];
      throw new BadArgument(`The depends_on entries form a cycle: ${cycle.join(" -> ")}`);
    }
    state.set(service.name, "visiting");
    for (const dependency of Object.keys(service.dependsOn)) {
      const target = byName.get(dependency);
      if (target) visit(target, [...trail, service.name]);
    }
    state.set(service.name, "done");
    ordered.push(service);
  };
  for (const service of services) visit(service, []);
  return ordered;
}

/** The requested services and, transitively, everything they depend on; all when none requested. */
export function selectServices(
  services: readonly ServiceConfig[],
  requested: readonly string[] | undefined,
): Set<string> {
  if (!requested || requested.length === 0) return new Set(services.map((service) => service.name));
  const byName = new Map(services.map((service) => [service.name, service]));
  const unknown = requested.filter((name) => !byName.has(name));
  if (unknown.length > 0) {
    throw new BadArgument(
      `No service ${unknown.map((name) => `"${name}"`).join(", ")} in the compose file ` +
        `(services: ${[...byName.keys()].join(", ")})`,
    );
  }
  const selected = new Set<string>();
  const add = (name: string) => {
    if (selected.has(name)) return;
    selected.add(name);
    for (const dependency of Object.keys(byName.get(name)?.dependsOn ?? {})) add(dependency);
  };
  requested.forEach(add);
  return selected;
}

export type ContainerAction = "create" | "recreate" | "start" | "keep";

export interface ExistingContainer {
  configHash?: string;
  imageId: string;
  running: boolean;
}

/**
 * What `up` does for one service: keep a container whose configuration and
 * image are unchanged (starting it if stopped), recreate a changed one.
 */
export function decideAction(
  existing: ExistingContainer | undefined,
  wanted: { configHash: string; imageId: string },
): ContainerAction {
  if (!existing) return "create";
  if (existing.configHash !== wanted.configHash || existing.imageId !== wanted.imageId) {
    return "recreate";
  }
  return existing.running ? "keep" : "start";
}

/**
 * Refuses `condition: service_healthy` on a dependency that has no health
 * check (neither in the file nor in its image) before anything is created.
 */
export function checkHealthDependencies(
  services: readonly ServiceConfig[],
  imageHasHealthcheck: (service: string) => boolean,
): void {
  const byName = new Map(services.map((service) => [service.name, service]));
  for (const service of services) {
    for (const [dependency, condition] of Object.entries(service.dependsOn)) {
      if (condition !== "service_healthy") continue;
      const own = byName.get(dependency)?.healthcheck;
      const checked = own ? own.test[0] !== "NONE" : imageHasHealthcheck(dependency);
      if (!checked) {
        throw new BadArgument(
          `Service "${service.name}" waits for "${dependency}" to be healthy, but "${dependency}" ` +
            "has no health check: give it a healthcheck or use condition: service_started",
        );
      }
    }
  }
}
