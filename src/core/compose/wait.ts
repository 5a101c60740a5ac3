import { Cancelled, Conflict, PodmanTimeout } from "../errors.js";
import type { PodmanClient } from "../podman/client.js";
import { type ContainerInspect, inspectContainer, waitForExit } from "../podman/containers.js";
import { runHealthcheck } from "../podman/system.js";

interface HealthState {
  Status?: string;
  FailingStreak?: number;
  Log?: { ExitCode: number; Output: string }[] | null;
}

interface HealthInspect extends ContainerInspect {
  State: ContainerInspect["State"] & { Health?: HealthState; Healthcheck?: HealthState };
  Config: ContainerInspect["Config"] & {
    Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number };
  };
}

const DEFAULT_INTERVAL_MS = 30_000;
const DEFAULT_CHECK_TIMEOUT_MS = 30_000;

export interface WaitTarget {
  service: string;
  id: string;
  /** The service that waits, named in the errors. */
  dependent: string;
}

/**
 * Waits until the container is healthy, running its health check itself at
 * the check's interval: without systemd Podman never runs it, and where
 * systemd timers exist the extra runs are harmless. Compose's rule: an
 * unhealthy or exited dependency fails the wait at once.
 */
export async function waitHealthy(
  podman: PodmanClient,
  target: WaitTarget,
  deadline: number,
  signal: AbortSignal,
  onCheck?: () => void,
): Promise<void> {
  let inspected = (await inspectContainer(podman, target.id, signal)) as HealthInspect;
  const check = inspected.Config.Healthcheck;
  if (!check?.Test?.length || check.Test[0] === "NONE") {
    throw new Conflict(
      `"${target.dependent}" waits for "${target.service}" to be healthy, but "${target.service}" ` +
        "has no health check: add one or use condition: service_started",
    );
  }
  const intervalMs = nanosToMs(check.Interval) ?? DEFAULT_INTERVAL_MS;
  const checkTimeoutMs = nanosToMs(check.Timeout) ?? DEFAULT_CHECK_TIMEOUT_MS;
  for (;;) {
    const health = inspected.State.Health ?? inspected.State.Healthcheck;
    if (health?.Status === "healthy") return;
    if (health?.Status === "unhealthy") throw unhealthy(target, health);
    if (!inspected.State.Running) {
      throw new Conflict(
        `"${target.service}" stopped (${inspected.State.Status}, exit code ` +
          `${inspected.State.ExitCode}) before it was healthy; "${target.dependent}" needs it healthy`,
      );
    }
    if (Date.now() + intervalMs > deadline) throw notInTime(target, "healthy", health);
    await sleep(intervalMs, signal);
    onCheck?.();
    await runHealthcheck(podman, target.id, podman.timeoutMs + checkTimeoutMs, signal).catch(
      (error: unknown) => {
        // It stopped meanwhile: the inspect below reports that.
        if (!(error instanceof Conflict)) throw error;
      },
    );
    inspected = (await inspectContainer(podman, target.id, signal)) as HealthInspect;
  }
}

/** Waits for the container to exit with code 0 (condition: service_completed_successfully). */
export async function waitCompleted(
  podman: PodmanClient,
  target: WaitTarget,
  deadline: number,
  signal: AbortSignal,
): Promise<void> {
  const remaining = Math.max(1, deadline - Date.now());
  let code: number;
  try {
    code = await waitForExit(podman, target.id, remaining, signal);
  } catch (error) {
    if (error instanceof PodmanTimeout) throw notInTime(target, "completed");
    throw error;
  }
  if (code !== 0) {
    throw new Conflict(
      `"${target.service}" exited with code ${code}; "${target.dependent}" needs it to complete ` +
        "successfully: read its logs with podman_logs",
    );
  }
}

function unhealthy(target: WaitTarget, health: HealthState): Conflict {
  const last = health.Log?.at(-1);
  const output = last?.Output?.trim();
  const detail = last
    ? ` (last check exited ${last.ExitCode}${output ? `: ${output.slice(0, 300)}` : ""})`
    : "";
  return new Conflict(
    `"${target.service}" is unhealthy${detail}; "${target.dependent}" needs it healthy`,
  );
}

function notInTime(target: WaitTarget, what: string, health?: HealthState) {
  const streak = health?.FailingStreak ? `, ${health.FailingStreak} failed checks in a row` : "";
  const status = health?.Status ? ` (status ${health.Status}${streak})` : "";
  return new Conflict(
    `"${target.service}" was not ${what} in time${status}; "${target.dependent}" waits for it: ` +
      "raise wait_timeout or read its logs with podman_logs",
  );
}

function nanosToMs(nanos: number | undefined): number | undefined {
  return nanos && nanos > 0 ? Math.max(1, Math.round(nanos / 1e6)) : undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Cancelled("Waiting was cancelled"));
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(new Cancelled("Waiting was cancelled"));
    };
    signal.addEventListener("abort", abort, { once: true });
  });
}
