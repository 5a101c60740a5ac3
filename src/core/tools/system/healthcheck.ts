import { shortId } from "../../podman/ids.js";
import * as z from "zod";
import { MUTATING } from "../annotations.js";
import { Conflict, PodmanRejected } from "../../errors.js";
import { inspectContainer } from "../../podman/containers.js";
import { runHealthcheck, type HealthState } from "../../podman/system.js";
import { maskUnlessShown, secretValuesIn } from "../../policy/secrets.js";
import { containerName } from "../containers/lifecycle.js";
import { defineTool, type ToolContext } from "../tool.js";

/** Podman keeps at most 500 characters of a check's output; this bounds it whatever the version. */
const MAX_CHECK_OUTPUT_CHARS = 500;

export const podmanHealthcheckRun = defineTool({
  name: "podman_healthcheck_run",
  family: "system",
  title: "Run a health check",
  description: "Run a container's health check now; answers its result.",
  input: z.object({
    name: containerName,
    log_entries: z.number().int().min(0).max(5).default(3),
  }),
  output: z.object({
    id: z.string().describe("Short id"),
    name: z.string(),
    check: z.string().describe("The result of the check just run: healthy or unhealthy"),
    status: z.string().describe("The container's health: healthy, unhealthy or starting"),
    failing_streak: z.number().int().describe("Failed checks in a row"),
    log: z.array(
      z.object({
        start: z.string(),
        exit_code: z.number().int().describe("-1 when the check timed out"),
        output: z.string(),
      }),
    ),
  }),
  annotations: MUTATING,
  owns: { kind: "container", arg: "name" },
  async handle(ctx, { name, log_entries }) {
    const before = await inspectContainer(ctx.podman, name, ctx.signal);
    const config = before.Config as { Healthcheck?: { Test?: string[]; Timeout?: number } };
    const test = config.Healthcheck?.Test ?? [];
    if (test.length === 0 || test[0] === "NONE") {
      throw new Conflict(`container ${before.Name} has no defined healthcheck`);
    }
    const checkTimeoutMs = (config.Healthcheck?.Timeout ?? 0) / 1e6;
    const check = await runCheck(ctx, before.Id, ctx.podman.timeoutMs + checkTimeoutMs);
    const after = await inspectContainer(ctx.podman, before.Id, ctx.signal);
    const state = after.State as { Health?: HealthState; Healthcheck?: HealthState };
    const health = state.Health ?? state.Healthcheck;
    const log = log_entries > 0 ? (health?.Log ?? []).slice(-log_entries) : [];
    // A check's output may echo the container's secrets: hidden before bounding could cut one.
    const entries = maskUnlessShown(
      ctx,
      log.map((entry) => ({
        start: entry.Start,
        exit_code: entry.ExitCode,
        // Podman 5 keeps the check's final newline, which Podman 4 drops.
        output: entry.Output.replace(/\r?\n$/, ""),
      })),
      ctx.showSecrets ? [] : secretValuesIn(after),
    );
    return {
      id: shortId(after.Id),
      name: after.Name,
      check,
      status: health?.Status ?? check,
      failing_streak: health?.FailingStreak ?? 0,
      log: entries.map((entry) => ({ ...entry, output: boundOutput(entry.output) })),
    };
  },
  render({ name, check, status, failing_streak, log }) {
    const lines = [
      `${name}: check ${check}, container ${status}, failing streak ${failing_streak}`,
      ...log.map((entry) => {
        const output = entry.output ? `: ${entry.output.replace(/\n/g, "\\n")}` : "";
        return `  ${entry.start} exit ${entry.exit_code}${output}`;
      }),
    ];
    return lines.join("\n");
  },
});

/** Podman 4.3 reports a check that outlived its timeout as a request failure, not as a result. */
async function runCheck(ctx: ToolContext, id: string, timeoutMs: number) {
  try {
    const result = await runHealthcheck(ctx.podman, id, timeoutMs, ctx.signal);
    return result.Status;
  } catch (error) {
    if (
      error instanceof PodmanRejected &&
      /healthcheck command exceeded timeout/i.test(error.message)
    ) {
      return "unhealthy";
    }
    throw error;
  }
}

function boundOutput(output: string): string {
  if (output.length <= MAX_CHECK_OUTPUT_CHARS) return output;
  return `${output.slice(0, MAX_CHECK_OUTPUT_CHARS)}…`;
}
