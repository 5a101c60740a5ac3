import { Conflict, PodmanRejected } from "../errors.js";
import type { PodmanClient } from "./client.js";
import { encodeFilters } from "./filters.js";
import { FORCED_REMOVAL_MARGIN_MS, describeReportError } from "./removal.js";

/** libpod's network document (netavark format), the same in Podman 4.3 and 5.x. */
export interface NetworkInfo {
  name: string;
  id: string;
  driver: string;
  network_interface?: string;
  created?: string;
  subnets?: { subnet: string; gateway?: string }[] | null;
  ipv6_enabled?: boolean;
  internal?: boolean;
  dns_enabled?: boolean;
  labels?: Record<string, string> | null;
  [key: string]: unknown;
}

export interface NetworkFilters {
  name?: string;
  label?: string[];
  driver?: string;
}

export interface NetworkSpec {
  name: string;
  driver?: string;
  subnets?: { subnet: string; gateway?: string }[];
  internal?: boolean;
  dns_enabled?: boolean;
  labels?: Record<string, string>;
  network_interface?: string;
}

const networkPath = (name: string) => `/networks/${encodeURIComponent(name)}`;

export async function listNetworks(
  podman: PodmanClient,
  filters: NetworkFilters | undefined,
  signal: AbortSignal,
): Promise<NetworkInfo[]> {
  const networks = await podman.json<NetworkInfo[] | null>("GET", "/networks/json", {
    query: { filters: encodeFilters({ ...filters }) },
    signal,
  });
  return networks ?? [];
}

export function inspectNetwork(
  podman: PodmanClient,
  name: string,
  signal: AbortSignal,
): Promise<NetworkInfo> {
  return podman.json<NetworkInfo>("GET", `${networkPath(name)}/json`, { signal });
}

export const networkExists = (podman: PodmanClient, name: string, signal: AbortSignal) =>
  podman.exists(`${networkPath(name)}/exists`, signal);

export function createNetwork(
  podman: PodmanClient,
  spec: NetworkSpec,
  signal: AbortSignal,
): Promise<NetworkInfo> {
  return podman.json<NetworkInfo>("POST", "/networks/create", {
    body: spec,
    signal,
    what: `Creating network ${spec.name}`,
  });
}

/**
 * With force, Podman first removes the containers (and pods) attached to the
 * network; Podman 4.3 ignores `timeout` here and waits each container's own stop
 * timeout. 4.3 answers "network is being used" with a 500: that is a Conflict.
 */
export async function removeNetwork(
  podman: PodmanClient,
  name: string,
  options: { force: boolean; timeoutSeconds?: number },
  signal: AbortSignal,
): Promise<string[]> {
  let reports: { Name: string; Err?: unknown }[] | null;
  try {
    reports = await podman.json("DELETE", networkPath(name), {
      query: { force: options.force, timeout: options.timeoutSeconds },
      signal,
      timeoutMs: options.force ? podman.timeoutMs + FORCED_REMOVAL_MARGIN_MS : undefined,
      what: `Removing network ${name}`,
    });
  } catch (error) {
    if (error instanceof PodmanRejected && /is being used/i.test(error.message)) {
      throw new Conflict(error.message);
    }
    throw error;
  }
  for (const report of reports ?? []) {
    if (report.Err) throw new PodmanRejected(describeReportError(report.Err), 500);
  }
  return (reports ?? []).map((report) => report.Name);
}
