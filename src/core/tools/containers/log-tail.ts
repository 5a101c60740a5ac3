import * as z from "zod";
import { GrepPattern, MAX_GREP_LENGTH } from "../../text/grep.js";
import { TailBuffer } from "../../podman/bounded-text.js";
import { containerLogs } from "../../podman/containers.js";
import { decodeLogLines } from "../../podman/log-frames.js";
import type { ToolContext } from "../tool.js";

export const DEFAULT_MAX_LOG_BYTES = 16 * 1024;
/** How far back grep looks unless the whole log is asked for. */
export const DEFAULT_GREP_SCAN_LINES = 10_000;

export const logResult = z.object({
  text: z.string().describe("The log lines, oldest first"),
  lines: z.number().int().describe("Lines returned"),
  truncated: z
    .boolean()
    .describe("true when earlier lines were left out to stay within the limits"),
  omitted_lines: z.number().int().describe("Earlier lines left out (max_bytes, or tail with grep)"),
  omitted_bytes: z.number().int().describe("Bytes of those lines"),
  scanned_lines: z.number().int().optional().describe("With grep: how many lines were searched"),
  matched_lines: z.number().int().optional().describe("With grep: how many lines matched"),
});

export type LogResult = z.output<typeof logResult>;

/**
 * The arguments podman_logs and podman_pod_logs share; `description` says what
 * each counts. maxBytes bounds every tool that answers output or logs.
 */
export const logArguments = {
  tail: (description: string) =>
    z
      .number()
      .int()
      .min(-1)
      .refine((n) => n !== 0, { message: "tail must be at least 1, or -1 for the whole log" })
      .default(100)
      .describe(description),
  since: z.string().optional(),
  until: z.string().optional(),
  timestamps: z.boolean().default(false),
  grep: z.string().max(MAX_GREP_LENGTH).optional(),
  scanLines: (description?: string) => {
    const scanLines = z
      .number()
      .int()
      .positive()
      .max(1_000_000)
      .optional()
      .meta({ default: DEFAULT_GREP_SCAN_LINES });
    return description ? scanLines.describe(description) : scanLines;
  },
  maxBytes: (description?: string) => {
    const maxBytes = z
      .number()
      .int()
      .min(256)
      .max(1024 * 1024)
      .default(DEFAULT_MAX_LOG_BYTES);
    return description ? maxBytes.describe(description) : maxBytes;
  },
};

export interface LogOptions {
  /** Lines to return; -1 for all (still bounded by maxBytes). */
  tail: number;
  maxBytes: number;
  since?: string;
  until?: string;
  timestamps?: boolean;
  stream?: "stdout" | "stderr" | "both";
  grep?: string;
  scanLines?: number;
}

/**
 * The last lines of a container's log within a byte budget. Podman does the
 * tailing (it reads the log file backwards), so a huge log costs only what is kept.
 */
export async function boundedLogs(
  ctx: ToolContext,
  nameOrId: string,
  options: LogOptions,
): Promise<LogResult> {
  const pattern = options.grep === undefined ? undefined : await GrepPattern.compile(options.grep);
  const stream = options.stream ?? "both";
  const podmanTail = pattern
    ? options.tail < 0
      ? undefined
      : Math.max(options.tail, options.scanLines ?? DEFAULT_GREP_SCAN_LINES)
    : options.tail < 0
      ? undefined
      : options.tail;
  const response = await containerLogs(
    ctx.podman,
    nameOrId,
    {
      stdout: stream !== "stderr",
      stderr: stream !== "stdout",
      tail: podmanTail,
      since: options.since,
      until: options.until,
      timestamps: options.timestamps,
    },
    ctx.signal,
  );
  const kept = new TailBuffer({
    maxBytes: options.maxBytes,
    maxLines: options.tail < 0 ? Infinity : options.tail,
  });
  let scanned = 0;
  let matched = 0;
  try {
    if (response.body) {
      for await (const line of decodeLogLines(response.body)) {
        scanned++;
        if (pattern && !(await pattern.test(line.text))) continue;
        matched++;
        kept.push(line.text);
      }
    }
  } catch (error) {
    throw ctx.podman.translateFailure(
      error,
      ctx.signal,
      undefined,
      `Reading the logs of ${nameOrId}`,
      ctx.podman.timeoutMs,
    );
  }
  const tail = kept.result();
  return {
    text: tail.lines.join("\n"),
    lines: tail.lines.length,
    truncated: tail.truncated,
    omitted_lines: tail.omittedLines,
    omitted_bytes: tail.omittedBytes,
    ...(pattern ? { scanned_lines: scanned, matched_lines: matched } : {}),
  };
}

export function renderLogs(logs: LogResult): string {
  const notes: string[] = [];
  if (logs.scanned_lines !== undefined) {
    notes.push(`[${logs.matched_lines} of ${logs.scanned_lines} searched lines matched]`);
  }
  if (logs.truncated) {
    notes.push(
      `[truncated: ${logs.omitted_lines} earlier lines (${logs.omitted_bytes} bytes) left out; ` +
        "narrow with since/grep or raise max_bytes]",
    );
  }
  if (logs.lines === 0 && notes.length === 0) return "(no log lines)";
  return [...notes, logs.text].filter(Boolean).join("\n");
}
