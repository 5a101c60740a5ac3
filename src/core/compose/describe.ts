import { NotFound } from "../errors.js";
import type { PodmanClient } from "../podman/client.js";
import {
  type ContainerInspect,
  type ListedContainer,
  inspectContainer,
  listContainers,
} from "../podman/containers.js";
import { publishedPorts, statusText } from "../podman/container-summary.js";
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

/** "Up 5 minutes", "Exited (0) 2 seconds ago": the health has its own column in compose ps. */
export function composeStatus(container: ListedContainer, now = Date.now()): string {
  return statusText({ ...container, Status: "" }, now);
}
