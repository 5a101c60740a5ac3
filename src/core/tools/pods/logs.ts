import * as z from "zod";
import { READ_ONLY } from "../annotations.js";
import { GrepPattern } from "../../text/grep.js";
import { readPodLogs } from "../../podman/pod-logs.js";
import { inspectPod } from "../../podman/pods.js";
import {
  DEFAULT_GREP_SCAN_LINES,
  logArguments,
  logResult,
  renderLogs,
} from "../containers/log-tail.js";
import {
  followArguments,
  followLogs,
  followResult,
  renderFollow,
  wantsFollow,
} from "../containers/log-follow.js";
import { defineTool } from "../tool.js";
import { memberContainers, podName } from "./lifecycle.js";

export const podmanPodLogs = defineTool({
  name: "podman_pod_logs",
  family: "pods",
  title: "Read a pod's logs",
  description:
    "A pod's container logs merged in time order, each line tagged; follow as podman_logs.",
  input: z.object({
    name: podName,
    tail: logArguments.tail("Per container; -1: all"),
    since: logArguments.since,
    until: logArguments.until,
    timestamps: logArguments.timestamps,
    grep: logArguments.grep,
    scan_lines: logArguments.scanLines("Per container"),
    max_bytes: logArguments.maxBytes(),
    ...followArguments,
  }),
  output: logResult.extend({
    pod: z.string(),
    containers: z.array(z.string()).describe("The containers whose logs were read"),
    follow: followResult.optional().describe("Set when it followed the logs"),
  }),
  annotations: READ_ONLY,
  // A follow holds Podman requests open for minutes: only on what the caller may change.
  owns: { kind: "pod", arg: "name", checkedWhenReading: wantsFollow },
  async handle(ctx, args) {
    const grep = args.grep === undefined ? undefined : await GrepPattern.compile(args.grep);
    const pod = await inspectPod(ctx.podman, args.name, ctx.signal);
    const members = memberContainers(pod).map((c) => ({ id: c.Id, name: c.Name }));
    if (wantsFollow(args)) {
      const sources = members.map((c) => ({ id: c.id, tag: c.name }));
      const logs = await followLogs(ctx, sources, {
        ...args,
        maxBytes: args.max_bytes,
        scanLines: args.scan_lines,
      });
      return { pod: pod.Name, containers: members.map((c) => c.name), ...logs };
    }
    const logs = await readPodLogs(
      ctx.podman,
      members,
      {
        tail: args.tail,
        maxBytes: args.max_bytes,
        since: args.since,
        until: args.until,
        timestamps: args.timestamps,
        grep,
        scanLines: args.scan_lines ?? DEFAULT_GREP_SCAN_LINES,
      },
      ctx.signal,
    );
    return {
      pod: pod.Name,
      containers: members.map((c) => c.name),
      text: logs.lines.join("\n"),
      lines: logs.lines.length,
      truncated: logs.truncated,
      omitted_lines: logs.omittedLines,
      omitted_bytes: logs.omittedBytes,
      ...(grep ? { scanned_lines: logs.scannedLines, matched_lines: logs.matchedLines } : {}),
    };
  },
  render(result) {
    if (result.containers.length === 0) return `Pod ${result.pod} has no containers.`;
    const logs = renderLogs(result);
    return result.follow ? `${renderFollow(result.follow)}\n${logs}` : logs;
  },
});
