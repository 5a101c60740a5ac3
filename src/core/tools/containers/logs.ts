import { z } from "zod";
import { defineTool } from "../tool.js";
import { containerName } from "./lifecycle.js";
import { DEFAULT_MAX_LOG_BYTES, boundedLogs, logResult, renderLogs } from "./log-tail.js";

export const podmanLogs = defineTool({
  name: "podman_logs",
  title: "Read a container's logs",
  description:
    "The last lines of a container's logs, bounded: `tail` lines (default 100) within `max_bytes` " +
    "(default 16 KiB); the answer says when and how much it left out. Narrow with since/until, " +
    "stream and grep (a regular expression over the last `scan_lines` lines) rather than raising the limits.",
  input: z.object({
    name: containerName,
    tail: z
      .number()
      .int()
      .min(-1)
      .refine((n) => n !== 0, { message: "tail must be at least 1, or -1 for the whole log" })
      .default(100)
      .describe(
        "Number of last lines to return; -1 for the whole log (still bounded by max_bytes)",
      ),
    since: z
      .string()
      .optional()
      .describe(
        'Only lines after this time: RFC 3339, a Unix timestamp, or a duration such as "10m"',
      ),
    until: z.string().optional().describe("Only lines before this time (same forms as since)"),
    timestamps: z.boolean().default(false).describe("Prefix each line with its timestamp"),
    stream: z.enum(["stdout", "stderr", "both"]).default("both"),
    grep: z.string().optional().describe("Only lines matching this JavaScript regular expression"),
    scan_lines: z
      .number()
      .int()
      .positive()
      .max(1_000_000)
      .optional()
      .describe("With grep: how many last lines to search (default 10000)"),
    max_bytes: z
      .number()
      .int()
      .min(256)
      .max(1024 * 1024)
      .default(DEFAULT_MAX_LOG_BYTES)
      .describe("The most bytes of log text to return"),
  }),
  output: logResult.extend({ container: z.string() }),
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async handle(ctx, args) {
    const logs = await boundedLogs(ctx, args.name, {
      tail: args.tail,
      maxBytes: args.max_bytes,
      since: args.since,
      until: args.until,
      timestamps: args.timestamps,
      stream: args.stream,
      grep: args.grep,
      scanLines: args.scan_lines,
    });
    return { container: args.name, ...logs };
  },
  render: renderLogs,
});
