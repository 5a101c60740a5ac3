import { Conflict, NotFound } from "../errors.js";
import type { PodmanClient } from "./client.js";
import { encodeFilters } from "./filters.js";
import { FORCED_REMOVAL_MARGIN_MS } from "./removal.js";

/** The fields of libpod's volume documents that we read (Podman 4.3 and 5.x). */
export interface VolumeInfo {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
  Scope?: string;
}

export interface VolumeFilters {
  name?: string;
  label?: string[];
  dangling?: boolean;
}

export interface VolumeSpec {
  Name?: string;
  Driver?: string;
  Labels?: Record<string, string>;
  Options?: Record<string, string>;
}

/** One pruned volume; Size is the bytes it freed. */
export interface VolumePruneReport {
  Id: string;
  Size?: number;
  Err?: unknown;
}

const volumePath = (name: string) => `/volumes/${encodeURIComponent(name)}`;

/**
 * Podman ORs volume filters, even several labels (containers/podman#26786), where
 * an agent expects each filter to narrow the list. So each criterion is its own
 * query and the answer is the volumes that every query returned.
 */
export async function listVolumes(
  podman: PodmanClient,
  filters: VolumeFilters | undefined,
  signal: AbortSignal,
): Promise<VolumeInfo[]> {
  const criteria = singleCriteria(filters);
  if (criteria.length <= 1) return queryVolumes(podman, criteria[0], signal);
  const [first, ...others] = await Promise.all(
    criteria.map((criterion) => queryVolumes(podman, criterion, signal)),
  );
  const inAll = others.map((volumes) => new Set(volumes.map((volume) => volume.Name)));
  return (first ?? []).filter((volume) => inAll.every((names) => names.has(volume.Name)));
}

function singleCriteria(filters: VolumeFilters | undefined): Record<string, string[]>[] {
  const criteria: Record<string, string[]>[] = (filters?.label ?? []).map((label) => ({
    label: [label],
  }));
  if (filters?.name !== undefined) criteria.push({ name: [filters.name] });
  if (filters?.dangling !== undefined) criteria.push({ dangling: [String(filters.dangling)] });
  return criteria;
}

async function queryVolumes(
  podman: PodmanClient,
  criterion: Record<string, string[]> | undefined,
  signal: AbortSignal,
): Promise<VolumeInfo[]> {
  const volumes = await podman.json<VolumeInfo[] | null>("GET", "/volumes/json", {
    query: { filters: encodeFilters(criterion) },
    signal,
  });
  return volumes ?? [];
}

export const volumeExists = (podman: PodmanClient, name: string, signal: AbortSignal) =>
  podman.exists(`${volumePath(name)}/exists`, signal);

/** libpod's volume document. */
export function inspectVolume(
  podman: PodmanClient,
  name: string,
  signal: AbortSignal,
): Promise<VolumeInfo> {
  return podman.json<VolumeInfo>("GET", `${volumePath(name)}/json`, { signal });
}

export function createVolume(
  podman: PodmanClient,
  spec: VolumeSpec,
  signal: AbortSignal,
): Promise<VolumeInfo> {
  return podman.json<VolumeInfo>("POST", "/volumes/create", {
    body: spec,
    signal,
    what: spec.Name ? `Creating volume ${spec.Name}` : "Creating the volume",
  });
}

/** With force, Podman first removes the containers using the volume. */
export async function removeVolume(
  podman: PodmanClient,
  name: string,
  options: { force: boolean; timeoutSeconds?: number },
  signal: AbortSignal,
): Promise<void> {
  await podman.send("DELETE", volumePath(name), {
    query: { force: options.force, timeout: options.timeoutSeconds },
    signal,
    timeoutMs: options.force ? podman.timeoutMs + FORCED_REMOVAL_MARGIN_MS : undefined,
    what: `Removing volume ${name}`,
  });
}

/**
 * Removes the volumes no container uses that carry all the labels. Podman's own
 * prune ORs several labels (containers/podman#26786), so with more than one the
 * unused volumes having them all are removed one by one (without force, so a
 * volume that came into use meanwhile is refused); Podman then reports no sizes.
 */
export async function pruneVolumes(
  podman: PodmanClient,
  labels: string[],
  signal: AbortSignal,
): Promise<{ reports: VolumePruneReport[]; sizesReported: boolean }> {
  if (labels.length <= 1) {
    const reports = await podman.json<VolumePruneReport[] | null>("POST", "/volumes/prune", {
      query: { filters: encodeFilters({ label: labels }) },
      signal,
      what: "Pruning volumes",
    });
    return { reports: reports ?? [], sizesReported: true };
  }
  const unused = await listVolumes(podman, { label: labels, dangling: true }, signal);
  const reports: VolumePruneReport[] = [];
  for (const volume of unused) {
    try {
      await removeVolume(podman, volume.Name, { force: false }, signal);
      reports.push({ Id: volume.Name });
    } catch (error) {
      // In use or gone meanwhile: reported, the others are still pruned.
      if (!(error instanceof Conflict || error instanceof NotFound)) throw error;
      reports.push({ Id: volume.Name, Err: error.message });
    }
  }
  return { reports, sizesReported: false };
}
