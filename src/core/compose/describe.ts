import { NotFound } from "../errors.js";
import type { PodmanClient } from "../podman/client.js";
import {
  type ContainerInspect,
  type ListedContainer,
  inspectContainer,
  listContainers,
} from "../podman/containers.js";
import { humanDuration } from "../tools/containers/summary.js";
import { LABEL, projectFilter } from "./names.js";

export interface ContainerState {
  state: string;
  health?: string;
  exit_code?: number;
  /** "HOST_IP:HOST_PORT->CONTAINER/PROTO", the host IP left out when it is all addresses. */
  ports: string[];
}

type InspectWithHealth = ContainerInspect & {
  State: ContainerInspect["State"] & {
    Health?: { Status?: string };
    Healthcheck?: { Status?: string };
  };
};

/** The project's containers (one-off ones excluded), whatever their state. */
export async function listProjectContainers(
  podman: PodmanClient,
  project: string,
  signal: AbortSignal,
): Promise<ListedContainer[]> {
  const listed = await listContainers(
    podman,
    { all: true, filters: { label: [projectFilter(project)] } },
    signal,
  );
  return (listed ?? []).filter((container) => container.Labels?.[LABEL.oneoff] !== "True");
}

/** State, health, exit code and published ports of one container; undefined once it is gone. */
export async function containerState(
  podman: PodmanClient,
  id: string,
  signal: AbortSignal,
): Promise<ContainerState | undefined> {
  let inspected: InspectWithHealth;
  try {
    inspected = (await inspectContainer(podman, id, signal)) as InspectWithHealth;
  } catch (error) {
    if (error instanceof NotFound) return undefined;
    throw error;
  }
  const health = (inspected.State.Health ?? inspected.State.Healthcheck)?.Status;
  // Podman says "stopped" until its cleanup process has run, then "exited": the same to a user.
  const state = inspected.State.Status === "stopped" ? "exited" : inspected.State.Status;
  const exited = !inspected.State.Running && inspected.State.Status !== "created";
  return {
    state,
    ...(health ? { health } : {}),
    ...(exited ? { exit_code: inspected.State.ExitCode } : {}),
    ports: publishedPorts(inspected.NetworkSettings?.Ports),
  };
}

function publishedPorts(
  ports: Record<string, { HostIp: string; HostPort: string }[] | null> | undefined,
): string[] {
  const published: string[] = [];
  for (const [containerPort, bindings] of Object.entries(ports ?? {})) {
    for (const binding of bindings ?? []) {
      const host = binding.HostIp && binding.HostIp !== "0.0.0.0" ? `${binding.HostIp}:` : "";
      published.push(`${host}${binding.HostPort}->${containerPort}`);
    }
  }
  return published;
}

/**
 * "Up 5 minutes", "Exited (0) 2 seconds ago": computed from the times, since
 * Podman 4.3 puts the health status in the list's Status field.
 */
export function composeStatus(container: ListedContainer, now = Date.now()): string {
  if (container.State === "running") return `Up ${humanDuration(now - container.StartedAt * 1000)}`;
  if (container.State === "exited" || container.State === "stopped") {
    const ago =
      container.ExitedAt > 0 ? ` ${humanDuration(now - container.ExitedAt * 1000)} ago` : "";
    return `Exited (${container.ExitCode})${ago}`;
  }
  return container.State.charAt(0).toUpperCase() + container.State.slice(1);
}
