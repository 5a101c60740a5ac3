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
    "A container's last `tail` log lines; narrow by since, until, stream, grep. follow, follow_seconds or until_match stream new ones.",
  input: z.object({
    name: containerName,
    tail: logArguments.tail("-1: all"),
    since: logArguments.since,
    until: logArguments.until,
    timestamps: logArguments.timestamps,
    stream: z.enum(["stdout", "stderr", "both"]).default("both"),
    grep: logArguments.grep,
    scan_lines: logArguments.scanLines(),
    max_bytes: logArguments.maxBytes(),
    ...followArguments,
  }),
  output: logResult.extend({
    container: z.string(),
    follow: followResult.optional(),
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
