import { shortIdsIn } from "./ids.js";
import type { PodmanResponse } from "../contracts.js";
import { BadArgument, Conflict, McpPodmanError, NotFound, PodmanRejected } from "../errors.js";
import type { PodmanClient } from "./client.js";
import {
  type ListedContainer,
  type StateChange,
  lifecycleTimeout,
  stopContainer,
} from "./containers.js";
import { encodeFilters } from "./filters.js";
import { describeReportError } from "./removal.js";
import { type PortMappingInput, parsePortMapping } from "./run-spec/ports.js";

/** The fields of libpod's pod list entries that we read (Podman 4.3 and 5.x). */
export interface ListedPod {
  Id: string;
  Name: string;
  Status: string;
  Created: string;
  InfraId?: string;
  /** Includes the infra container; `Names` is one string, not a list. */
  Containers: { Id: string; Names: string | string[]; Status: string }[] | null;
  Labels?: Record<string, string> | null;
}

export interface PodInspect {
  Id: string;
  Name: string;
  State: string;
  InfraContainerID?: string;
  InfraConfig?: {
    PortBindings?: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
    HostNetwork?: boolean;
  } | null;
  Labels?: Record<string, string> | null;
  Containers?: { Id: string; Name: string; State: string }[] | null;
  [key: string]: unknown;
}

export interface PodListFilters {
  name?: string;
  label?: string[];
  status?: string;
  id?: string;
}

export interface PodCreateArguments {
  name: string;
  ports?: (string | number | PortMappingInput)[];
  labels?: Record<string, string>;
  network?: string;
  share?: string | string[];
  hostname?: string;
}

const podPath = (nameOrId: string) => `/pods/${encodeURIComponent(nameOrId)}`;

export const SHAREABLE_NAMESPACES = ["cgroup", "ipc", "net", "pid", "uts", "none"] as const;
const NETWORK_MODES = new Set(["bridge", "host", "none", "private", "slirp4netns", "pasta"]);

/** `share` as `podman pod create --share` takes it: "net,ipc,uts", a list, "" or "none". */
export function parseSharedNamespaces(share: string | string[]): string[] {
  const items = (Array.isArray(share) ? share : share.split(","))
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== "");
  if (items.length === 0) return ["none"];
  for (const item of items) {
    if (!(SHAREABLE_NAMESPACES as readonly string[]).includes(item)) {
      throw new BadArgument(
        `Invalid namespace "${item}" in share: expected a comma list of ${SHAREABLE_NAMESPACES.join(", ")}`,
      );
    }
  }
  if (items.includes("none") && items.length > 1) {
    throw new BadArgument(`share "none" cannot be combined with other namespaces`);
  }
  return [...new Set(items)];
}

/** A libpod PodSpecGenerator (POST /libpod/pods/create); ports go on the infra container. */
export function buildPodSpec(args: PodCreateArguments): Record<string, unknown> {
  const spec: Record<string, unknown> = { name: args.name };
  if (args.labels) spec.labels = args.labels;
  if (args.hostname) spec.hostname = args.hostname;
  const ports = (args.ports ?? []).map((port) => parsePortMapping(port));
  if (ports.length) spec.portmappings = ports;
  if (args.share !== undefined) {
    const shared = parseSharedNamespaces(args.share);
    if (ports.length && !shared.includes("net")) {
      throw new BadArgument(
        "Publishing ports needs the net namespace shared: add net to share or drop ports",
      );
    }
    spec.shared_namespaces = shared;
  }
  if (args.network) Object.assign(spec, podNetworkSpec(args.network));
  return spec;
}

function podNetworkSpec(network: string) {
  const mode = network.trim();
  if (NETWORK_MODES.has(mode)) return { netns: { nsmode: mode } };
  const names = mode
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  return { netns: { nsmode: "bridge" }, Networks: Object.fromEntries(names.map((n) => [n, {}])) };
}

export async function createPod(
  podman: PodmanClient,
  spec: Record<string, unknown>,
  signal: AbortSignal,
): Promise<string> {
  try {
    const created = await podman.json<{ Id: string }>("POST", "/pods/create", {
      body: spec,
      signal,
      what: "Creating the pod",
    });
    return created.Id;
  } catch (error) {
    if (error instanceof PodmanRejected && /network not found/i.test(error.message)) {
      throw new NotFound(error.message);
    }
    throw error;
  }
}

/**
 * Podman 4.3 keeps a half-made pod (no infra, no containers) when creation fails
 * late, e.g. on an unknown network, and its name then stays taken.
 */
export async function removeHalfMadePod(podman: PodmanClient, name: string, signal: AbortSignal) {
  const leftover = await inspectPod(podman, name, signal).catch((error: unknown) => {
    if (error instanceof NotFound) return undefined;
    throw error;
  });
  if (!leftover || leftover.InfraContainerID || (leftover.Containers ?? []).length > 0) return;
  await podman.json("DELETE", podPath(leftover.Id), { query: { force: true }, signal });
}

export function listPods(
  podman: PodmanClient,
  filters: PodListFilters | undefined,
  signal: AbortSignal,
): Promise<ListedPod[] | null> {
  return podman.json<ListedPod[] | null>("GET", "/pods/json", {
    query: { filters: encodeFilters({ ...filters }) },
    signal,
  });
}

/** The infra containers carry the pod's published ports. */
export async function listContainersById(
  podman: PodmanClient,
  ids: string[],
  signal: AbortSignal,
): Promise<ListedContainer[]> {
  if (ids.length === 0) return [];
  const listed = await podman.json<ListedContainer[] | null>("GET", "/containers/json", {
    query: { all: true, filters: encodeFilters({ id: ids }) },
    signal,
  });
  return listed ?? [];
}

export function inspectPod(
  podman: PodmanClient,
  nameOrId: string,
  signal: AbortSignal,
): Promise<PodInspect> {
  return podman.json<PodInspect>("GET", `${podPath(nameOrId)}/json`, { signal });
}

export function startPod(
  podman: PodmanClient,
  nameOrId: string,
  signal: AbortSignal,
): Promise<StateChange> {
  return podAction(podman, "POST", `${podPath(nameOrId)}/start`, `Starting pod ${nameOrId}`, {
    signal,
  });
}

/**
 * Without a timeout each container's own stop timeout applies. libpod reads t=0
 * as "no timeout given", so the caller should ask for at least one second.
 */
export async function stopPod(
  podman: PodmanClient,
  nameOrId: string,
  timeoutSeconds: number | undefined,
  signal: AbortSignal,
): Promise<StateChange> {
  const change = await podAction(
    podman,
    "POST",
    `${podPath(nameOrId)}/stop`,
    `Stopping pod ${nameOrId}`,
    { query: { t: timeoutSeconds }, signal, timeoutMs: lifecycleTimeout(podman, timeoutSeconds) },
  );
  if (change === "changed") return change;
  // libpod (4.3 and 5.x) answers 304 to every pod that is not fully Running, so the
  // running containers of a Degraded pod must be stopped one by one, the infra last.
  const pod = await inspectPod(podman, nameOrId, signal);
  const up = (pod.Containers ?? []).filter((c) => c.State === "running" || c.State === "paused");
  if (up.length === 0) return "unchanged";
  const stop = (id: string) => stopContainer(podman, id, timeoutSeconds, signal);
  await Promise.all(up.filter((c) => c.Id !== pod.InfraContainerID).map((c) => stop(c.Id)));
  if (up.some((c) => c.Id === pod.InfraContainerID)) await stop(pod.InfraContainerID!);
  return "changed";
}

export async function removePod(
  podman: PodmanClient,
  nameOrId: string,
  options: { force: boolean; timeoutSeconds?: number },
  signal: AbortSignal,
): Promise<void> {
  try {
    await podAction(podman, "DELETE", podPath(nameOrId), `Removing pod ${nameOrId}`, {
      query: { force: options.force, timeout: options.timeoutSeconds },
      signal,
      timeoutMs: lifecycleTimeout(podman, options.timeoutSeconds),
    });
  } catch (error) {
    // Without force, libpod answers 500 with one "cannot remove ... without force" line per container.
    if (
      !options.force &&
      error instanceof McpPodmanError &&
      /without force|state improper/i.test(error.message)
    ) {
      throw new Conflict(
        `Pod ${nameOrId} has running containers: stop it with podman_pod_stop first, or pass force=true`,
      );
    }
    throw error;
  }
}

interface PodReport {
  Id?: string;
  /** start/stop/restart: one entry per failed container; strings in 4.3, maybe objects elsewhere. */
  Errs?: unknown[] | null;
  /** rm */
  Err?: unknown;
}

/**
 * Pod start/stop/rm answer a report whose errors name the containers that failed;
 * 304 means the pod already was in the wanted state.
 */
async function podAction(
  podman: PodmanClient,
  method: string,
  path: string,
  what: string,
  options: {
    query?: Record<string, string | number | boolean | undefined>;
    signal: AbortSignal;
    timeoutMs?: number;
  },
): Promise<StateChange> {
  let response: PodmanResponse;
  try {
    response = await podman.request(method, path, { ...options, what });
  } catch (error) {
    throw explainReportFailure(error, what);
  }
  if (response.status === 304) {
    await response.body?.cancel();
    return "unchanged";
  }
  const text = await podman.readText(response, { ...options, what }, method, path);
  const problems = reportErrors(parseJson(text));
  if (problems.length) throw new PodmanRejected(`${what} failed: ${problems.join("; ")}`, 500);
  return "changed";
}

/** A failed pod action arrives as its raw report text, e.g. 409 `{"Errs":["starting container ..."]}`. */
function explainReportFailure(error: unknown, what: string): unknown {
  if (!(error instanceof McpPodmanError)) return error;
  const problems = reportErrors(parseJson(error.message));
  if (problems.length === 0) return error;
  const message = `${what} failed: ${problems.join("; ")}`;
  if (error instanceof NotFound) return new NotFound(message);
  if (error instanceof Conflict) return new Conflict(message);
  if (error instanceof PodmanRejected) return new PodmanRejected(message, error.status);
  return error;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function reportErrors(report: unknown): string[] {
  if (typeof report !== "object" || report === null) return [];
  const { Errs, Err } = report as PodReport;
  const errors = [...(Array.isArray(Errs) ? Errs : []), ...(Err ? [Err] : [])];
  return errors.map(describeReportError).map(shortIdsIn);
}
