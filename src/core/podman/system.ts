import { PodmanRejected } from "../errors.js";
import type { PodmanClient } from "./client.js";

/** The parts of GET /libpod/info that we read (Podman 4.3 and 5.x). */
export interface PodmanInfo {
  host: {
    arch: string;
    os: string;
    kernel: string;
    hostname: string;
    cgroupVersion: string;
    cgroupManager: string;
    cpus: number;
    memTotal: number;
    memFree: number;
    distribution?: { distribution?: string; version?: string };
    ociRuntime?: { name?: string; version?: string };
    security?: { rootless?: boolean };
    eventLogger?: string;
  };
  store: {
    graphDriverName: string;
    graphRoot: string;
    runRoot?: string;
    imageStore?: { number: number };
    containerStore?: { number: number; paused: number; running: number; stopped: number };
  };
  version: { APIVersion: string; Version: string };
}

/** Answers when Podman answers its ping; throws the typed error when not. */
export async function ping(podman: PodmanClient, timeoutMs: number): Promise<void> {
  await podman.send("GET", "/_ping", { timeoutMs });
}

export function getInfo(podman: PodmanClient, signal: AbortSignal): Promise<PodmanInfo> {
  return podman.json<PodmanInfo>("GET", "/info", { signal, what: "Reading Podman's info" });
}

export interface DfImage {
  Repository: string;
  Tag: string;
  ImageID: string;
  Size: number;
  UniqueSize: number;
  Containers: number;
}

export interface DfContainer {
  ContainerID: string;
  Names: string;
  Status: string;
  RWSize: number;
}

export interface DfVolume {
  VolumeName: string;
  Links: number;
  Size: number;
  ReclaimableSize: number;
}

/** GET /libpod/system/df; `ImagesSize` (the layers counted once) exists only since Podman 5. */
export interface DfReport {
  Images: DfImage[] | null;
  Containers: DfContainer[] | null;
  Volumes: DfVolume[] | null;
  ImagesSize?: number;
}

export function getSystemDf(podman: PodmanClient, signal: AbortSignal): Promise<DfReport> {
  return podman.json<DfReport>("GET", "/system/df", {
    signal,
    what: "Measuring Podman's disk usage",
  });
}

/** One entry of GET /libpod/containers/stats. */
export interface RawStats {
  ContainerID: string;
  Name: string;
  /** Percent of one CPU; on a single reading, the average since the container started. */
  CPU: number;
  CPUNano: number;
  SystemNano: number;
  MemUsage: number;
  MemLimit: number;
  MemPerc: number;
  /** Podman 4 only; Podman 5 counts per interface in `Network` instead. */
  NetInput?: number;
  NetOutput?: number;
  Network?: Record<string, { RxBytes?: number; TxBytes?: number }> | null;
  BlockInput: number;
  BlockOutput: number;
  PIDs: number;
}

interface StatsAnswer {
  /** A Go error marshalled as `{}`: it says that something failed, never what. */
  Error: unknown;
  Stats: RawStats[] | null;
}

/** One reading of the named container, or of every running container without a name. */
export async function readStats(
  podman: PodmanClient,
  nameOrId: string | undefined,
  signal: AbortSignal,
): Promise<RawStats[]> {
  const answer = await podman.json<StatsAnswer>("GET", "/containers/stats", {
    query: { stream: false, containers: nameOrId },
    signal,
    what: nameOrId ? `Reading the stats of ${nameOrId}` : "Reading container stats",
  });
  if (answer.Error !== null && answer.Error !== undefined) {
    const detail = typeof answer.Error === "string" ? `: ${answer.Error}` : "";
    throw new PodmanRejected(
      `Podman could not read the stats of ${nameOrId ?? "the running containers"}${detail}`,
      500,
    );
  }
  return answer.Stats ?? [];
}

/**
 * CPU use between two readings of the same container, in percent of one CPU:
 * container CPU time over wall-clock time (SystemNano is a wall-clock timestamp).
 */
export function cpuPercentBetween(
  first: Pick<RawStats, "CPUNano" | "SystemNano">,
  second: Pick<RawStats, "CPUNano" | "SystemNano">,
): number {
  const elapsed = second.SystemNano - first.SystemNano;
  const used = second.CPUNano - first.CPUNano;
  if (!(elapsed > 0) || !(used > 0)) return 0;
  return (used / elapsed) * 100;
}

export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface HealthState {
  Status: string;
  FailingStreak: number;
  Log: HealthLogEntry[] | null;
}

/**
 * Runs the container's health check once and answers THIS run's result
 * (healthy/unhealthy); the container's health, which only turns unhealthy
 * after `retries` failures, is in its inspect State.
 */
export function runHealthcheck(
  podman: PodmanClient,
  nameOrId: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<HealthState> {
  return podman.json<HealthState>(
    "GET",
    `/containers/${encodeURIComponent(nameOrId)}/healthcheck`,
    {
      signal,
      timeoutMs,
      what: `Running the health check of ${nameOrId}`,
    },
  );
}

/** Everything below shapes libpod answers into the compact forms the tools answer. */

export interface UsageSummary {
  count: number;
  active: number;
  size: number;
  reclaimable: number;
}

export interface DiskUsage {
  images: UsageSummary;
  containers: UsageSummary;
  volumes: UsageSummary;
}

/**
 * What `podman system df` shows. Images: Podman 5 reports the layers counted
 * once (ImagesSize) and what is not held by a container's image is
 * reclaimable; Podman 4 has no such total, so its sizes count shared layers
 * once per image, like its own CLI does.
 */
export function summarizeDiskUsage(report: DfReport): DiskUsage {
  const images = distinctImages(report.Images ?? []);
  const activeImages = images.filter((image) => image.Containers > 0);
  const sum = <T>(items: T[], size: (item: T) => number) =>
    items.reduce((total, item) => total + (size(item) || 0), 0);
  const imagesSize = report.ImagesSize ?? sum(images, (image) => image.Size);
  const imagesReclaimable =
    report.ImagesSize !== undefined
      ? report.ImagesSize - sum(activeImages, (image) => image.UniqueSize)
      : sum(
          images.filter((image) => image.Containers === 0),
          (image) => image.Size,
        );
  const containers = report.Containers ?? [];
  const stopped = containers.filter((container) => container.Status !== "running");
  const volumes = report.Volumes ?? [];
  return {
    images: {
      count: images.length,
      active: activeImages.length,
      size: imagesSize,
      reclaimable: Math.max(0, imagesReclaimable),
    },
    containers: {
      count: containers.length,
      active: containers.length - stopped.length,
      size: sum(containers, (container) => container.RWSize),
      reclaimable: sum(stopped, (container) => container.RWSize),
    },
    volumes: {
      count: volumes.length,
      active: volumes.filter((volume) => volume.Links > 0).length,
      size: sum(volumes, (volume) => volume.Size),
      reclaimable: sum(volumes, (volume) => volume.ReclaimableSize),
    },
  };
}

/** An image with several tags is listed once per tag. */
export function distinctImages(images: DfImage[]): DfImage[] {
  const seen = new Map<string, DfImage>();
  for (const image of images) if (!seen.has(image.ImageID)) seen.set(image.ImageID, image);
  return [...seen.values()];
}

/** "runc version 1.1.5+ds1\ncommit: ..." or "crun version 1.9\n..." gives "1.1.5+ds1" / "1.9". */
export function runtimeVersion(versionText: string | undefined): string {
  const firstLine = (versionText ?? "").split("\n")[0]?.trim() ?? "";
  return /\bversion\s+(\S+)/.exec(firstLine)?.[1] ?? firstLine;
}

/** Bytes received and sent over every interface, from Podman 4's totals or Podman 5's per interface. */
export function networkBytes(stats: RawStats): { received: number; sent: number } {
  if (stats.NetInput !== undefined || stats.NetOutput !== undefined) {
    return { received: stats.NetInput ?? 0, sent: stats.NetOutput ?? 0 };
  }
  const interfaces = Object.values(stats.Network ?? {});
  return {
    received: interfaces.reduce((sum, counters) => sum + (counters.RxBytes ?? 0), 0),
    sent: interfaces.reduce((sum, counters) => sum + (counters.TxBytes ?? 0), 0),
  };
}
