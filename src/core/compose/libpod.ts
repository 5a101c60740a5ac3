import { NotFound, PodmanRejected } from "../errors.js";
import type { PodmanClient } from "../podman/client.js";

// The libpod calls compose needs beyond containers: networks, volumes, image ids, health checks.

const labelFilter = (label: string) => JSON.stringify({ label: [label] });

export interface ListedNetwork {
  name: string;
  labels?: Record<string, string> | null;
}

export interface ListedVolume {
  Name: string;
  Labels?: Record<string, string> | null;
}

export function listNetworksByLabel(podman: PodmanClient, label: string, signal: AbortSignal) {
  return podman
    .json<ListedNetwork[] | null>("GET", "/networks/json", {
      query: { filters: labelFilter(label) },
      signal,
    })
    .then((networks) => networks ?? []);
}

export function listVolumesByLabel(podman: PodmanClient, label: string, signal: AbortSignal) {
  return podman
    .json<ListedVolume[] | null>("GET", "/volumes/json", {
      query: { filters: labelFilter(label) },
      signal,
    })
    .then((volumes) => volumes ?? []);
}

/** libpod answers 204 when it exists, 404 when not. */
async function exists(podman: PodmanClient, path: string, signal: AbortSignal): Promise<boolean> {
  try {
    const response = await podman.request("GET", path, { signal });
    await response.body?.cancel();
    return true;
  } catch (error) {
    if (error instanceof NotFound) return false;
    throw error;
  }
}

export const networkExists = (podman: PodmanClient, name: string, signal: AbortSignal) =>
  exists(podman, `/networks/${encodeURIComponent(name)}/exists`, signal);

export const volumeExists = (podman: PodmanClient, name: string, signal: AbortSignal) =>
  exists(podman, `/volumes/${encodeURIComponent(name)}/exists`, signal);

export interface NetworkCreate {
  name: string;
  driver?: string;
  internal: boolean;
  labels: Record<string, string>;
}

/** Service names resolve through aardvark-dns only on networks created with dns_enabled. */
export async function createNetwork(
  podman: PodmanClient,
  network: NetworkCreate,
  signal: AbortSignal,
) {
  await podman.json("POST", "/networks/create", {
    body: { ...network, dns_enabled: true },
    signal,
    what: `Creating network ${network.name}`,
  });
}

export async function removeNetwork(podman: PodmanClient, name: string, signal: AbortSignal) {
  const reports = await podman.json<{ Name?: string; Err?: string | null }[] | null>(
    "DELETE",
    `/networks/${encodeURIComponent(name)}`,
    { signal, what: `Removing network ${name}` },
  );
  const failed = (reports ?? []).find((report) => report.Err);
  if (failed?.Err) throw new PodmanRejected(`removing network ${name} failed: ${failed.Err}`, 500);
}

export interface VolumeCreate {
  Name: string;
  Driver?: string;
  Labels: Record<string, string>;
  Options: Record<string, string>;
}

export async function createVolume(
  podman: PodmanClient,
  volume: VolumeCreate,
  signal: AbortSignal,
) {
  await podman.json("POST", "/volumes/create", {
    body: volume,
    signal,
    what: `Creating volume ${volume.Name}`,
  });
}

export async function removeVolume(podman: PodmanClient, name: string, signal: AbortSignal) {
  const response = await podman.request("DELETE", `/volumes/${encodeURIComponent(name)}`, {
    signal,
    what: `Removing volume ${name}`,
  });
  await response.body?.cancel();
}

export interface LocalImage {
  id: string;
  /** The image defines a HEALTHCHECK (only docker-format images carry one). */
  hasHealthcheck: boolean;
}

/** The image in local storage, or undefined when it is not there. */
export async function localImage(
  podman: PodmanClient,
  reference: string,
  signal: AbortSignal,
): Promise<LocalImage | undefined> {
  try {
    const image = await podman.json<{
      Id: string;
      HealthCheck?: { Test?: string[] | null } | null;
    }>("GET", `/images/${encodeURIComponent(reference)}/json`, { signal });
    const test = image.HealthCheck?.Test ?? [];
    return { id: image.Id, hasHealthcheck: test.length > 0 && test[0] !== "NONE" };
  } catch (error) {
    if (error instanceof NotFound) return undefined;
    throw error;
  }
}

/**
 * Runs the container's health check once (libpod: GET .../healthcheck; Podman
 * without systemd never runs them by itself). The answer is this one run's
 * result; the container's health status, which counts retries, is in inspect.
 */
export async function runHealthcheck(
  podman: PodmanClient,
  id: string,
  checkTimeoutMs: number,
  signal: AbortSignal,
) {
  await podman.json("GET", `/containers/${encodeURIComponent(id)}/healthcheck`, {
    signal,
    timeoutMs: podman.timeoutMs + checkTimeoutMs,
    what: `Running the health check of ${id}`,
  });
}
