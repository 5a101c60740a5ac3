import type { HostEntry, HostFiles } from "../contracts.js";
import { BadArgument } from "../errors.js";

/** One member of an archive; directories end their path with "/" or set type. */
export interface TarEntry {
  path: string;
  type?: "file" | "directory" | "symlink";
  content?: Uint8Array | string;
  linkTarget?: string;
  mode?: number;
  /** Seconds since the epoch; 0 keeps archives reproducible. */
  mtime?: number;
}

const BLOCK = 512;
/** A build context is held in memory before it is sent: refuse what would not fit sensibly. */
export const MAX_CONTEXT_BYTES = 512 * 1024 * 1024;
// USTAR numeric fields are octal text: 11 digits of size allow 8 GiB - 1.
const MAX_OCTAL_SIZE = 0o77777777777;

const encoder = new TextEncoder();

/** A tar (USTAR, PAX headers for long or non-ASCII names) of in-memory files, for build contexts. */
export function tarFiles(
  entries: { path: string; content: Uint8Array | string; mode?: number }[],
): Uint8Array {
  const writer = new TarWriter();
  const directories = new Set<string>();
  for (const entry of entries) {
    const path = normaliseMemberPath(entry.path);
    for (const parent of parentDirectories(path)) {
      if (directories.has(parent)) continue;
      directories.add(parent);
      writer.add({ path: parent, type: "directory" });
    }
    writer.add({ path, type: "file", content: entry.content, mode: entry.mode });
  }
  return writer.finish();
}

/**
 * Writes a host directory into a tar (its content at the archive's root), for
 * a build context. Symlinks are stored as links, never followed. `exclude`
 * drops entries by their relative path (a directory's children are asked
 * too); `onEntry` sees each entry written, with a file's content.
 */
export async function writeHostDirectory(
  files: HostFiles,
  writer: TarWriter,
  dir: string,
  options: {
    exclude?: (path: string) => boolean;
    onEntry?: (entry: HostEntry, content?: Uint8Array) => void;
    /** What a regular file becomes in the archive; onEntry still sees the bytes read. */
    rewrite?: (path: string, content: Uint8Array) => Uint8Array;
  } = {},
): Promise<void> {
  for await (const entry of files.walk(dir)) {
    if (options.exclude?.(entry.path)) continue;
    const mtime = Math.floor(entry.mtimeMs / 1000);
    let content: Uint8Array | undefined;
    if (entry.type === "directory") {
      writer.add({ path: entry.path, type: "directory", mode: entry.mode, mtime });
    } else if (entry.type === "symlink") {
      writer.add({ path: entry.path, type: "symlink", linkTarget: entry.linkTarget ?? "", mtime });
    } else {
      if (writer.size + entry.size > MAX_CONTEXT_BYTES) throw contextTooLarge(dir);
      content = await files.readFile(joinHostPath(dir, entry.path));
      const archived = options.rewrite?.(entry.path, content) ?? content;
      writer.add({ path: entry.path, type: "file", content: archived, mode: entry.mode, mtime });
    }
    if (writer.size > MAX_CONTEXT_BYTES) throw contextTooLarge(dir);
    options.onEntry?.(entry, content);
  }
}

function contextTooLarge(dir: string): BadArgument {
  return new BadArgument(
    `the build context ${dir} is larger than ${MAX_CONTEXT_BYTES / 1024 / 1024} MiB: ` +
      "build from a smaller directory",
  );
}

function joinHostPath(dir: string, relative: string): string {
  return dir.endsWith("/") ? dir + relative : `${dir}/${relative}`;
}

/** Relative, "/"-separated, no "." or ".." segments: members must stay inside the context. */
export function normaliseMemberPath(path: string): string {
  const segments = path.split("/").filter((segment) => segment !== "" && segment !== ".");
  if (segments.length === 0 || segments.includes("..")) {
    throw new BadArgument(`"${path}" is not a relative path inside the build context`);
  }
  return segments.join("/");
}

function parentDirectories(path: string): string[] {
  const segments = path.split("/").slice(0, -1);
  return segments.map((_, index) => segments.slice(0, index + 1).join("/"));
}

/** Accumulates 512-byte blocks; finish() adds the two zero blocks that end an archive. */
export class TarWriter {
  readonly #chunks: Uint8Array[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(entry: TarEntry): void {
    const type = entry.type ?? (entry.path.endsWith("/") ? "directory" : "file");
    const path = normaliseMemberPath(entry.path) + (type === "directory" ? "/" : "");
    const content =
      type === "file"
        ? typeof entry.content === "string"
          ? encoder.encode(entry.content)
          : (entry.content ?? new Uint8Array(0))
        : new Uint8Array(0);
    const linkTarget = type === "symlink" ? (entry.linkTarget ?? "") : "";
    const mode = entry.mode ?? (type === "file" ? 0o644 : type === "symlink" ? 0o777 : 0o755);
    const mtime = entry.mtime ?? 0;

    const pax: Record<string, string> = {};
    const split = splitUstarPath(path);
    if (!split) pax.path = path;
    if (!fitsUstarField(linkTarget, 100)) pax.linkpath = linkTarget;
    if (content.length > MAX_OCTAL_SIZE) pax.size = String(content.length);
    if (Object.keys(pax).length > 0) {
      const records = encoder.encode(paxRecords(pax));
      this.#push(
        header({
          name: asciiFallback(`PaxHeader/${lastSegment(path)}`, 100),
          mode: 0o644,
          size: records.length,
          mtime,
          typeflag: "x",
        }),
      );
      this.#pushPadded(records);
    }
    this.#push(
      header({
        name: split?.name ?? asciiFallback(path, 100),
        prefix: split?.prefix ?? "",
        mode,
        size: content.length > MAX_OCTAL_SIZE ? 0 : content.length,
        mtime,
        typeflag: type === "directory" ? "5" : type === "symlink" ? "2" : "0",
        linkname: fitsUstarField(linkTarget, 100) ? linkTarget : asciiFallback(linkTarget, 100),
      }),
    );
    this.#pushPadded(content);
  }

  finish(): Uint8Array {
    this.#push(new Uint8Array(2 * BLOCK));
    const archive = new Uint8Array(this.#size);
    let offset = 0;
    for (const chunk of this.#chunks) {
      archive.set(chunk, offset);
      offset += chunk.length;
    }
    return archive;
  }

  #push(block: Uint8Array): void {
    this.#chunks.push(block);
    this.#size += block.length;
  }

  #pushPadded(data: Uint8Array): void {
    if (data.length === 0) return;
    this.#push(data);
    const remainder = data.length % BLOCK;
    if (remainder) this.#push(new Uint8Array(BLOCK - remainder));
  }
}

function isAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

function fitsUstarField(text: string, length: number): boolean {
  return isAscii(text) && text.length <= length;
}

/** Readers that ignore PAX still get a printable (if shortened) name. */
function asciiFallback(text: string, length: number): string {
  return text.replace(/[^\x20-\x7e]/g, "_").slice(-length);
}

function lastSegment(path: string): string {
  return path.replace(/\/$/, "").split("/").pop() ?? "";
}

/** USTAR stores up to 155 + 1 + 100 characters as prefix "/" name, split at a slash. */
function splitUstarPath(path: string): { name: string; prefix: string } | undefined {
  if (!isAscii(path)) return undefined;
  if (path.length <= 100) return { name: path, prefix: "" };
  // A directory's trailing "/" must stay in the name part.
  for (let slash = path.indexOf("/"); slash >= 0; slash = path.indexOf("/", slash + 1)) {
    const prefix = path.slice(0, slash);
    const name = path.slice(slash + 1);
    if (prefix.length > 155) return undefined;
    if (name.length <= 100 && name !== "" && name !== "/") return { name, prefix };
  }
  return undefined;
}

/** Each record is "LENGTH key=value\n", LENGTH counting its own digits. */
export function paxRecords(values: Record<string, string>): string {
  let text = "";
  for (const [key, value] of Object.entries(values)) {
    const body = ` ${key}=${value}\n`;
    const bodyBytes = encoder.encode(body).length;
    let digits = 1;
    while (String(bodyBytes + digits).length > digits) digits += 1;
    text += `${bodyBytes + digits}${body}`;
  }
  return text;
}

interface HeaderFields {
  name: string;
  prefix?: string;
  mode: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname?: string;
}

function header(fields: HeaderFields): Uint8Array {
  const block = new Uint8Array(BLOCK);
  writeText(block, 0, 100, fields.name);
  writeOctal(block, 100, 8, fields.mode & 0o7777);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, fields.size);
  writeOctal(block, 136, 12, Math.max(0, Math.min(fields.mtime, 0o77777777777)));
  block.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  writeText(block, 156, 1, fields.typeflag);
  writeText(block, 157, 100, fields.linkname ?? "");
  writeText(block, 257, 6, "ustar\0");
  writeText(block, 263, 2, "00");
  writeText(block, 265, 32, "root");
  writeText(block, 297, 32, "root");
  writeText(block, 345, 155, fields.prefix ?? "");
  let checksum = 0;
  for (const byte of block) checksum += byte;
  writeText(block, 148, 8, `${checksum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

function writeText(block: Uint8Array, offset: number, length: number, text: string): void {
  const bytes = encoder.encode(text);
  block.set(bytes.subarray(0, length), offset);
}

/** Zero-padded octal digits followed by a NUL, filling the field. */
function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  writeText(block, offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
}
