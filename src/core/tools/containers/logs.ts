import * as z from "zod";
import { READ_ONLY } from "../annotations.js";
import { defineTool } from "../tool.js";
import { containerName } from "./lifecycle.js";
import {
  followArguments,
  followLogs,
  followResult,
  renderFollow,
  wantsFollow,
} from "./log-follow.js";
import { boundedLogs, logArguments, logResult, renderLogs } from "./log-tail.js";

export const podmanLogs = defineTool({
  name: "podman_logs",
  family: "containers",
  title: "Read a container's logs",
  description:
    "The last lines of a container's logs, bounded: `tail` lines (default 100) within `max_bytes` " +
    "(default 16 KiB); the answer says when and how much it left out. Narrow with since/until, " +
    "stream and grep (a regular expression over the last `scan_lines` lines) rather than raising the limits. " +
    "PREFER follow with until_match to watch a start-up or a test run live (new lines stream as " +
    "progress notifications) over calling it again and again; podman_wait waits for readiness. " +
    "Following needs a container mcp-podman created (unless an admin token without --managed-only).",
  input: z.object({
    name: containerName,
    tail: logArguments.tail(
      "Number of last lines to return; -1 for the whole log (still bounded by max_bytes)",
    ),
    since: logArguments.since,
    until: logArguments.until,
    timestamps: logArguments.timestamps,
    stream: z.enum(["stdout", "stderr", "both"]).default("both"),
    grep: logArguments.grep,
    scan_lines: logArguments.scanLines("With grep: how many last lines to search (default 10000)"),
    max_bytes: logArguments.maxBytes("The most bytes of log text to return"),
    ...followArguments,
  }),
  output: logResult.extend({
    container: z.string(),
    follow: followResult.optional().describe("Set when it followed the log"),
  }),
  annotations: READ_ONLY,
  // A follow holds a Podman request open for minutes: only on what the caller may change.
  owns: { kind: "container", arg: "name", checkedWhenReading: wantsFollow },
  async handle(ctx, args) {
    const options = {
      tail: args.tail,
      maxBytes: args.max_bytes,
      since: args.since,
      until: args.until,
      timestamps: args.timestamps,
      stream: args.stream,
      grep: args.grep,
      scanLines: args.scan_lines,
    };
    if (wantsFollow(args)) {
      const logs = await followLogs(ctx, [{ id: args.name }], { ...options, ...args });
      return { container: args.name, ...logs };
    }
    return { container: args.name, ...(await boundedLogs(ctx, args.name, options)) };
  },
  render(result) {
    const logs = renderLogs(result);
    return result.follow ? `${renderFollow(result.follow)}\n${logs}` : logs;
  },
});
