import { BadArgument, Conflict, NotFound, PodmanRejected } from "../../errors.js";
import type { GrepPattern } from "../../text/grep.js";
import { type ContainerInspect, inspectContainer, waitForExit } from "../../podman/containers.js";
import { followLogLines } from "../../podman/follow.js";
import { runHealthcheck } from "../../podman/system.js";
import type { ToolContext } from "../tool.js";
import {
  type InspectPorts,
  type PublishedPort,
  publishedPort,
  probeUrl,
} from "./published-port.js";
import type { WaitClock } from "./wait-clock.js";

/** How often state is looked at and ports are probed. */
const POLL_MS = 250;
/** One HTTP probe gets this long to answer. */
const HTTP_PROBE_TIMEOUT_MS = 2000;
const DEFAULT_HEALTH_INTERVAL_MS = 30_000;
const MAX_MATCHED_LINE_CHARS = 1000;

/** A condition that came true, or that never can. */
export interface WaitFinding {
  outcome: "met" | "impossible";
  detail: string;
  exit_code?: number;
  matched_line?: string;
  http_status?: number;
  address?: string;
}

export interface WaitRequest {
  name: string;
  /** log: the compiled pattern. */
  pattern?: GrepPattern;
  port?: number;
  path?: string;
  status?: number;
}

type Condition = (ctx: ToolContext, clock: WaitClock, request: WaitRequest) => Promise<WaitFinding>;

interface WaitedInspect extends ContainerInspect {
  State: ContainerInspect["State"] & {
    Health?: HealthState;
    Healthcheck?: HealthState;
    RestartCount?: number;
  };
  RestartCount?: number;
  Config: ContainerInspect["Config"] & {
    Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number };
  };
  HostConfig?: ContainerInspect["HostConfig"] & {
    RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
    PortBindings?: InspectPorts | null;
  };
}

interface HealthState {
  Status?: string;
  FailingStreak?: number;
  Log?: { ExitCode: number; Output: string }[] | null;
}

const NOT_STARTED = new Set(["created", "configured", "initialized"]);
const STOPPED = new Set(["exited", "stopped", "dead", "removing"]);

export const hasStopped = (state: string) => STOPPED.has(state);

/**
 * Whether the container stopped and nothing will start it again by itself:
 * no restart policy would bring it back. (A user or another tool still may.)
 */
export function stoppedForGood(container: {
  State: { Status: string; ExitCode: number };
  RestartCount?: number;
  HostConfig?: { RestartPolicy?: { Name?: string; MaximumRetryCount?: number } };
}): boolean {
  if (!STOPPED.has(container.State.Status)) return false;
  const policy = container.HostConfig?.RestartPolicy;
  switch (policy?.Name) {
    case "always":
    case "unless-stopped":
      return false;
    case "on-failure": {
      if (container.State.ExitCode === 0) return true;
      const max = policy.MaximumRetryCount ?? 0;
      return max > 0 && (container.RestartCount ?? 0) >= max;
    }
    default:
      return true;
  }
}

const exited = (c: ContainerInspect) =>
  c.State.Status === "exited" || c.State.Status === "stopped"
    ? `it exited with code ${c.State.ExitCode}`
    : `it is ${c.State.Status}`;

const inspect = (ctx: ToolContext, clock: WaitClock, name: string) =>
  inspectContainer(ctx.podman, name, clock.signal).then((c) => clock.observe(c) as WaitedInspect);

const running: Condition = async (ctx, clock, { name }) => {
  for (;;) {
    const c = await inspect(ctx, clock, name);
    if (c.State.Status === "running") {
      return { outcome: "met", detail: `running since ${c.State.StartedAt}` };
    }
    if (stoppedForGood(c)) {
      return { outcome: "impossible", detail: `${exited(c)}, and nothing will start it again` };
    }
    clock.seen.status = c.State.Status;
    await clock.sleep(POLL_MS);
  }
};

/**
 * Runs the container's health check itself at the check's interval, as
 * Podman's systemd timer would: without systemd nothing else runs it, and
 * where the timer runs the extra checks are harmless. A check the wait
 * started runs to its end in Podman (bounded by the check's own timeout).
 */
const healthy: Condition = async (ctx, clock, { name }) => {
  let c = await inspect(ctx, clock, name);
  const check = c.Config.Healthcheck;
  if (!check?.Test?.length || check.Test[0] === "NONE") {
    throw new Conflict(
      `${c.Name} has no health check: define one with podman_run's healthcheck, or wait for ` +
        "running, port, http or log instead",
    );
  }
  const intervalMs = check.Interval ? check.Interval / 1e6 : DEFAULT_HEALTH_INTERVAL_MS;
  let nextCheck = 0;
  for (;;) {
    const health = c.State.Health ?? c.State.Healthcheck;
    if (health?.Status === "healthy") return { outcome: "met", detail: "healthy" };
    if (stoppedForGood(c)) {
      return { outcome: "impossible", detail: `${exited(c)} before it was healthy` };
    }
    clock.seen.status = describeHealth(c.State.Status, health);
    if (c.State.Status === "running" && performance.now() >= nextCheck) {
      nextCheck = performance.now() + intervalMs;
      await runCheck(ctx, clock, c.Id, check.Timeout);
    } else {
      await clock.sleep(POLL_MS);
    }
    c = await inspect(ctx, clock, name);
  }
};

function describeHealth(state: string, health: HealthState | undefined): string {
  if (state !== "running") return state;
  const status = health?.Status || "starting";
  const streak = health?.FailingStreak ? `, ${health.FailingStreak} failed checks in a row` : "";
  const output = health?.Log?.at(-1)?.Output?.trim();
  return `${status}${streak}${output ? `, last check said: ${output.slice(0, 200)}` : ""}`;
}

async function runCheck(
  ctx: ToolContext,
  clock: WaitClock,
  id: string,
  checkTimeoutNanos: number | undefined,
) {
  const timeoutMs = ctx.podman.timeoutMs + (checkTimeoutNanos ?? 0) / 1e6;
  try {
    await runHealthcheck(ctx.podman, id, timeoutMs, clock.signal);
  } catch (error) {
    // It stopped meanwhile, or the check overran its timeout: the inspect after it says so.
    if (error instanceof Conflict) return;
    if (error instanceof PodmanRejected && /exceeded timeout/i.test(error.message)) return;
    throw error;
  }
}

/** libpod's own wait; a container not started yet would count as exited to it, so that waits first. */
const exitedCondition: Condition = async (ctx, clock, { name }) => {
  let c = await inspect(ctx, clock, name);
  while (NOT_STARTED.has(c.State.Status)) {
    clock.seen.status = `${c.State.Status}, not started yet`;
    await clock.sleep(POLL_MS);
    c = await inspect(ctx, clock, name);
  }
  clock.seen.status = c.State.Status;
  const code = STOPPED.has(c.State.Status)
    ? c.State.ExitCode
    : await waitForExit(ctx.podman, c.Id, 0, clock.signal);
  await inspect(ctx, clock, c.Id).catch((error: unknown) => {
    // Removed on exit (podman_run remove): the code is all there is to say.
    if (!(error instanceof NotFound)) throw error;
    clock.seen.state = "removed";
  });
  clock.seen.exitCode = code;
  return { outcome: "met", detail: `exited with code ${code}`, exit_code: code };
};

/**
 * Follows the log of the container's current run (lines since it started)
 * until a line matches; a log that ends means the container stopped.
 */
const logLine: Condition = async (ctx, clock, { name, pattern }) => {
  if (!pattern) throw new BadArgument('condition "log" needs a pattern');
  for (;;) {
    const c = await inspect(ctx, clock, name);
    if (NOT_STARTED.has(c.State.Status)) {
      clock.seen.status = `${c.State.Status}, not started yet`;
      await clock.sleep(POLL_MS);
      continue;
    }
    clock.seen.status = "no matching line yet";
    const matched = await firstMatchingLine(ctx, clock, c, pattern);
    if (matched !== undefined) {
      return {
        outcome: "met",
        detail: "a log line matched",
        matched_line: matched.slice(0, MAX_MATCHED_LINE_CHARS),
      };
    }
    const after = await inspect(ctx, clock, name);
    if (stoppedForGood(after)) {
      return { outcome: "impossible", detail: `${exited(after)} without a line matching` };
    }
    await clock.sleep(POLL_MS);
  }
};

async function firstMatchingLine(
  ctx: ToolContext,
  clock: WaitClock,
  c: ContainerInspect,
  pattern: GrepPattern,
): Promise<string | undefined> {
  const found = new AbortController();
  let matched: string | undefined;
  const startedAt = Date.parse(c.State.StartedAt);
  const end = await followLogLines(
    ctx.podman,
    c.Id,
    {
      stdout: true,
      stderr: true,
      since: startedAt > 0 ? String(Math.floor(startedAt / 1000)) : undefined,
    },
    AbortSignal.any([clock.signal, found.signal]),
    async (line) => {
      if (matched === undefined && (await pattern.test(line.text))) {
        matched = line.text;
        found.abort();
      }
    },
  );
  if (matched !== undefined) return matched;
  if (end === "aborted") throw clock.signal.reason;
  return undefined;
}

/** The port to probe; a created container has its bindings only in HostConfig. */
function portOf(c: WaitedInspect, port: number | undefined): PublishedPort {
  const ports = c.NetworkSettings?.Ports;
  const known = ports && Object.keys(ports).length > 0 ? ports : c.HostConfig?.PortBindings;
  return publishedPort(known ?? undefined, port);
}

const portOpen: Condition = async (ctx, clock, { name, port }) => {
  let c = await inspect(ctx, clock, name);
  const target = portOf(c, port);
  for (;;) {
    if (c.State.Status === "running") {
      if (await ctx.probeTcp(target.host, target.hostPort, clock.signal)) {
        return {
          outcome: "met",
          detail: `${target.label} accepts TCP connections`,
          address: target.label,
        };
      }
      clock.seen.status = `${target.label} refuses connections`;
    } else if (stoppedForGood(c)) {
      return {
        outcome: "impossible",
        detail: `${exited(c)}; nothing will listen on ${target.label}`,
      };
    } else {
      clock.seen.status = c.State.Status;
    }
    await clock.sleep(POLL_MS);
    c = await inspect(ctx, clock, name);
  }
};

const httpAnswer: Condition = async (ctx, clock, { name, port, path, status = 200 }) => {
  let c = await inspect(ctx, clock, name);
  const target = portOf(c, port);
  const url = probeUrl(target, path);
  for (;;) {
    if (c.State.Status === "running") {
      const answer = await httpStatus(url, clock.signal);
      if (answer === status) {
        return {
          outcome: "met",
          detail: `GET ${url} answered ${status}`,
          http_status: status,
          address: target.label,
        };
      }
      clock.seen.status =
        typeof answer === "number" ? `GET ${url} answered ${answer}` : `GET ${url}: ${answer}`;
    } else if (stoppedForGood(c)) {
      return { outcome: "impossible", detail: `${exited(c)}; nothing will answer ${url}` };
    } else {
      clock.seen.status = c.State.Status;
    }
    await clock.sleep(POLL_MS);
    c = await inspect(ctx, clock, name);
  }
};

/**
 * The status of one GET, redirects not followed: the URL is one the server
 * built on a published port of the container, so only that port is reached.
 */
async function httpStatus(url: string, signal: AbortSignal): Promise<number | string> {
  try {
    const response = await fetch(url, {
      redirect: "manual",
      signal: AbortSignal.any([signal, AbortSignal.timeout(HTTP_PROBE_TIMEOUT_MS)]),
    });
    await response.body?.cancel().catch(() => undefined);
    return response.status;
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    return error instanceof Error && error.name === "TimeoutError"
      ? `no answer within ${HTTP_PROBE_TIMEOUT_MS / 1000} s`
      : "no answer (connection refused or reset)";
  }
}

export const WAIT_CONDITIONS = {
  running,
  healthy,
  exited: exitedCondition,
  log: logLine,
  port: portOpen,
  http: httpAnswer,
} satisfies Record<string, Condition>;

export type WaitConditionName = keyof typeof WAIT_CONDITIONS;
