import { describe, it, expect } from "vitest";
import {
  LogFrameDecoder,
  LogLineSplitter,
  decodeLogLines,
  decodeLogStream,
  looksMultiplexed,
  type LogFrame,
  type LogLine,
} from "../../src/core/podman/log-frames.js";

const encoder = new TextEncoder();
const STREAM_ID = { stdin: 0, stdout: 1, stderr: 2 } as const;

function frameBytes(stream: keyof typeof STREAM_ID, payload: string | Uint8Array): Uint8Array {
  const data = typeof payload === "string" ? encoder.encode(payload) : payload;
  const bytes = new Uint8Array(8 + data.length);
  bytes[0] = STREAM_ID[stream];
  new DataView(bytes.buffer).setUint32(4, data.length);
  bytes.set(data, 8);
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function asText(frames: LogFrame[]): { stream: string; text: string }[] {
  return frames.map((f) => ({ stream: f.stream, text: new TextDecoder().decode(f.data) }));
}

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

const sample = concat(
  frameBytes("stdout", "hello\n"),
  frameBytes("stderr", "oops\n"),
  frameBytes("stdout", ""),
  frameBytes("stdout", "wörld ✓\n"),
);
const sampleFrames = [
  { stream: "stdout", text: "hello\n" },
  { stream: "stderr", text: "oops\n" },
  { stream: "stdout", text: "wörld ✓\n" },
];

describe("LogFrameDecoder", () => {
  it("decodes several frames in one chunk and skips empty payloads", () => {
    const decoder = new LogFrameDecoder();
    const frames = decoder.push(sample);
    expect(asText(frames)).toEqual(sampleFrames);
    expect(decoder.end()).toEqual([]);
    expect(decoder.incompleteFrame).toBe(false);
  });

  it("gives the same frames whatever byte the stream is split at", () => {
    for (let cut = 0; cut <= sample.length; cut++) {
      const decoder = new LogFrameDecoder();
      const frames = [
        ...decoder.push(sample.subarray(0, cut)),
        ...decoder.push(sample.subarray(cut)),
        ...decoder.end(),
      ];
      expect(asText(frames), `cut at ${cut}`).toEqual(sampleFrames);
      expect(decoder.incompleteFrame).toBe(false);
    }
  });

  it("decodes a stream fed one byte at a time", () => {
    const decoder = new LogFrameDecoder();
    const frames: LogFrame[] = [];
    for (const byte of sample) frames.push(...decoder.push(Uint8Array.of(byte)));
    frames.push(...decoder.end());
    expect(asText(frames)).toEqual(sampleFrames);
  });

  it("waits for a header split across chunks", () => {
    const bytes = frameBytes("stderr", "abc");
    const decoder = new LogFrameDecoder();
    expect(decoder.push(bytes.subarray(0, 3))).toEqual([]);
    expect(decoder.push(bytes.subarray(3, 7))).toEqual([]);
    expect(asText(decoder.push(bytes.subarray(7)))).toEqual([{ stream: "stderr", text: "abc" }]);
  });

  it("keeps interleaved stdout and stderr frames in order", () => {
    const decoder = new LogFrameDecoder();
    const frames = decoder.push(
      concat(
        frameBytes("stdout", "a"),
        frameBytes("stderr", "b"),
        frameBytes("stdout", "c"),
        frameBytes("stdin", "d"),
      ),
    );
    expect(frames.map((f) => f.stream)).toEqual(["stdout", "stderr", "stdout", "stdin"]);
  });

  it("copies payloads so the caller may reuse its chunk buffer", () => {
    const chunk = frameBytes("stdout", "abc");
    const [frame] = new LogFrameDecoder().push(chunk);
    chunk.fill(0);
    expect(new TextDecoder().decode(frame!.data)).toBe("abc");
  });

  it("emits a long split payload in pieces past maxPendingBytes", () => {
    const payload = "x".repeat(100);
    const bytes = frameBytes("stdout", payload);
    const decoder = new LogFrameDecoder({ maxPendingBytes: 30 });
    const frames: LogFrame[] = [];
    for (let i = 0; i < bytes.length; i += 10)
      frames.push(...decoder.push(bytes.subarray(i, i + 10)));
    // Checked after each chunk: the first piece is flushed once 32 bytes (>= 30) are pending.
    expect(frames.map((f) => f.data.length)).toEqual([32, 30, 30, 8]);
    expect(
      asText(frames)
        .map((f) => f.text)
        .join(""),
    ).toBe(payload);
    expect(frames.every((f) => f.stream === "stdout")).toBe(true);
  });

  it("flags a stream that ends inside a header", () => {
    const decoder = new LogFrameDecoder();
    expect(
      asText(decoder.push(concat(frameBytes("stdout", "ok"), Uint8Array.of(1, 0, 0)))),
    ).toEqual([{ stream: "stdout", text: "ok" }]);
    expect(decoder.end()).toEqual([]);
    expect(decoder.incompleteFrame).toBe(true);
  });

  it("flushes a partial payload at end and flags it", () => {
    const bytes = frameBytes("stderr", "truncated");
    const decoder = new LogFrameDecoder();
    expect(decoder.push(bytes.subarray(0, 12))).toEqual([]);
    expect(asText(decoder.end())).toEqual([{ stream: "stderr", text: "trun" }]);
    expect(decoder.incompleteFrame).toBe(true);
  });

  it("rejects a malformed header, naming its offset", () => {
    const decoder = new LogFrameDecoder();
    const bad = concat(frameBytes("stdout", "ok"), Uint8Array.of(7, 0, 0, 0, 0, 0, 0, 1));
    expect(() => decoder.push(bad)).toThrow(/invalid frame header at byte 10/);
    const nonZero = new LogFrameDecoder();
    expect(() => nonZero.push(Uint8Array.of(1, 0, 5, 0, 0, 0, 0, 1))).toThrow(/at byte 0/);
  });
});

describe("looksMultiplexed", () => {
  it("recognises a frame header", () => {
    expect(looksMultiplexed(frameBytes("stdout", "x"))).toBe(true);
    expect(looksMultiplexed(frameBytes("stderr", ""))).toBe(true);
  });

  it("rejects TTY text and short input", () => {
    expect(looksMultiplexed(encoder.encode("hello world"))).toBe(false);
    expect(looksMultiplexed(Uint8Array.of(1, 0, 0, 0, 0, 0, 0))).toBe(false);
    expect(looksMultiplexed(Uint8Array.of(3, 0, 0, 0, 0, 0, 0, 1))).toBe(false);
    expect(looksMultiplexed(Uint8Array.of(1, 0, 1, 0, 0, 0, 0, 1))).toBe(false);
  });
});

describe("decodeLogStream", () => {
  it("sniffs a multiplexed body even when the first chunk is a partial header", async () => {
    const body = streamOf([sample.subarray(0, 3), sample.subarray(3, 20), sample.subarray(20)]);
    expect(asText(await collect(decodeLogStream(body)))).toEqual(sampleFrames);
  });

  it("treats a TTY body as stdout, untouched", async () => {
    const chunks = [encoder.encode("$ ls\r\n"), encoder.encode("file\r\n")];
    const frames = await collect(decodeLogStream(streamOf(chunks)));
    expect(asText(frames)).toEqual([
      { stream: "stdout", text: "$ ls\r\n" },
      { stream: "stdout", text: "file\r\n" },
    ]);
  });

  it("decides TTY on a short first chunk without waiting for more", async () => {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
    controller.enqueue(encoder.encode("$ "));
    const frames = decodeLogStream(body);
    const first = await frames.next();
    expect(first.done).toBe(false);
    expect(asText([first.value as LogFrame])).toEqual([{ stream: "stdout", text: "$ " }]);
    controller.close();
    expect(await frames.next()).toEqual({
      done: true,
      value: { mode: "raw", incompleteFrame: false },
    });
  });

  it("treats a body shorter than a header as raw", async () => {
    const frames = decodeLogStream(streamOf([Uint8Array.of(1, 0), Uint8Array.of(0)]));
    const first = await frames.next();
    expect(first.value).toEqual({ stream: "stdout", data: Uint8Array.of(1, 0) });
    await frames.next();
    expect(await frames.next()).toEqual({
      done: true,
      value: { mode: "raw", incompleteFrame: false },
    });
  });

  it("honours a forced mode", async () => {
    const frames = await collect(decodeLogStream(streamOf([sample]), { mode: "raw" }));
    expect(frames).toEqual([{ stream: "stdout", data: sample }]);
  });

  it("reports a multiplexed body cut inside a frame", async () => {
    const frames = decodeLogStream(streamOf([sample.subarray(0, sample.length - 2)]));
    const seen: LogFrame[] = [];
    let step = await frames.next();
    while (!step.done) {
      seen.push(step.value);
      step = await frames.next();
    }
    expect(step.value).toEqual({ mode: "multiplexed", incompleteFrame: true });
    expect(seen.at(-1)).toEqual({
      stream: "stdout",
      data: encoder.encode("wörld ✓\n").subarray(0, -2),
    });
  });

  it("cancels the body when the consumer stops early", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(frameBytes("stdout", "tick\n")),
      cancel: () => void (cancelled = true),
    });
    let count = 0;
    for await (const frame of decodeLogStream(body)) {
      expect(frame.stream).toBe("stdout");
      if (++count === 3) break;
    }
    expect(cancelled).toBe(true);
    expect(body.locked).toBe(false);
  });
});

describe("LogLineSplitter", () => {
  const frame = (stream: LogFrame["stream"], data: string | Uint8Array): LogFrame => ({
    stream,
    data: typeof data === "string" ? encoder.encode(data) : data,
  });

  it("assembles lines across frames and flushes a last line without newline", () => {
    const splitter = new LogLineSplitter();
    expect(splitter.push(frame("stdout", "one\ntw"))).toEqual([{ stream: "stdout", text: "one" }]);
    expect(splitter.push(frame("stdout", "o\nthr"))).toEqual([{ stream: "stdout", text: "two" }]);
    expect(splitter.push(frame("stdout", "ee"))).toEqual([]);
    expect(splitter.end()).toEqual([{ stream: "stdout", text: "three" }]);
  });

  it("keeps the partial lines of stdout and stderr apart", () => {
    const splitter = new LogLineSplitter();
    const lines: LogLine[] = [
      ...splitter.push(frame("stdout", "out-")),
      ...splitter.push(frame("stderr", "err-")),
      ...splitter.push(frame("stdout", "a\n")),
      ...splitter.push(frame("stderr", "b\nerr2")),
      ...splitter.end(),
    ];
    expect(lines).toEqual([
      { stream: "stdout", text: "out-a" },
      { stream: "stderr", text: "err-b" },
      { stream: "stderr", text: "err2" },
    ]);
  });

  it("reassembles a multibyte character split at every byte", () => {
    const bytes = encoder.encode("é😀\n");
    for (let cut = 1; cut < bytes.length; cut++) {
      const splitter = new LogLineSplitter();
      const lines = [
        ...splitter.push(frame("stdout", bytes.subarray(0, cut))),
        ...splitter.push(frame("stderr", "x")),
        ...splitter.push(frame("stdout", bytes.subarray(cut))),
      ];
      expect(lines, `cut at ${cut}`).toEqual([{ stream: "stdout", text: "é😀" }]);
    }
  });

  it("turns an unfinished character at the end into U+FFFD", () => {
    const splitter = new LogLineSplitter();
    splitter.push(frame("stdout", Uint8Array.of(0x61, 0xe2, 0x9c)));
    expect(splitter.end()).toEqual([{ stream: "stdout", text: "a\uFFFD" }]);
  });

  it("drops the carriage return of CRLF endings only", () => {
    const splitter = new LogLineSplitter();
    expect(splitter.push(frame("stdout", "a\r"))).toEqual([]);
    expect(splitter.push(frame("stdout", "\nb\rc\n\n"))).toEqual([
      { stream: "stdout", text: "a" },
      { stream: "stdout", text: "b\rc" },
      { stream: "stdout", text: "" },
    ]);
  });

  it("breaks a line that grows past maxLineLength", () => {
    const splitter = new LogLineSplitter({ maxLineLength: 4 });
    expect(splitter.push(frame("stdout", "abcdefghij"))).toEqual([
      { stream: "stdout", text: "abcd" },
      { stream: "stdout", text: "efgh" },
    ]);
    expect(splitter.push(frame("stdout", "k\n"))).toEqual([{ stream: "stdout", text: "ijk" }]);
  });

  it("does not break a surrogate pair when splitting long lines", () => {
    const splitter = new LogLineSplitter({ maxLineLength: 4 });
    expect(splitter.push(frame("stdout", "abc😀d"))).toEqual([{ stream: "stdout", text: "abc" }]);
    expect(splitter.end()).toEqual([{ stream: "stdout", text: "😀d" }]);
  });
});

describe("decodeLogLines", () => {
  it("yields lines from a multiplexed body", async () => {
    const body = streamOf([
      concat(frameBytes("stdout", "first\nsec"), frameBytes("stderr", "warn\n")).subarray(0, 11),
      concat(frameBytes("stdout", "first\nsec"), frameBytes("stderr", "warn\n")).subarray(11),
      frameBytes("stdout", "ond"),
    ]);
    expect(await collect(decodeLogLines(body))).toEqual([
      { stream: "stdout", text: "first" },
      { stream: "stderr", text: "warn" },
      { stream: "stdout", text: "second" },
    ]);
  });

  it("yields lines from a TTY body", async () => {
    const body = streamOf([encoder.encode("a\r\nb"), encoder.encode("c\r\n")]);
    expect(await collect(decodeLogLines(body))).toEqual([
      { stream: "stdout", text: "a" },
      { stream: "stdout", text: "bc" },
    ]);
  });
});
