import * as z from "zod";
import { PodmanTimeout } from "../../errors.js";
import { ByteCapture } from "../../podman/bounded-text.js";
import { createExec, inspectExec, startExec } from "../../podman/containers.js";
import { decodeLogStream } from "../../podman/log-frames.js";
import { envToList } from "../../podman/run-spec.js";
import { defineTool, type ToolContext } from "../tool.js";
import { containerName } from "./lifecycle.js";
import { logArguments } from "./log-tail.js";

const capturedOutput = z.object({
  text: z.string(),
  truncated_bytes: z.number().int().describe("Earlier bytes left out to stay within max_bytes"),
});

export const podmanExec = defineTool({
  name: "podman_exec",
  family: "containers",
  title: "Run a command in a container",
  description:
    'Run a command in a running container; answers exit code, stdout, stderr. No shell: use ["sh", "-c", "..."].',
  input: z.object({
    name: containerName,
    command: z.array(z.string()).min(1),
    env: z.record(z.string(), z.string()).optional(),
    workdir: z.string().optional(),
    user: z.string().optional(),
    timeout: z.number().int().min(1).max(3600).default(60),
    max_bytes: logArguments.maxBytes("Each of stdout and stderr"),
  }),
  output: z.object({
    exit_code: z.number().int().nullable().describe("null while the command is still running"),
    stdout: capturedOutput,
    stderr: capturedOutput,
    timed_out: z.boolean(),
  }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true,
  },
  owns: { kind: "container", arg: "name" },
  async handle(ctx, args) {
    const execId = await createExec(
      ctx.podman,
      args.name,
      {
        Cmd: args.command,
        Env: args.env ? envToList(args.env) : undefined,
        WorkingDir: args.workdir,
        User: args.user,
        AttachStdout: true,
        AttachStderr: true,
      },
      ctx.signal,
    );
    const stdout = new ByteCapture(args.max_bytes);
    const stderr = new ByteCapture(args.max_bytes);
    const timedOut = await captureOutput(ctx, execId, args.timeout, stdout, stderr);
    const state = timedOut ? undefined : await inspectExec(ctx.podman, execId, ctx.signal);
    return {
      exit_code: state?.ExitCode ?? null,
      stdout: { text: stdout.text(), truncated_bytes: stdout.omittedBytes },
      stderr: { text: stderr.text(), truncated_bytes: stderr.omittedBytes },
      timed_out: timedOut,
    };
  },
  render(result) {
    const head = result.timed_out
      ? "still running when the timeout passed (output so far below)"
      : `exit code ${result.exit_code}`;
    const parts = [head];
    for (const name of ["stdout", "stderr"] as const) {
      const output = result[name];
      if (!output.text && !output.truncated_bytes) continue;
      const cut = output.truncated_bytes ? ` (first ${output.truncated_bytes} bytes left out)` : "";
      parts.push(`--- ${name}${cut}\n${output.text.replace(/\n$/, "")}`);
    }
    return parts.join("\n");
  },
});

/** Streams the attached output into the captures; answers true when the timeout cut it short. */
async function captureOutput(
  ctx: ToolContext,
  execId: string,
  timeoutSeconds: number,
  stdout: ByteCapture,
  stderr: ByteCapture,
): Promise<boolean> {
  const timeoutMs = timeoutSeconds * 1000;
  try {
    const response = await startExec(ctx.podman, execId, timeoutMs, ctx.signal);
    if (!response.body) return false;
    for await (const frame of decodeLogStream(response.body, { mode: "multiplexed" })) {
      (frame.stream === "stderr" ? stderr : stdout).push(frame.data);
    }
    return false;
  } catch (error) {
    const failure = ctx.podman.translateFailure(
      error,
      ctx.signal,
      undefined,
      "Running the command",
      timeoutMs,
    );
    if (failure instanceof PodmanTimeout) return true;
    throw failure;
  }
}
