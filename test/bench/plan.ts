import type { Plan } from "./measure.js";

/** The four calls measured, by what they do (other servers name them differently). */
export type ToolKind = "ps" | "inspect" | "logs" | "images";
export const TOOL_KINDS: ToolKind[] = ["ps", "inspect", "logs", "images"];
export const OUR_TOOLS: Record<ToolKind, string> = {
  ps: "podman_ps",
  inspect: "podman_inspect",
  logs: "podman_logs",
  images: "podman_images",
};

/** The containers the calls are about. */
export interface CallTargets {
  /** A running container, for podman_inspect. */
  container: string;
  /** The exited container with the big log. */
  bigLog: string;
}

/** Running containers podman_ps lists; inspect, logs, images and the rest run at MAIN_SIZE. */
export const SIZES = [10, 50, 200] as const;
export const MAIN_SIZE = 50;
export const BIG_LOG_LINES = 200_000;
export const LOG_TAIL = 100;
/** podman_logs' default max_bytes (DEFAULT_MAX_LOG_BYTES in src/core/tools/containers/log-tail.ts). */
export const LOG_MAX_BYTES = 16 * 1024;
export const SESSION_COUNTS = [1, 8, 32] as const;

export interface BenchPlan {
  quick: boolean;
  ps: Record<(typeof SIZES)[number], Plan>;
  tool: Plan;
  telemetry: Plan;
  coldStarts: number;
  rssCalls: number;
  rssConcurrency: number;
  throughputMs: number;
  /** Runs of each workflow variant (its calls and bytes vary only with polling). */
  workflowRuns: number;
}

const plan = (warmup: number, rounds: number, budgetSeconds: number, minRounds: number): Plan => ({
  warmup,
  rounds,
  budgetMs: budgetSeconds * 1000,
  minRounds,
});

/**
 * Enough rounds for stable p50/p90 while the whole run stays well under ten
 * minutes on two cores; each budget stops a slow machine early.
 */
export function benchPlan(quick: boolean): BenchPlan {
  if (quick) {
    const smoke = plan(3, 15, 5, 5);
    return {
      quick,
      ps: { 10: smoke, 50: smoke, 200: smoke },
      tool: smoke,
      telemetry: smoke,
      coldStarts: 3,
      rssCalls: 500,
      rssConcurrency: 4,
      throughputMs: 1000,
      workflowRuns: 1,
    };
  }
  return {
    quick,
    ps: { 10: plan(20, 200, 25, 30), 50: plan(20, 300, 40, 50), 200: plan(5, 100, 40, 20) },
    tool: plan(10, 200, 20, 30),
    telemetry: plan(30, 300, 40, 50),
    coldStarts: 10,
    rssCalls: 10_000,
    rssConcurrency: 4,
    throughputMs: 5000,
    workflowRuns: 3,
  };
}
