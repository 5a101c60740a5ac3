import { PodmanRejected, PodmanTimeout } from "../errors.js";
import { errorForStatus, type PodmanClient } from "./client.js";
import { readJsonLines } from "./json-stream.js";

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

/** One line of GET /libpod/events. */
export interface RawEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  from?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> | null };
  time?: number;
  timeNano?: number;
  HealthStatus?: string;
}

export interface EventQuery {
  since?: string;
  until?: string;
  filters?: Record<string, string[]>;
}

export interface EventHistory {
  /** The last `limit` events read, in Podman's order. */
  events: RawEvent[];
  /** Every event read, kept or not. */
  scanned: number;
  /** Why reading stopped before the history ended, if it did. */
  stoppedEarly?: "time_budget" | "scan_budget";
}

/** Past this many events the history is too large to scan in one call: narrow it instead. */
export const MAX_SCANNED_EVENTS = 200_000;

/**
 * Reads the event history once (stream=false ends when the history is read)
 * and keeps the last `limit` events. Reading stops at the request timeout or
 * after `maxScanned` events, so a call always ends.
 */
export async function readEventHistory(
  podman: PodmanClient,
  query: EventQuery,
  options: { limit: number; maxScanned?: number },
  signal: AbortSignal,
): Promise<EventHistory> {
  const what = "Reading the event history";
  const maxScanned = options.maxScanned ?? MAX_SCANNED_EVENTS;
  const filters =
    query.filters && Object.keys(query.filters).length ? JSON.stringify(query.filters) : undefined;
  const response = await podman.request("GET", "/events", {
    query: { stream: false, since: query.since, until: query.until, filters },
    signal,
    what,
  });
  const events: RawEvent[] = [];
  let scanned = 0;
  try {
    // Leaving this loop early closes the line reader, which cancels the body.
    for await (const value of readJsonLines(response.body)) {
      throwIfStreamedError(value);
      scanned += 1;
      events.push(value as RawEvent);
      if (events.length > options.limit) events.shift();
      if (scanned >= maxScanned) return { events, scanned, stoppedEarly: "scan_budget" };
    }
  } catch (error) {
    const failure = podman.translateFailure(error, signal, undefined, what, podman.timeoutMs);
    if (!(failure instanceof PodmanTimeout)) throw failure;
    return { events, scanned, stoppedEarly: "time_budget" };
  }
  return { events, scanned };
}

/**
 * Podman answers 200 before it parses since/until, then streams the error
 * as a libpod error object: `{"cause":..., "message":..., "response":500}`.
 */
function throwIfStreamedError(value: unknown): void {
  const candidate = value as { message?: unknown; response?: unknown; Type?: unknown };
  if (
    typeof candidate.message === "string" &&
    typeof candidate.response === "number" &&
    candidate.Type === undefined
  ) {
    throw errorForStatus(candidate.response, candidate.message);
  }
}

/** One entry of GET /libpod/containers/stats (identical in 4.3 and 5.x). */
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
  NetInput: number;
  NetOutput: number;
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

const FULL_ID = /^[0-9a-f]{64}$/;

/** A 64-hex id becomes its 12-character short form; anything else stays. */
export const shortenId = (value: string) => (FULL_ID.test(value) ? value.slice(0, 12) : value);

export interface EventSummary {
  time: string;
  type: string;
  action: string;
  id?: string;
  name?: string;
  image?: string;
  pod?: string;
  exit_code?: number;
  health?: string;
  attributes?: Record<string, string>;
}

/** Attributes shown as their own fields, or present on every event (4.3's exit code, buildah's version label). */
const ATTRIBUTES_SHOWN_ELSEWHERE = new Set([
  "name",
  "image",
  "podId",
  "containerExitCode",
  "io.buildah.version",
]);
const EXIT_ACTIONS = new Set(["died", "exec_died"]);
/** Beyond this (as JSON) an event's remaining attributes, mostly labels, are left out. */
export const MAX_EVENT_ATTRIBUTE_CHARS = 200;

export function summarizeEvent(raw: RawEvent & { ContainerExitCode?: number }): EventSummary {
  const attributes = raw.Actor?.Attributes ?? {};
  const action = raw.Action || raw.status || "";
  const summary: EventSummary = { time: eventTime(raw), type: raw.Type ?? "", action };
  const id = raw.Actor?.ID || raw.id;
  if (id) summary.id = shortenId(id);
  if (attributes.name) summary.name = shortenId(attributes.name);
  const image = attributes.image || raw.from;
  if (image && image !== attributes.name) summary.image = image;
  if (attributes.podId) summary.pod = shortenId(attributes.podId);
  // 4.3 puts containerExitCode (mostly "0") on every event: it only means something
  // on "died" (the container's) and "exec_died" (the exec session's).
  const exitCode = raw.ContainerExitCode ?? attributes.containerExitCode;
  if (EXIT_ACTIONS.has(action) && exitCode !== undefined && exitCode !== "") {
    summary.exit_code = Number(exitCode);
  }
  if (raw.HealthStatus) summary.health = raw.HealthStatus;
  const extra = Object.fromEntries(
    Object.entries(attributes).filter(
      ([key, value]) => !ATTRIBUTES_SHOWN_ELSEWHERE.has(key) && value !== "",
    ),
  );
  const size = JSON.stringify(extra).length;
  if (Object.keys(extra).length > 0 && size <= MAX_EVENT_ATTRIBUTE_CHARS) {
    summary.attributes = extra;
  }
  return summary;
}

/** RFC 3339 with milliseconds; timeNano exceeds 2^53 but keeps millisecond precision. */
function eventTime(raw: RawEvent): string {
  const ms =
    raw.timeNano !== undefined
      ? Math.floor(raw.timeNano / 1e6)
      : raw.time !== undefined
        ? raw.time * 1000
        : undefined;
  return ms === undefined ? "" : new Date(ms).toISOString();
}

/** Orders by event time; Podman's log holds some events (pull) after later ones. */
export function chronological(events: EventSummary[]): EventSummary[] {
  return [...events].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

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
