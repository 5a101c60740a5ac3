import * as z from "zod";
import { DEFAULT_MAX_COPY_BYTES } from "../../policy/policy.js";
import { BadArgument, PodmanTimeout, PodmanUnreachable } from "../../errors.js";
import { ByteCapture } from "../../podman/bounded-text.js";
import { createExec, inspectExec, startExec, startExecWithInput } from "../../podman/containers.js";
import { decodeLogStream } from "../../podman/log-frames.js";
import { envToList } from "../../podman/run-spec/env.js";
import { defineTool, type ToolContext } from "../tool.js";
import { sharedShape } from "../listing.js";
import { base64ByteLength, byteEncoding, bytesAsText, decodeContent } from "./byte-text.js";
import { containerName } from "./lifecycle.js";
import { logArguments } from "./log-tail.js";

const capturedOutput = sharedShape(
  "output",
  z.object({
    text: z.string().describe("The output as text, or as base64 when it is binary (see encoding)"),
    encoding: byteEncoding.describe('"base64" when the output is not UTF-8 text'),
    truncated_bytes: z.number().int().describe("Earlier bytes left out to stay within max_bytes"),
  }),
);

export const podmanExec = defineTool({
  name: "podman_exec",
  family: "containers",
  title: "Exec in a container",
  description: 'Run a command in a running container. No shell: use ["sh", "-c", "..."].',
  input: z.object({
    name: containerName,
    command: z.array(z.string()).min(1),
    env: z.record(z.string(), z.string()).optional(),
    workdir: z.string().optional(),
    user: z.string().optional(),
    stdin: z.string().optional(),
    stdin_encoding: byteEncoding.default("utf8"),
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
    const stdin =
      args.stdin === undefined
        ? undefined
        : decodeContent(args.stdin, args.stdin_encoding, "stdin");
    const maxCopyBytes = ctx.policy.maxCopyBytes ?? DEFAULT_MAX_COPY_BYTES;
    if (stdin && stdin.length > maxCopyBytes) {
      throw new BadArgument(
        `stdin is ${stdin.length} bytes, more than the ${maxCopyBytes} one call may send ` +
          "(--max-copy-bytes): write the data with podman_write_files in parts",
      );
    }
    const execId = await createExec(
      ctx.podman,
      args.name,
      {
        Cmd: args.command,
        Env: args.env ? envToList(args.env) : undefined,
        WorkingDir: args.workdir,
        User: args.user,
        AttachStdin: stdin !== undefined,
        AttachStdout: true,
        AttachStderr: true,
      },
      ctx.signal,
    );
    const stdout = new ByteCapture(args.max_bytes);
    const stderr = new ByteCapture(args.max_bytes);
    const timedOut = await captureOutput(ctx, execId, args.timeout, stdin, stdout, stderr);
    const state = timedOut ? undefined : await inspectExec(ctx.podman, execId, ctx.signal);
    return {
      exit_code: state?.ExitCode ?? null,
      stdout: describeCapture(stdout),
      stderr: describeCapture(stderr),
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
      if (output.encoding === "base64") {
        const bytes = base64ByteLength(output.text);
        parts.push(`--- ${name}: ${bytes} bytes of binary output, base64${cut}\n${output.text}`);
      } else {
        parts.push(`--- ${name}${cut}\n${output.text.replace(/\n$/, "")}`);
      }
    }
    return parts.join("\n");
  },
});

/** The kept bytes as text, or base64 when they are not text. */
function describeCapture(capture: ByteCapture) {
  const { encoding, text } = bytesAsText(capture.bytes(), { front: capture.truncated });
  return { text, encoding, truncated_bytes: capture.omittedBytes };
}

/** Streams the attached output into the captures; answers true when the timeout cut it short. */
async function captureOutput(
  ctx: ToolContext,
  execId: string,
  timeoutSeconds: number,
  stdin: Uint8Array | undefined,
  stdout: ByteCapture,
  stderr: ByteCapture,
): Promise<boolean> {
  const timeoutMs = timeoutSeconds * 1000;
  try {
    const output = stdin
      ? await startExecWithInput(ctx.podman, execId, stdin, timeoutMs, ctx.signal)
      : (await startExec(ctx.podman, execId, timeoutMs, ctx.signal)).body;
    if (!output) return false;
    for await (const frame of decodeLogStream(output, { mode: "multiplexed" })) {
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
    // A command that exits before reading all its input leaves the rest unread, and Podman
    // then resets the connection: its output did arrive whole.
    if (stdin && failure instanceof PodmanUnreachable && !ctx.signal.aborted) {
      const state = await inspectExec(ctx.podman, execId, ctx.signal);
      if (!state.Running) return false;
    }
    throw failure;
  }
}
