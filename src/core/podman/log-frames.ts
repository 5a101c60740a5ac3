export type LogStreamName = "stdin" | "stdout" | "stderr";

export interface LogFrame {
  stream: LogStreamName;
  data: Uint8Array;
}

export interface LogLine {
  stream: LogStreamName;
  text: string;
}

// Header layout: [stream, 0, 0, 0, size(4 bytes, big-endian)], then `size` payload bytes.
const HEADER_SIZE = 8;
const STREAM_BY_ID: readonly LogStreamName[] = ["stdin", "stdout", "stderr"];

function streamFromId(id: number): LogStreamName | undefined {
  return STREAM_BY_ID[id];
}

/** True when the first 8 bytes have the shape of a multiplexed frame header. */
export function looksMultiplexed(firstBytes: Uint8Array): boolean {
  return firstBytes.length >= HEADER_SIZE && couldStartMultiplexed(firstBytes);
}

/** False as soon as the bytes seen so far rule out a frame header. */
function couldStartMultiplexed(prefix: Uint8Array): boolean {
  const checked = Math.min(prefix.length, 4);
  if (checked === 0) return true;
  if (streamFromId(prefix[0]!) === undefined) return false;
  for (let i = 1; i < checked; i++) {
    if (prefix[i] !== 0) return false;
  }
  return true;
}

export interface LogFrameDecoderOptions {
  /**
   * A frame payload split across chunks is buffered until complete, but never
   * beyond this many bytes: past it, the part received so far is emitted as its
   * own frame, so a huge declared size cannot make the decoder hoard memory.
   */
  maxPendingBytes?: number;
}

/**
 * Streaming decoder for the multiplexed attach/logs format. Chunks may be cut
 * at any byte, including inside a header. Frames with an empty payload are
 * skipped.
 */
export class LogFrameDecoder {
  private readonly maxPendingBytes: number;
  private readonly header = new Uint8Array(HEADER_SIZE);
  private headerFill = 0;
  private stream: LogStreamName = "stdout";
  private payloadRemaining = 0;
  private pendingParts: Uint8Array[] = [];
  private pendingBytes = 0;
  private chunkStart = 0;
  private ended = false;

  constructor(options: LogFrameDecoderOptions = {}) {
    this.maxPendingBytes = options.maxPendingBytes ?? 64 * 1024;
  }

  /** True after `end()` if the stream stopped inside a header or before a payload was complete. */
  get incompleteFrame(): boolean {
    return this.ended && (this.headerFill > 0 || this.payloadRemaining > 0);
  }

  push(chunk: Uint8Array): LogFrame[] {
    if (this.ended) throw new Error("LogFrameDecoder.push called after end()");
    const frames: LogFrame[] = [];
    let offset = 0;
    try {
      while (offset < chunk.length) {
        offset =
          this.payloadRemaining > 0
            ? this.readPayload(chunk, offset, frames)
            : this.readHeader(chunk, offset);
      }
    } finally {
      this.chunkStart += chunk.length;
    }
    if (this.pendingBytes >= this.maxPendingBytes) frames.push(this.takePending());
    return frames;
  }

  /** Emits whatever part of an unfinished payload was received; see `incompleteFrame`. */
  end(): LogFrame[] {
    this.ended = true;
    return this.pendingBytes > 0 ? [this.takePending()] : [];
  }

  private readHeader(chunk: Uint8Array, offset: number): number {
    const take = Math.min(HEADER_SIZE - this.headerFill, chunk.length - offset);
    this.header.set(chunk.subarray(offset, offset + take), this.headerFill);
    this.headerFill += take;
    if (this.headerFill < HEADER_SIZE) return offset + take;

    const headerStart = this.chunkStart + offset + take - HEADER_SIZE;
    const stream = streamFromId(this.header[0]!);
    if (stream === undefined || !couldStartMultiplexed(this.header)) {
      throw new Error(
        `Malformed multiplexed stream: invalid frame header at byte ${headerStart} ` +
          `(${Array.from(this.header.subarray(0, 4)).join(",")})`,
      );
    }
    this.headerFill = 0;
    this.stream = stream;
    this.payloadRemaining = new DataView(
      this.header.buffer,
      this.header.byteOffset,
      HEADER_SIZE,
    ).getUint32(4);
    return offset + take;
  }

  private readPayload(chunk: Uint8Array, offset: number, frames: LogFrame[]): number {
    const take = Math.min(this.payloadRemaining, chunk.length - offset);
    // Copied, so callers may reuse their chunk buffers.
    const piece = chunk.slice(offset, offset + take);
    this.payloadRemaining -= take;
    if (this.payloadRemaining === 0 && this.pendingBytes === 0) {
      frames.push({ stream: this.stream, data: piece });
    } else {
      this.pendingParts.push(piece);
      this.pendingBytes += take;
      if (this.payloadRemaining === 0) frames.push(this.takePending());
    }
    return offset + take;
  }

  private takePending(): LogFrame {
    const frame = { stream: this.stream, data: concatBytes(this.pendingParts, this.pendingBytes) };
    this.pendingParts = [];
    this.pendingBytes = 0;
    return frame;
  }
}

export function concatBytes(parts: readonly Uint8Array[], totalLength?: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const length = totalLength ?? parts.reduce((sum, part) => sum + part.length, 0);
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

export type LogStreamMode = "auto" | "multiplexed" | "raw";

export interface DecodeLogStreamOptions extends LogFrameDecoderOptions {
  /**
   * "raw" for containers with a TTY (no headers, everything is stdout),
   * "multiplexed" otherwise; "auto" sniffs the first bytes.
   */
  mode?: LogStreamMode;
}

export interface DecodeLogStreamSummary {
  mode: "multiplexed" | "raw";
  /** The stream ended inside a frame header or payload. */
  incompleteFrame: boolean;
}

/**
 * Yields the frames of a logs or exec attach body. Stops reading and cancels
 * the body when the consumer stops early.
 */
export async function* decodeLogStream(
  stream: ReadableStream<Uint8Array>,
  options: DecodeLogStreamOptions = {},
): AsyncGenerator<LogFrame, DecodeLogStreamSummary, undefined> {
  const reader = stream.getReader();
  let finished = false;
  try {
    const prefixParts: Uint8Array[] = [];
    let prefixLength = 0;
    let mode = options.mode ?? "auto";
    while (mode === "auto") {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        break;
      }
      prefixParts.push(value);
      prefixLength += value.length;
      const prefix = concatBytes(prefixParts, prefixLength);
      if (prefixLength >= HEADER_SIZE) mode = looksMultiplexed(prefix) ? "multiplexed" : "raw";
      else if (!couldStartMultiplexed(prefix)) mode = "raw";
    }
    // A stream that ended before 8 bytes cannot hold a frame.
    const resolvedMode = mode === "multiplexed" ? "multiplexed" : "raw";

    if (resolvedMode === "raw") {
      for (const part of prefixParts) {
        if (part.length > 0) yield { stream: "stdout", data: part };
      }
      while (!finished) {
        const { done, value } = await reader.read();
        if (done) finished = true;
        else if (value.length > 0) yield { stream: "stdout", data: value };
      }
      return { mode: "raw", incompleteFrame: false };
    }

    const decoder = new LogFrameDecoder(options);
    for (const part of prefixParts) yield* decoder.push(part);
    while (!finished) {
      const { done, value } = await reader.read();
      if (done) finished = true;
      else yield* decoder.push(value);
    }
    yield* decoder.end();
    return { mode: "multiplexed", incompleteFrame: decoder.incompleteFrame };
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

export interface LogLineSplitterOptions {
  /**
   * A line growing past this many UTF-16 code units without a newline is
   * emitted in pieces, so output without newlines cannot grow without bound.
   */
  maxLineLength?: number;
}

interface PartialLine {
  decoder: TextDecoder;
  text: string;
}

/**
 * Turns frames into complete lines per stream. Each stream keeps its own
 * partial line and its own streaming UTF-8 decoder, so a character split
 * across frames survives and stdout/stderr never mix within a line. A "\r"
 * before the "\n" (TTY output) is dropped.
 */
export class LogLineSplitter {
  private readonly maxLineLength: number;
  private readonly partials = new Map<LogStreamName, PartialLine>();

  constructor(options: LogLineSplitterOptions = {}) {
    this.maxLineLength = options.maxLineLength ?? 64 * 1024;
    if (!(this.maxLineLength >= 1)) throw new RangeError("maxLineLength must be at least 1");
  }

  push(frame: LogFrame): LogLine[] {
    const partial = this.partialFor(frame.stream);
    const text = partial.decoder.decode(frame.data, { stream: true });
    const lines: LogLine[] = [];
    let start = 0;
    let newline = text.indexOf("\n");
    while (newline !== -1) {
      const line = partial.text + text.slice(start, newline);
      partial.text = "";
      lines.push({ stream: frame.stream, text: stripCarriageReturn(line) });
      start = newline + 1;
      newline = text.indexOf("\n", start);
    }
    partial.text += text.slice(start);
    this.splitOverlongPartial(frame.stream, partial, lines);
    return lines;
  }

  /** Flushes partial lines (those without a trailing newline), stdout before stderr. */
  end(): LogLine[] {
    const lines: LogLine[] = [];
    for (const stream of STREAM_BY_ID) {
      const partial = this.partials.get(stream);
      if (partial === undefined) continue;
      const text = partial.text + partial.decoder.decode();
      if (text.length > 0) lines.push({ stream, text });
    }
    this.partials.clear();
    return lines;
  }

  private partialFor(stream: LogStreamName): PartialLine {
    let partial = this.partials.get(stream);
    if (partial === undefined) {
      partial = { decoder: new TextDecoder("utf-8"), text: "" };
      this.partials.set(stream, partial);
    }
    return partial;
  }

  private splitOverlongPartial(stream: LogStreamName, partial: PartialLine, lines: LogLine[]) {
    while (partial.text.length > this.maxLineLength) {
      let cut = this.maxLineLength;
      if (isHighSurrogate(partial.text.charCodeAt(cut - 1)) && cut > 1) cut -= 1;
      lines.push({ stream, text: partial.text.slice(0, cut) });
      partial.text = partial.text.slice(cut);
    }
  }
}

function stripCarriageReturn(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Lines of a logs or exec attach body, decoded from either framing. */
export async function* decodeLogLines(
  stream: ReadableStream<Uint8Array>,
  options: DecodeLogStreamOptions & LogLineSplitterOptions = {},
): AsyncGenerator<LogLine, DecodeLogStreamSummary, undefined> {
  const splitter = new LogLineSplitter(options);
  const frames: AsyncIterator<LogFrame, DecodeLogStreamSummary> = decodeLogStream(stream, options);
  let step = await frames.next();
  try {
    while (!step.done) {
      yield* splitter.push(step.value);
      step = await frames.next();
    }
  } finally {
    if (!step.done) await frames.return?.();
  }
  yield* splitter.end();
  return step.value;
}
