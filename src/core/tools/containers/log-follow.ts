import * as z from "zod";
import { Cancelled } from "../../errors.js";
import { GrepPattern, MAX_GREP_LENGTH } from "../../text/grep.js";
import { TailBuffer } from "../../podman/bounded-text.js";
import { followLogLines } from "../../podman/follow.js";
import type { LogLine } from "../../podman/log-frames.js";
import { splitTimestamp } from "../../podman/pod-logs.js";
import type { ToolContext } from "../tool.js";
import { LineProgress } from "./line-progress.js";
import type { LogOptions, LogResult } from "./log-tail.js";

export const DEFAULT_FOLLOW_SECONDS = 30;
/** A matched line is named in the answer, cut to this many characters. */
const MAX_MATCHED_LINE_CHARS = 1000;

/** The arguments podman_logs and podman_pod_logs share to follow a log. */
export const followArguments = {
  follow: z.boolean().default(false),
  follow_seconds: z
    .number()
    .int()
    .positive()
    .max(86_400)
    .optional()
    .meta({ default: DEFAULT_FOLLOW_SECONDS }),
  until_match: z.string().max(MAX_GREP_LENGTH).optional(),
};

export const followResult = z.object({
  seconds: z.number().int().describe("How long it would follow at most"),
  requested_seconds: z
    .number()
    .int()
    .optional()
    .describe("Set when follow_seconds asked for more than the server allows"),
  followed_ms: z.number().int().describe("How long it followed"),
  stopped: z
    .enum(["until_match", "follow_seconds", "ended"])
    .describe("until_match matched, the time ran out, or the log ended (the container stopped)"),
  matched_line: z.string().optional().describe("The line until_match matched"),
  streamed_lines: z.number().int().describe("Lines sent as progress notifications"),
});

export type FollowResult = z.output<typeof followResult>;

export interface FollowArguments {
  follow: boolean;
  follow_seconds?: number;
  until_match?: string;
}

export const wantsFollow = (args: FollowArguments) =>
  args.follow || args.follow_seconds !== undefined || args.until_match !== undefined;

/** What to follow: a container, and for pod logs the name its lines are tagged with. */
export interface FollowSource {
  id: string;
  tag?: string;
}

export interface FollowOptions extends LogOptions, FollowArguments {}

/**
 * Follows the logs of one or more containers at once, lines in the order they
 * arrive. Each line goes to the client as progress (batched), and the answer
 * is bounded like a plain read. Ends at the time limit, at the first match of
 * until_match, when every log ended, or at once on cancel, each request to
 * Podman closed.
 */
export async function followLogs(
  ctx: ToolContext,
  sources: FollowSource[],
  options: FollowOptions,
): Promise<LogResult & { follow: FollowResult }> {
  const grep = options.grep === undefined ? undefined : await GrepPattern.compile(options.grep);
  const until =
    options.until_match === undefined ? undefined : await GrepPattern.compile(options.until_match);
  const limit = ctx.timeLimits.maxFollowSeconds;
  const requested = options.follow_seconds ?? Math.min(DEFAULT_FOLLOW_SECONDS, limit);
  const seconds = Math.min(requested, limit);

  const stop = new AbortController();
  const signal = AbortSignal.any([ctx.signal, stop.signal]);
  const timer = setTimeout(() => stop.abort(), seconds * 1000);
  const started = performance.now();
  const kept = new TailBuffer({
    maxBytes: options.maxBytes,
    maxLines: options.tail < 0 ? Infinity : options.tail,
  });
  const progress = new LineProgress((message, streamed) => ctx.progress(message, streamed));
  let scanned = 0;
  let shown = 0;
  let matchedLine: string | undefined;

  const onLine = async (text: string, shownText: string) => {
    if (stop.signal.aborted) return;
    scanned++;
    if (!grep || (await grep.test(text))) {
      shown++;
      kept.push(shownText);
      progress.add(shownText);
    }
    if (until && matchedLine === undefined && (await until.test(text))) {
      matchedLine = shownText;
      stop.abort();
    }
  };
  const stream = options.stream ?? "both";
  let failure: unknown;
  try {
    await Promise.all(
      sources.map((source) =>
        followLogLines(
          ctx.podman,
          source.id,
          {
            stdout: stream !== "stderr",
            stderr: stream !== "stdout",
            tail: options.tail < 0 ? undefined : options.tail,
            since: options.since,
            until: options.until,
            timestamps: options.timestamps,
          },
          signal,
          (line) => onLine(...displayed(line, source.tag, options.timestamps ?? false)),
        ).catch((error: unknown) => {
          // One log that fails ends the others too; the first failure is the answer.
          failure ??= error;
          stop.abort();
        }),
      ),
    );
  } finally {
    clearTimeout(timer);
    await progress.close();
  }
  if (ctx.signal.aborted) throw new Cancelled("Following the logs was cancelled");
  if (failure !== undefined) throw failure;
  const followedMs = Math.round(performance.now() - started);
  const tail = kept.result();
  return {
    text: tail.lines.join("\n"),
    lines: tail.lines.length,
    truncated: tail.truncated,
    omitted_lines: tail.omittedLines,
    omitted_bytes: tail.omittedBytes,
    ...(grep ? { scanned_lines: scanned, matched_lines: shown } : {}),
    follow: {
      seconds,
      ...(requested > seconds ? { requested_seconds: requested } : {}),
      followed_ms: followedMs,
      stopped:
        matchedLine !== undefined
          ? "until_match"
          : stop.signal.aborted
            ? "follow_seconds"
            : "ended",
      ...(matchedLine !== undefined
        ? { matched_line: matchedLine.slice(0, MAX_MATCHED_LINE_CHARS) }
        : {}),
      streamed_lines: progress.streamedLines,
    },
  };
}

/**
 * The text to match and the text to show. A pod's lines are tagged with their
 * container; its timestamps, when asked for, go before the tag.
 */
function displayed(line: LogLine, tag: string | undefined, timestamps: boolean): [string, string] {
  if (tag === undefined) return [line.text, line.text];
  const stamped = timestamps ? splitTimestamp(line.text) : undefined;
  if (!stamped) return [line.text, `${tag} | ${line.text}`];
  return [stamped.text, `${stamped.stamp} ${tag} | ${stamped.text}`];
}

export function renderFollow(follow: FollowResult): string {
  const took = `${(follow.followed_ms / 1000).toFixed(1)} s`;
  const bound =
    follow.requested_seconds === undefined
      ? ""
      : ` (follow_seconds ${follow.requested_seconds} lowered to the server's ${follow.seconds})`;
  if (follow.stopped === "until_match") {
    return `[followed ${took}: stopped at the line matching until_match: ${follow.matched_line}]`;
  }
  if (follow.stopped === "ended") return `[followed ${took}: the log ended (container stopped)]`;
  return `[followed ${took}: follow_seconds ran out${bound}]`;
}
