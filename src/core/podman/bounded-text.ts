/** UTF-8 length without encoding; lone surrogates count as U+FFFD (3 bytes), as TextEncoder writes them. */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isHighSurrogate(code) && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i += 1;
    } else bytes += singleCodeUnitBytes(code);
  }
  return bytes;
}

function singleCodeUnitBytes(code: number): number {
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  return 3;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** The longest suffix of `text` whose UTF-8 length fits in `maxBytes`, cut between characters. */
function utf8Suffix(text: string, maxBytes: number): { text: string; bytes: number } {
  let bytes = 0;
  let start = text.length;
  while (start > 0) {
    const last = text.charCodeAt(start - 1);
    const pairStart =
      isLowSurrogate(last) && start >= 2 && isHighSurrogate(text.charCodeAt(start - 2));
    const charBytes = pairStart ? 4 : singleCodeUnitBytes(last);
    if (bytes + charBytes > maxBytes) break;
    bytes += charBytes;
    start -= pairStart ? 2 : 1;
  }
  return { text: text.slice(start), bytes };
}

function assertPositive(name: string, value: number): void {
  if (!(value > 0) || Number.isNaN(value)) {
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
}

export interface TailBufferLimits {
  /** Budget in UTF-8 bytes, each line counting one extra byte for its newline. */
  maxBytes: number;
  maxLines: number;
}

export interface TailResult {
  lines: string[];
  /** Whole lines evicted to stay within the budget. */
  omittedLines: number;
  /** Bytes (newlines included) of evicted lines plus bytes cut from an oversized line. */
  omittedBytes: number;
  /** The first kept line lost its beginning because it alone exceeded the byte budget. */
  firstLineCut: boolean;
  truncated: boolean;
}

interface TailEntry {
  text: string;
  bytes: number;
  cut: boolean;
}

/**
 * Keeps the last lines that fit in a byte and a line budget. Evicted lines
 * are only counted. Holds at most the budget plus the line being pushed.
 */
export class TailBuffer {
  private readonly maxBytes: number;
  private readonly maxLines: number;
  private entries: (TailEntry | undefined)[] = [];
  private head = 0;
  private keptBytes = 0;
  private omittedLines = 0;
  private omittedBytes = 0;

  constructor(limits: TailBufferLimits) {
    assertPositive("maxBytes", limits.maxBytes);
    assertPositive("maxLines", limits.maxLines);
    this.maxBytes = limits.maxBytes;
    this.maxLines = limits.maxLines;
  }

  get lineCount(): number {
    return this.entries.length - this.head;
  }

  get byteCount(): number {
    return this.keptBytes;
  }

  push(line: string): void {
    const bytes = utf8ByteLength(line) + 1;
    if (bytes > this.maxBytes) {
      this.evictAll();
      const kept = utf8Suffix(line, this.maxBytes - 1);
      this.omittedBytes += bytes - (kept.bytes + 1);
      this.append({ text: kept.text, bytes: kept.bytes + 1, cut: true });
      return;
    }
    this.append({ text: line, bytes, cut: false });
    while (this.keptBytes > this.maxBytes || this.lineCount > this.maxLines) this.evictFirst();
  }

  result(): TailResult {
    const kept = this.entries.slice(this.head) as TailEntry[];
    return {
      lines: kept.map((entry) => entry.text),
      omittedLines: this.omittedLines,
      omittedBytes: this.omittedBytes,
      firstLineCut: kept[0]?.cut ?? false,
      truncated: this.omittedLines > 0 || this.omittedBytes > 0,
    };
  }

  private append(entry: TailEntry): void {
    this.entries.push(entry);
    this.keptBytes += entry.bytes;
  }

  private evictAll(): void {
    while (this.lineCount > 0) this.evictFirst();
  }

  private evictFirst(): void {
    const entry = this.entries[this.head]!;
    this.entries[this.head] = undefined;
    this.head += 1;
    this.keptBytes -= entry.bytes;
    this.omittedBytes += entry.bytes;
    this.omittedLines += 1;
    // Compacting only once the dead prefix outweighs the live part keeps push O(1) amortized.
    if (this.head >= 32 && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * Keeps the last `maxBytes` bytes of a byte stream (exec output) as a queue
 * of chunks. Memory is bounded by the budget plus the front chunk's dropped part.
 */
export class ByteCapture {
  private readonly maxBytes: number;
  private chunks: Uint8Array[] = [];
  private head = 0;
  private keptBytes = 0;
  private total = 0;

  constructor(maxBytes: number) {
    assertPositive("maxBytes", maxBytes);
    this.maxBytes = maxBytes;
  }

  get totalBytes(): number {
    return this.total;
  }

  get omittedBytes(): number {
    return this.total - this.keptBytes;
  }

  get truncated(): boolean {
    return this.omittedBytes > 0;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.total += chunk.length;
    if (chunk.length >= this.maxBytes) {
      this.chunks = [chunk.slice(chunk.length - this.maxBytes)];
      this.head = 0;
      this.keptBytes = this.maxBytes;
      return;
    }
    this.chunks.push(chunk.slice());
    this.keptBytes += chunk.length;
    this.dropExcess();
  }

  bytes(): Uint8Array {
    const joined = new Uint8Array(this.keptBytes);
    let offset = 0;
    for (let i = this.head; i < this.chunks.length; i++) {
      joined.set(this.chunks[i]!, offset);
      offset += this.chunks[i]!.length;
    }
    return joined;
  }

  /**
   * Decodes the kept bytes as UTF-8. When the front was cut mid-character,
   * the orphaned continuation bytes are dropped instead of decoding to U+FFFD.
   */
  text(): string {
    let kept = this.bytes();
    if (this.truncated) kept = kept.subarray(countLeadingContinuationBytes(kept));
    return new TextDecoder("utf-8").decode(kept);
  }

  private dropExcess(): void {
    let excess = this.keptBytes - this.maxBytes;
    while (excess > 0) {
      const first = this.chunks[this.head]!;
      if (first.length <= excess) {
        this.chunks[this.head] = new Uint8Array(0);
        this.head += 1;
        this.keptBytes -= first.length;
        excess -= first.length;
      } else {
        // A view, not a copy: trimming the same chunk repeatedly stays O(1).
        this.chunks[this.head] = first.subarray(excess);
        this.keptBytes -= excess;
        excess = 0;
      }
    }
    if (this.head >= 32 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}

/** UTF-8 continuation bytes (0b10xxxxxx) at the start; at most 3 can belong to one cut character. */
function countLeadingContinuationBytes(bytes: Uint8Array): number {
  let count = 0;
  while (count < 3 && count < bytes.length && (bytes[count]! & 0xc0) === 0x80) count += 1;
  return count;
}
