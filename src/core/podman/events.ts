import { shortId } from "./ids.js";
import { PodmanTimeout } from "../errors.js";
import { errorForStatus, type PodmanClient } from "./client.js";
import { readJsonLines } from "./json-stream.js";

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

/** An event in the compact form podman_events answers. */
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
  if (id) summary.id = shortId(id);
  if (attributes.name) summary.name = shortId(attributes.name);
  const image = attributes.image || raw.from;
  if (image && image !== attributes.name) summary.image = image;
  if (attributes.podId) summary.pod = shortId(attributes.podId);
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
