import { Cancelled } from "../../errors.js";
import type { ContainerInspect } from "../../podman/containers.js";
import type { ToolContext } from "../tool.js";

const PROGRESS_EVERY_MS = 1000;

/** What the wait saw of the container last: its answer and its progress messages say it. */
export interface LastSeen {
  state: string;
  exitCode?: number;
  health?: string;
  /** The latest reason the condition was not met yet: "starting", "connection refused". */
  status: string;
}

/**
 * The time a podman_wait call has: its deadline, a signal that ends every
 * request and sleep at the deadline or on cancel, and a progress notification
 * every second saying what it waits for and what it sees.
 */
export class WaitClock {
  readonly signal: AbortSignal;
  readonly seen: LastSeen = { state: "unknown", status: "waiting" };
  readonly #ctx: ToolContext;
  readonly #started = performance.now();
  readonly #deadline = new AbortController();
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #ticker: ReturnType<typeof setInterval>;

  constructor(
    ctx: ToolContext,
    readonly timeoutSeconds: number,
    what: string,
  ) {
    this.#ctx = ctx;
    this.signal = AbortSignal.any([ctx.signal, this.#deadline.signal]);
    this.#timer = setTimeout(() => this.#deadline.abort(), timeoutSeconds * 1000);
    this.#ticker = setInterval(() => {
      const seconds = this.elapsedMs / 1000;
      void ctx.progress(
        `waiting for ${what}: ${this.seen.status} (${Math.round(seconds)} s of ${timeoutSeconds} s)`,
        Math.round(seconds * 10) / 10,
        timeoutSeconds,
      );
    }, PROGRESS_EVERY_MS);
  }

  get elapsedMs(): number {
    return Math.round(performance.now() - this.#started);
  }

  get expired(): boolean {
    return this.#deadline.signal.aborted;
  }

  /** Records what an inspect showed. */
  observe(container: ContainerInspect): ContainerInspect {
    const state = container.State as ContainerInspect["State"] & {
      Health?: { Status?: string };
      Healthcheck?: { Status?: string };
    };
    this.seen.state = state.Status;
    this.seen.exitCode = state.ExitCode;
    const health = (state.Health ?? state.Healthcheck)?.Status;
    if (health) this.seen.health = health;
    return container;
  }

  /** Resolves after `ms`, or rejects once the deadline passed or the call was cancelled. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.signal.aborted) return reject(this.signal.reason);
      const timer = setTimeout(() => {
        this.signal.removeEventListener("abort", abort);
        resolve();
      }, ms);
      const abort = () => {
        clearTimeout(timer);
        reject(this.signal.reason);
      };
      this.signal.addEventListener("abort", abort, { once: true });
    });
  }

  /**
   * After a failure: Cancelled when the caller cancelled, true when the time
   * ran out (the failure was the deadline's doing), else false.
   */
  timedOut(): boolean {
    if (this.#ctx.signal.aborted) throw new Cancelled("Waiting was cancelled");
    return this.expired;
  }

  stop(): void {
    clearTimeout(this.#timer);
    clearInterval(this.#ticker);
  }
}
