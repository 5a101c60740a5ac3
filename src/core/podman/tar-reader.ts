/** One member of an archive as read; `path` has no leading "./" or "/" and no trailing "/". */
export interface TarMember {
  path: string;
  type: "file" | "directory" | "symlink" | "hardlink" | "other";
  /** Content bytes the archive holds for this member. */
  size: number;
  mode: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkTarget?: string;
}

/** A member with the first bytes of its content (as many as the reader was asked to keep). */
export interface ReadMember extends TarMember {
  content: Uint8Array;
}

/** An archive that ends mid-member, or a header that is not one. */
export class TarFormatError extends Error {
  override name = "TarFormatError";
}

const BLOCK = 512;
const decoder = new TextDecoder();

/** Typeflags whose size field says nothing about data following the header. */
const HEADER_ONLY = new Set(["1", "2", "3", "4", "5", "6"]);

/**
 * Reads a tar (USTAR, PAX and GNU long names) one member at a time, holding
 * only the bytes `keep(member)` asks for: the rest of each content is read
 * past, so a large archive streams through in bounded memory. Stopping the
 * iteration cancels the source.
 */
export async function* readTar(
  source: ReadableStream<Uint8Array> | Uint8Array,
  keep: (member: TarMember) => number = () => Infinity,
): AsyncGenerator<ReadMember> {
  const input = new BlockInput(source);
  try {
    let pending: Partial<Pick<TarMember, "path" | "linkTarget" | "size" | "mtime">> = {};
    for (;;) {
      const block = await input.read(BLOCK, true);
      if (!block || block.every((byte) => byte === 0)) return;
      const header = parseHeader(block);
      const padded = Math.ceil(header.size / BLOCK) * BLOCK;
      if (header.typeflag === "x" || header.typeflag === "L" || header.typeflag === "K") {
        const data = (await input.read(padded))!.subarray(0, header.size);
        if (header.typeflag === "x") pending = { ...pending, ...paxOverrides(data) };
        else if (header.typeflag === "L") pending.path = nulTerminated(data);
        else pending.linkTarget = nulTerminated(data);
        continue;
      }
      if (header.typeflag === "g") {
        await input.skip(padded);
        continue;
      }
      const member: TarMember = {
        path: cleanPath(pending.path ?? header.path),
        type: memberType(header.typeflag),
        size: HEADER_ONLY.has(header.typeflag) ? 0 : (pending.size ?? header.size),
        mode: header.mode,
        mtime: pending.mtime ?? header.mtime,
        ...(header.typeflag === "1" || header.typeflag === "2"
          ? { linkTarget: pending.linkTarget ?? header.linkTarget }
          : {}),
      };
      pending = {};
      const stored = Math.ceil(member.size / BLOCK) * BLOCK;
      const kept = Math.max(0, Math.min(member.size, keep(member)));
      const content = kept > 0 ? (await input.read(kept))! : new Uint8Array(0);
      await input.skip(stored - kept);
      yield { ...member, content };
    }
  } finally {
    await input.close();
  }
}

interface RawHeader {
  path: string;
  linkTarget: string;
  typeflag: string;
  size: number;
  mode: number;
  mtime: number;
}

function parseHeader(block: Uint8Array): RawHeader {
  if (!checksumMatches(block)) throw new TarFormatError("a tar header has a wrong checksum");
  const name = nulTerminated(block.subarray(0, 100));
  // Only POSIX ustar ("ustar\0") has a prefix field; old GNU keeps times there.
  const posix = decoder.decode(block.subarray(257, 263)) === "ustar\0";
  const prefix = posix ? nulTerminated(block.subarray(345, 500)) : "";
  return {
    path: prefix ? `${prefix}/${name}` : name,
    linkTarget: nulTerminated(block.subarray(157, 257)),
    typeflag: block[156] === 0 ? "0" : String.fromCharCode(block[156]!),
    size: readNumber(block.subarray(124, 136)),
    mode: readNumber(block.subarray(100, 108)) & 0o7777,
    mtime: readNumber(block.subarray(136, 148)),
  };
}

/** The sum of the header's bytes with the checksum field counted as spaces (signed, by old writers). */
function checksumMatches(block: Uint8Array): boolean {
  const stored = readNumber(block.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** Octal text ended by NUL or space, or GNU base-256 when the high bit of the first byte is set. */
function readNumber(field: Uint8Array): number {
  if (field[0]! & 0x80) {
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = decoder
    .decode(field)
    .replace(/[\0 ].*$/s, "")
    .trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`a tar header holds "${text}" as a number`);
  return parseInt(text, 8);
}

function nulTerminated(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** Each record is "LENGTH key=value\n", LENGTH counting the whole record in bytes. */
function paxOverrides(data: Uint8Array): Partial<TarMember> {
  const overrides: Partial<TarMember> = {};
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const length = Number(decoder.decode(data.subarray(offset, space)));
    if (space < 0 || !Number.isInteger(length) || length <= space - offset) {
      throw new TarFormatError("a PAX header record is malformed");
    }
    const record = decoder.decode(data.subarray(space + 1, offset + length - 1));
    const equals = record.indexOf("=");
    const key = record.slice(0, equals);
    const value = record.slice(equals + 1);
    if (key === "path") overrides.path = value;
    else if (key === "linkpath") overrides.linkTarget = value;
    else if (key === "size") overrides.size = Number(value);
    else if (key === "mtime") overrides.mtime = Math.floor(Number(value));
    offset += length;
  }
  return overrides;
}

function memberType(typeflag: string): TarMember["type"] {
  if (typeflag === "0" || typeflag === "7") return "file";
  if (typeflag === "5") return "directory";
  if (typeflag === "2") return "symlink";
  if (typeflag === "1") return "hardlink";
  return "other";
}

function cleanPath(path: string): string {
  return path.replace(/^(\.\/|\/)+/, "").replace(/\/+$/, "");
}

/** Exact-length reads over a byte stream or a byte array. */
class BlockInput {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #buffered: Uint8Array[] = [];
  #bufferedBytes = 0;
  #done = false;

  constructor(source: ReadableStream<Uint8Array> | Uint8Array) {
    if (source instanceof Uint8Array) {
      this.#buffered = [source];
      this.#bufferedBytes = source.length;
      this.#done = true;
    } else {
      this.#reader = source.getReader();
    }
  }

  /**
   * Exactly `length` bytes. At a clean end of input answers undefined when
   * `endAllowed`, else throws: the archive was cut short.
   */
  async read(length: number, endAllowed = false): Promise<Uint8Array | undefined> {
    if (length === 0) return new Uint8Array(0);
    while (this.#bufferedBytes < length && (await this.#pull()));
    if (this.#bufferedBytes < length) {
      if (endAllowed && this.#bufferedBytes === 0) return undefined;
      throw new TarFormatError("the tar archive ends in the middle of a member");
    }
    return this.#take(length);
  }

  async skip(length: number): Promise<void> {
    let left = length;
    while (left > 0) {
      if (this.#bufferedBytes === 0 && !(await this.#pull())) {
        throw new TarFormatError("the tar archive ends in the middle of a member");
      }
      const step = Math.min(left, this.#bufferedBytes);
      this.#drop(step);
      left -= step;
    }
  }

  async close(): Promise<void> {
    if (!this.#reader) return;
    await this.#reader.cancel().catch(() => undefined);
  }

  async #pull(): Promise<boolean> {
    if (this.#done || !this.#reader) return false;
    const { done, value } = await this.#reader.read();
    if (done) {
      this.#done = true;
      return false;
    }
    if (value.length > 0) {
      this.#buffered.push(value);
      this.#bufferedBytes += value.length;
    }
    return true;
  }

  #take(length: number): Uint8Array {
    const first = this.#buffered[0]!;
    if (first.length >= length) {
      const taken = first.subarray(0, length);
      this.#drop(length);
      return taken;
    }
    const joined = new Uint8Array(length);
    let offset = 0;
    while (offset < length) {
      const chunk = this.#buffered[0]!;
      const step = Math.min(chunk.length, length - offset);
      joined.set(chunk.subarray(0, step), offset);
      offset += step;
      this.#drop(step);
    }
    return joined;
  }

  #drop(length: number): void {
    let left = length;
    this.#bufferedBytes -= length;
    while (left > 0) {
      const chunk = this.#buffered[0]!;
      if (chunk.length <= left) {
        this.#buffered.shift();
        left -= chunk.length;
      } else {
        this.#buffered[0] = chunk.subarray(left);
        left = 0;
      }
    }
  }
}
