import * as z from "zod";
import { READ_ONLY } from "../annotations.js";
import { defineTool } from "../tool.js";
import { containerName } from "./lifecycle.js";
import { boundedLogs, logArguments, logResult, renderLogs } from "./log-tail.js";

export const podmanLogs = defineTool({
  name: "podman_logs",
  family: "containers",
  title: "Read a container's logs",
  description:
    "A container's last log lines within `tail` and `max_bytes`. PREFER since, until, stream or grep to raising them.",
  input: z.object({
    name: containerName,
    tail: logArguments.tail("-1: all, within max_bytes"),
    since: logArguments.since,
    until: logArguments.until,
    timestamps: logArguments.timestamps,
    stream: z.enum(["stdout", "stderr", "both"]).default("both"),
    grep: logArguments.grep,
    scan_lines: logArguments.scanLines("With grep: lines searched (default 10000)"),
    max_bytes: logArguments.maxBytes(),
  }),
  output: logResult.extend({ container: z.string() }),
  annotations: READ_ONLY,
  owns: { kind: "container", arg: "name" },
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
