import type { PodmanResponse } from "../contracts.js";
import type { PodmanClient, Query } from "./client.js";
import { encodeFilters } from "./filters.js";

/** The fields of libpod's container list entries that we read (Podman 4.3 and 5.x). */
export interface ListedContainer {
  Id: string;
  Names: string[];
  Image: string;
  State: string;
  Status?: string;
  Created: string;
  StartedAt: number;
  ExitedAt: number;
  ExitCode: number;
  Ports: PortMapping[] | null;
  PodName?: string;
  Labels: Record<string, string> | null;
}

export interface PortMapping {
  host_ip: string;
  host_port: number;
  container_port: number;
  protocol: string;
  range?: number;
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  ImageName: string;
  State: {
    Status: string;
    Running: boolean;
    ExitCode: number;
    StartedAt: string;
    FinishedAt: string;
  };
  Config: { Tty?: boolean; Labels?: Record<string, string> | null };
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: {
    Ports?: Record<string, { HostIp: string; HostPort: string }[] | null>;
  };
  [key: string]: unknown;
}

export interface ListFilters {
  status?: string;
  name?: string;
  label?: string[];
  ancestor?: string;
  pod?: string;
}

const containerPath = (nameOrId: string) => `/containers/${encodeURIComponent(nameOrId)}`;

export function listContainers(
  podman: PodmanClient,
  options: { all: boolean; limit?: number; filters?: ListFilters },
  signal: AbortSignal,
): Promise<ListedContainer[]> {
  return podman.json<ListedContainer[]>("GET", "/containers/json", {
    query: {
      all: options.all,
      limit: options.limit,
      filters: encodeFilters({ ...options.filters }),
    },
    signal,
  });
}

export async function inspectContainer(
  podman: PodmanClient,
  nameOrId: string,
  signal: AbortSignal,
): Promise<ContainerInspect> {
  return podman.json<ContainerInspect>("GET", `${containerPath(nameOrId)}/json`, { signal });
}

export function createContainer(
  podman: PodmanClient,
  spec: Record<string, unknown>,
  signal: AbortSignal,
): Promise<{ Id: string; Warnings: string[] | null }> {
  return podman.json("POST", "/containers/create", {
    body: spec,
    signal,
    what: "Creating the container",
  });
}

/** 304 from start/stop means the container already was in the wanted state. */
export type StateChange = "changed" | "unchanged";

export async function startContainer(
  podman: PodmanClient,
  nameOrId: string,
  signal: AbortSignal,
): Promise<StateChange> {
  const status = await podman.send("POST", `${containerPath(nameOrId)}/start`, {
    signal,
    what: `Starting ${nameOrId}`,
  });
  return status === 304 ? "unchanged" : "changed";
}

/** The request may legitimately take as long as the stop timeout itself. */
export function lifecycleTimeout(podman: PodmanClient, stopTimeoutSeconds: number | undefined) {
  return podman.timeoutMs + (stopTimeoutSeconds ?? 10) * 1000;
}

export async function stopContainer(
  podman: PodmanClient,
  nameOrId: string,
  timeoutSeconds: number | undefined,
  signal: AbortSignal,
): Promise<StateChange> {
  const status = await podman.send("POST", `${containerPath(nameOrId)}/stop`, {
    query: { timeout: timeoutSeconds },
    signal,
    timeoutMs: lifecycleTimeout(podman, timeoutSeconds),
    what: `Stopping ${nameOrId}`,
  });
  return status === 304 ? "unchanged" : "changed";
}

export async function restartContainer(
  podman: PodmanClient,
  nameOrId: string,
  timeoutSeconds: number | undefined,
  signal: AbortSignal,
): Promise<void> {
  await podman.send("POST", `${containerPath(nameOrId)}/restart`, {
    query: { t: timeoutSeconds },
    signal,
    timeoutMs: lifecycleTimeout(podman, timeoutSeconds),
    what: `Restarting ${nameOrId}`,
  });
}

export interface RemoveReport {
  Id: string;
  Err?: string;
}

/** Answers the removed ids; a report carrying an error becomes that error. */
export async function removeContainer(
  podman: PodmanClient,
  nameOrId: string,
  options: { force: boolean; volumes: boolean; timeoutSeconds?: number },
  signal: AbortSignal,
): Promise<RemoveReport[]> {
  const reports = await podman.json<RemoveReport[] | undefined>("DELETE", containerPath(nameOrId), {
    query: { force: options.force, v: options.volumes, timeout: options.timeoutSeconds },
    signal,
    timeoutMs: lifecycleTimeout(podman, options.timeoutSeconds),
    what: `Removing ${nameOrId}`,
  });
  return reports ?? [];
}

/** Waits until the container stops and answers its exit code. */
export async function waitForExit(
  podman: PodmanClient,
  nameOrId: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<number> {
  const code = await podman.json<number>("POST", `${containerPath(nameOrId)}/wait`, {
    query: { condition: "stopped" },
    signal,
    timeoutMs,
    what: `Waiting for ${nameOrId} to exit`,
  });
  return Number(code);
}

export interface LogQuery extends Query {
  stdout: boolean;
  stderr: boolean;
  tail?: number;
  since?: string;
  until?: string;
  timestamps?: boolean;
}

/** The raw log stream: multiplexed frames, or plain bytes for a TTY container. */
export function containerLogs(
  podman: PodmanClient,
  nameOrId: string,
  query: LogQuery,
  signal: AbortSignal,
): Promise<PodmanResponse> {
  return podman.request("GET", `${containerPath(nameOrId)}/logs`, {
    query: { ...query, follow: false },
    signal,
    what: `Reading the logs of ${nameOrId}`,
  });
}

export interface ExecSpec {
  Cmd: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout: true;
  AttachStderr: true;
}

export async function createExec(
  podman: PodmanClient,
  nameOrId: string,
  spec: ExecSpec,
  signal: AbortSignal,
): Promise<string> {
  const created = await podman.json<{ Id: string }>("POST", `${containerPath(nameOrId)}/exec`, {
    body: spec,
    signal,
    what: `Creating an exec session in ${nameOrId}`,
  });
  return created.Id;
}

/** Starts an attached exec session; the body streams its output until the command exits. */
export function startExec(
  podman: PodmanClient,
  execId: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<PodmanResponse> {
  return podman.request("POST", `/exec/${execId}/start`, {
    body: { Detach: false, Tty: false },
    signal,
    timeoutMs,
    what: "Running the command",
  });
}

/**
 * Starts an exec session created with AttachStdin, writes `input` to it and
 * half-closes, so the command reads end of input; answers its output stream.
 * libpod hijacks the connection for this, which fetch cannot do.
 */
export async function startExecWithInput(
  podman: PodmanClient,
  execId: string,
  input: Uint8Array,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  const session = await podman.hijack("POST", `/exec/${execId}/start`, {
    body: { Detach: false, Tty: false },
    signal,
    timeoutMs,
    what: "Running the command",
  });
  // A command may exit without reading its input: a failed write is no failure of the call.
  void session
    .write(input)
    .then(() => session.closeWrite())
    .catch(() => undefined);
  return session.output;
}

export function inspectExec(
  podman: PodmanClient,
  execId: string,
  signal: AbortSignal,
): Promise<{ ExitCode: number | null; Running: boolean }> {
  return podman.json("GET", `/exec/${execId}/json`, { signal });
}

/** libpod's answer to top: one title per column, one row of cells per process. */
export interface ContainerTop {
  Titles: string[];
  Processes: string[][] | null;
}

/**
 * The processes of a running container, read by Podman from /proc. Each
 * descriptor (pid, user, args, ...) is one column; an unknown one would make
 * Podman run ps inside the container instead, so callers pass known ones only.
 */
export function topContainer(
  podman: PodmanClient,
  nameOrId: string,
  descriptors: readonly string[],
  signal: AbortSignal,
): Promise<ContainerTop> {
  return podman.json<ContainerTop>("GET", `${containerPath(nameOrId)}/top`, {
    // One comma-separated value: Podman 4.3 keeps only the last of repeated ps_args.
    query: { ps_args: descriptors.length ? descriptors.join(",") : undefined, stream: false },
    signal,
  });
}
