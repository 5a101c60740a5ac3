import type { GrepPattern } from "../text/grep.js";
import { TailBuffer, utf8ByteLength } from "./bounded-text.js";
import type { PodmanClient } from "./client.js";
import { containerLogs } from "./containers.js";
import { decodeLogLines } from "./log-frames.js";

export interface PodLogOptions {
  /** Last lines per container; -1 for all (still bounded by maxBytes). */
  tail: number;
  /** Budget for the whole answer, in UTF-8 bytes. */
  maxBytes: number;
  since?: string;
  until?: string;
  timestamps: boolean;
  grep?: GrepPattern;
  /** With grep: how many last lines of each container to search. */
  scanLines: number;
}

export interface PodLogs {
  lines: string[];
  omittedLines: number;
  omittedBytes: number;
  truncated: boolean;
  scannedLines: number;
  matchedLines: number;
}

interface TimedLine {
  /** Milliseconds since the epoch, with sub-millisecond digits as the fraction. */
  time: number;
  text: string;
  bytes: number;
}

/**
 * The logs of several containers as "name | line", merged in time order, the
 * newest kept within the byte budget. Each container is read with its own tail,
 * so the budget is shared by recency, not split evenly.
 */
export async function readPodLogs(
  podman: PodmanClient,
  containers: { id: string; name: string }[],
  options: PodLogOptions,
  signal: AbortSignal,
): Promise<PodLogs> {
  const tails = await Promise.all(
    containers.map((container) => readTimedTail(podman, container, options, signal)),
  );
  // Array.prototype.sort is stable: equal times keep container order, then log order.
  const merged = tails.flatMap((tail) => tail.kept()).sort((a, b) => a.time - b.time);
  const kept = new TailBuffer({ maxBytes: options.maxBytes, maxLines: Infinity });
  for (const line of merged) kept.push(line.text);
  const result = kept.result();
  const sum = (pick: (tail: TimedTail) => number) => tails.reduce((n, t) => n + pick(t), 0);
  const omittedLines = result.omittedLines + sum((t) => t.omittedLines);
  const omittedBytes = result.omittedBytes + sum((t) => t.omittedBytes);
  return {
    lines: result.lines,
    omittedLines,
    omittedBytes,
    truncated: omittedLines > 0 || omittedBytes > 0,
    scannedLines: sum((t) => t.scannedLines),
    matchedLines: sum((t) => t.matchedLines),
  };
}

async function readTimedTail(
  podman: PodmanClient,
  container: { id: string; name: string },
  options: PodLogOptions,
  signal: AbortSignal,
): Promise<TimedTail> {
  const all = options.tail < 0;
  const response = await containerLogs(
    podman,
    container.id,
    {
      stdout: true,
      stderr: true,
      tail: all
        ? undefined
        : options.grep
          ? Math.max(options.tail, options.scanLines)
          : options.tail,
      since: options.since,
      until: options.until,
      timestamps: true,
    },
    signal,
  );
  const tail = new TimedTail(options.maxBytes, all ? Infinity : options.tail);
  let previousTime = 0;
  try {
    if (!response.body) return tail;
    for await (const line of decodeLogLines(response.body)) {
      tail.scannedLines++;
      const stamped = splitTimestamp(line.text);
      const time = stamped?.time ?? previousTime;
      previousTime = time;
      const text = stamped?.text ?? line.text;
      if (options.grep && !(await options.grep.test(text))) continue;
      tail.matchedLines++;
      const prefix = options.timestamps && stamped ? `${stamped.stamp} ` : "";
      tail.push(`${prefix}${container.name} | ${text}`, time);
    }
  } catch (error) {
    throw podman.translateFailure(
      error,
      signal,
      undefined,
      `Reading the logs of ${container.name}`,
      podman.timeoutMs,
    );
  }
  return tail;
}

const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d) /;

/** Podman prefixes each line with an RFC 3339 time (whole seconds in 4.3, nanoseconds in 5.x). */
export function splitTimestamp(
  line: string,
): { stamp: string; time: number; text: string } | undefined {
  const match = TIMESTAMP.exec(line);
  if (!match) return undefined;
  const [whole, seconds, fraction = "", zone] = match;
  const time = Date.parse(`${seconds}${zone}`) + Number(`0.${fraction.padEnd(9, "0")}`) * 1000;
  if (Number.isNaN(time)) return undefined;
  return { stamp: whole.slice(0, -1), time, text: line.slice(whole.length) };
}

/** The last lines of one container within the budget, with their times. */
class TimedTail {
  lines: TimedLine[] = [];
  omittedLines = 0;
  omittedBytes = 0;
  scannedLines = 0;
  matchedLines = 0;
  #head = 0;
  #bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxLines: number,
  ) {}

  push(text: string, time: number) {
    const line = { text, time, bytes: utf8ByteLength(text) + 1 };
    this.lines.push(line);
    this.#bytes += line.bytes;
    // One oversized line stays: the final TailBuffer cuts it to the budget.
    while (this.#count > 1 && (this.#bytes > this.maxBytes || this.#count > this.maxLines)) {
      const evicted = this.lines[this.#head++]!;
      this.#bytes -= evicted.bytes;
      this.omittedLines++;
      this.omittedBytes += evicted.bytes;
    }
    if (this.#head >= 32 && this.#head * 2 >= this.lines.length) {
      this.lines = this.lines.slice(this.#head);
      this.#head = 0;
    }
  }

  get #count() {
    return this.lines.length - this.#head;
  }

  kept(): TimedLine[] {
    return this.lines.slice(this.#head);
  }
}
