import * as z from "zod";
import { BadArgument } from "../../errors.js";
import { GrepPattern, MAX_GREP_LENGTH } from "../../text/grep.js";
import { READ_ONLY } from "../annotations.js";
import { defineTool, type ToolContext } from "../tool.js";
import { containerName } from "./lifecycle.js";
import { boundedLogs } from "./log-tail.js";
import { WaitClock } from "./wait-clock.js";
import {
  WAIT_CONDITIONS,
  type WaitConditionName,
  type WaitFinding,
  hasStopped,
} from "./wait-conditions.js";

export const DEFAULT_WAIT_SECONDS = 60;
/** When the condition is not met, the answer shows this much of the container's log. */
const LAST_LOG_LINES = 20;
const LAST_LOG_BYTES = 4096;

/** What a timeout answer says did not happen. */
const NOT_MET: Record<WaitConditionName, string> = {
  running: "not running",
  healthy: "not healthy",
  exited: "not exited",
  log: "no log line matched",
  port: "the port accepted no connection",
  http: "no such HTTP answer",
};

const conditions = Object.keys(WAIT_CONDITIONS) as [WaitConditionName, ...WaitConditionName[]];

/** Which arguments each condition takes, beyond name and timeout. */
const CONDITION_ARGUMENTS: Record<WaitConditionName, readonly string[]> = {
  running: [],
  healthy: [],
  exited: [],
  log: ["pattern"],
  port: ["port"],
  http: ["port", "path", "status"],
};

export const podmanWait = defineTool({
  name: "podman_wait",
  title: "Wait for a container",
  description:
    "Wait in ONE call, not by polling, until `condition`: log matches `pattern`, port accepts TCP, " +
    "http answers GET `path` with `status`. Fails fast if it never can.",
  input: z.object({
    name: containerName,
    condition: z.enum(conditions),
    timeout: z.number().int().positive().max(86_400).default(DEFAULT_WAIT_SECONDS),
    pattern: z.string().max(MAX_GREP_LENGTH).optional(),
    port: z.number().int().min(1).max(65535).optional().describe("Container or host port"),
    path: z.string().max(2048).optional().meta({ default: "/" }),
    status: z.number().int().min(100).max(599).optional().meta({ default: 200 }),
  }),
  output: z.object({
    container: z.string(),
    condition: z.enum(conditions),
    met: z.boolean(),
    outcome: z
      .enum(["met", "timeout", "impossible"])
      .describe("impossible: the condition cannot come true any more (the container stopped)"),
    detail: z.string().describe("What happened"),
    elapsed_ms: z.number().int(),
    timeout_seconds: z.number().int().describe("How long it would wait at most"),
    requested_timeout_seconds: z
      .number()
      .int()
      .optional()
      .describe("Set when timeout asked for more than the server allows"),
    state: z.string().describe("The container's state when the wait ended"),
    health: z.string().optional(),
    exit_code: z.number().int().optional(),
    matched_line: z.string().optional(),
    http_status: z.number().int().optional(),
    address: z.string().optional().describe('The published port probed: "127.0.0.1:8080->80/tcp"'),
    logs: z
      .object({ text: z.string(), lines: z.number().int(), truncated: z.boolean() })
      .optional()
      .describe("When not met: the container's last log lines"),
  }),
  family: "containers",
  annotations: READ_ONLY,
  // Probing ports and following logs hold connections for a while: only on what the caller may change.
  owns: { kind: "container", arg: "name", checkedWhenReading: true },
  async handle(ctx, args) {
    const extra = (["pattern", "port", "path", "status"] as const).filter(
      (key) => args[key] !== undefined && !CONDITION_ARGUMENTS[args.condition].includes(key),
    );
    if (extra.length > 0) {
      throw new BadArgument(`condition "${args.condition}" takes no ${extra.join(" or ")}`);
    }
    if (args.condition === "log" && args.pattern === undefined) {
      throw new BadArgument('condition "log" needs a pattern');
    }
    const pattern =
      args.pattern === undefined ? undefined : await GrepPattern.compile(args.pattern);
    const timeoutSeconds = Math.min(args.timeout, ctx.timeLimits.maxWaitSeconds);
    const clock = new WaitClock(ctx, timeoutSeconds, args.condition);
    let finding: WaitFinding | undefined;
    try {
      finding = await WAIT_CONDITIONS[args.condition](ctx, clock, { ...args, pattern });
    } catch (error) {
      if (!clock.timedOut()) throw error;
    } finally {
      clock.stop();
    }
    const seen = clock.seen;
    const met = finding?.outcome === "met";
    return {
      container: args.name,
      condition: args.condition,
      met,
      outcome: finding?.outcome ?? ("timeout" as const),
      detail:
        finding?.detail ?? `${NOT_MET[args.condition]} within ${timeoutSeconds} s: ${seen.status}`,
      elapsed_ms: clock.elapsedMs,
      timeout_seconds: timeoutSeconds,
      ...(args.timeout > timeoutSeconds ? { requested_timeout_seconds: args.timeout } : {}),
      state: seen.state,
      ...(seen.health ? { health: seen.health } : {}),
      ...(finding?.exit_code !== undefined
        ? { exit_code: finding.exit_code }
        : hasStopped(seen.state) && seen.exitCode !== undefined
          ? { exit_code: seen.exitCode }
          : {}),
      ...(finding?.matched_line !== undefined ? { matched_line: finding.matched_line } : {}),
      ...(finding?.http_status !== undefined ? { http_status: finding.http_status } : {}),
      ...(finding?.address !== undefined ? { address: finding.address } : {}),
      ...(met ? {} : { logs: await lastLogLines(ctx, args.name) }),
    };
  },
  render(result) {
    const took = `${(result.elapsed_ms / 1000).toFixed(1)} s`;
    const head =
      result.outcome === "met"
        ? `${result.container}: ${result.detail} (after ${took})`
        : result.outcome === "impossible"
          ? `${result.container}: cannot become ${result.condition}: ${result.detail} (after ${took})`
          : `${result.container}: ${result.detail}`;
    const lines = [head];
    if (result.matched_line !== undefined) lines.push(`matched: ${result.matched_line}`);
    if (result.logs) {
      lines.push(
        result.logs.lines === 0
          ? "(no log lines)"
          : `last log lines${result.logs.truncated ? " (earlier ones left out)" : ""}:\n${result.logs.text}`,
      );
    }
    return lines.join("\n");
  },
});

async function lastLogLines(ctx: ToolContext, name: string) {
  try {
    const logs = await boundedLogs(ctx, name, { tail: LAST_LOG_LINES, maxBytes: LAST_LOG_BYTES });
    return { text: logs.text, lines: logs.lines, truncated: logs.truncated };
  } catch {
    // Gone meanwhile: the answer still says what the wait saw.
    return undefined;
  }
}
