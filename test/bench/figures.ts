import type { LibpodRequest } from "./libpod.js";
import type { Machine } from "./machine.js";
import type { Stats } from "./measure.js";
import type { AnswerSize } from "./mcp-clients.js";
import type { ToolKind } from "./plan.js";

/** Everything measured, in raw numbers; report.ts turns it into tables. */
export interface Figures {
  run: RunFacts;
  machine: Machine;
  bundle: { bytes: number; gzipBytes: number; sha256: string };
  /** The libpod requests each tool made (recorded), which its floor replays. */
  floorRequests: Record<ToolKind, LibpodRequest[]>;
  calls: CallFigure[];
  coldStart: { node: StartFigure; deno: StartFigure };
  memory: MemoryFigure;
  throughput: ThroughputFigure[];
  telemetry: TelemetryFigure;
  /** What an agent pays in context: the tool listing, default and --read-only. */
  listing: { default: ListingFigure; readOnly: ListingFigure };
  workflows: WorkflowFigure[];
  compare?: CompareFigure;
}

export interface ListingFigure {
  tools: number;
  /** Compact JSON of exactly name, description and inputSchema, summed over the tools. */
  modelVisibleBytes: number;
  /** The whole tools/list answer as it came over the wire. */
  toolsListBytes: number;
  /** The server's instructions from initialize. */
  instructionsBytes: number;
  perTool: { name: string; bytes: number }[];
}

/** One scripted run of a workflow: what went over the wire, and how long it took. */
export interface WorkflowRun {
  calls: number;
  sentBytes: number;
  receivedBytes: number;
  wallMs: number;
}

export interface WorkflowFigure {
  key: string;
  title: string;
  variant: string;
  runs?: WorkflowRun[];
  /** The server has no tool for a step. */
  notPossible?: string;
  /** It has, but the workflow failed (another server only: ours fails the benchmark). */
  failure?: string;
}

export interface RunFacts {
  startedAt: string;
  wallSeconds: number;
  quick: boolean;
  commit: string;
  /** Whether src/ differed from the commit when the bundle was built. */
  sourceModified: boolean;
}

/** One tool at one container count: floor and both transports, measured interleaved. */
export interface CallFigure {
  kind: ToolKind;
  containers: number;
  floor: Stats;
  stdio: Stats;
  http: Stats;
  size: AnswerSize & { floorBytes: number };
}

export interface StartFigure {
  server: Stats;
  /** The bare runtime answering the same line: what no server can go below. */
  bare: Stats;
}

export interface MemoryFigure {
  nodeIdle: number;
  nodeAfterCalls: number;
  calls: number;
  bareNode: number;
  denoIdle: number;
  bareDeno: number;
}

export interface ThroughputFigure {
  concurrency: number;
  /** podman_ps calls per second over HTTP with auth, one session per concurrent loop. */
  mcp: number;
  /** The raw request per second with as many concurrent loops. */
  floor: number;
}

export interface TelemetryFigure {
  off: Stats;
  on: Stats;
  exports: { traces: number; metrics: number };
}

export interface ComparedCall {
  tool?: string;
  arguments?: Record<string, unknown>;
  /** Why this call was not measured. */
  missing?: string;
  floor?: Stats;
  ours?: Stats;
  theirs?: Stats;
  size?: AnswerSize;
}

export type CompareFigure =
  | {
      command: string;
      serverName: string;
      coldStart: Stats;
      calls: Record<ToolKind, ComparedCall>;
      listing: ListingFigure;
      workflows: WorkflowFigure[];
    }
  /** The other server could not be started or listed. */
  | { command: string; failure: string };
