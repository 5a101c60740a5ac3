import * as z from "zod";
import { DEFAULT_MAX_COPY_BYTES } from "../../policy/policy.js";
import { BadArgument } from "../../errors.js";
import { putArchive } from "../../podman/archive.js";
import { TarWriter } from "../../podman/tar.js";
import { DESTRUCTIVE } from "../annotations.js";
import { defineTool, type ToolContext } from "../tool.js";
import { byteEncoding, decodeContent } from "./byte-text.js";
import { containerPathSegments, parseMode } from "./container-paths.js";
import { containerName } from "./lifecycle.js";

const LISTED_PATHS = 20;
/** Directories and links cost no content bytes, but each is a header Podman must extract. */
const MAX_ENTRIES = 100_000;

const fileToWrite = z.object({
  path: z.string().min(1).describe("Absolute"),
  content: z.string().default(""),
  encoding: byteEncoding.default("utf8"),
  mode: z.string().optional().meta({ default: "0644" }),
});

interface Written {
  files: number;
  directories: number;
  symlinks: number;
  bytes: number;
  paths: string[];
}

export const podmanWriteFiles = defineTool({
  name: "podman_write_files",
  title: "Write container files",
  description:
    "Write `files` into a container, running or stopped, or copy `host_dir` (under --allow-read) " +
    "to `dest`. PREFER to exec echo.",
  input: z.object({
    name: containerName,
    files: z.array(fileToWrite).optional(),
    host_dir: z.string().min(1).optional(),
    dest: z.string().min(1).optional().describe("Container directory"),
  }),
  output: z.object({
    files: z.number().int().describe("Regular files written"),
    directories: z.number().int().describe("Directories written from host_dir"),
    symlinks: z.number().int().describe("Symlinks written from host_dir"),
    bytes: z.number().int().describe("Content bytes written"),
    paths: z.array(z.string()).describe(`The first ${LISTED_PATHS} files written`),
    more_paths: z.number().int().describe("Files written but not listed"),
  }),
  family: "containers",
  annotations: DESTRUCTIVE,
  owns: { kind: "container", arg: "name" },
  async handle(ctx, args) {
    if (!args.files?.length && args.host_dir === undefined) {
      throw new BadArgument("give `files` to write, or `host_dir` and `dest` to copy");
    }
    if ((args.host_dir === undefined) !== (args.dest === undefined)) {
      throw new BadArgument("`host_dir` and `dest` go together: give both, or neither");
    }
    const maxBytes = ctx.policy.maxCopyBytes ?? DEFAULT_MAX_COPY_BYTES;
    const writer = new TarWriter();
    const written: Written = { files: 0, directories: 0, symlinks: 0, bytes: 0, paths: [] };
    // Written files are new: an old time would make build tools skip them.
    const now = Math.floor(Date.now() / 1000);
    const addFile = (segments: string[], content: Uint8Array, mode?: number, mtime = now) => {
      written.bytes += content.length;
      if (written.bytes > maxBytes) throw tooLarge(maxBytes);
      writer.add({ path: segments.join("/"), type: "file", content, mode, mtime });
      written.files += 1;
      written.paths.push(`/${segments.join("/")}`);
    };
    for (const [index, file] of (args.files ?? []).entries()) {
      const what = `files[${index}].path`;
      const segments = containerPathSegments(file.path, what);
      if (segments.length === 0) throw new BadArgument(`${what} "/" is a directory, not a file`);
      const mode =
        file.mode === undefined ? undefined : parseMode(file.mode, `files[${index}].mode`);
      const content = decodeContent(file.content, file.encoding, `files[${index}].content`);
      addFile(segments, content, mode);
    }
    if (args.host_dir !== undefined && args.dest !== undefined) {
      const dest = containerPathSegments(args.dest, "dest");
      await addHostDirectory(ctx, writer, args.host_dir, dest, written, addFile);
    }
    await putArchive(ctx.podman, args.name, "/", writer.finish(), ctx.signal);
    const { paths, ...counts } = written;
    return {
      ...counts,
      paths: paths.slice(0, LISTED_PATHS),
      more_paths: Math.max(0, paths.length - LISTED_PATHS),
    };
  },
  render(result) {
    const parts = [`${result.files} file${result.files === 1 ? "" : "s"}`];
    if (result.directories) parts.push(`${result.directories} directories`);
    if (result.symlinks) parts.push(`${result.symlinks} symlinks`);
    const more = result.more_paths ? ` and ${result.more_paths} more` : "";
    return (
      `Wrote ${parts.join(", ")} (${result.bytes} bytes): ` +
      `${result.paths.join(", ") || "no regular files"}${more}`
    );
  },
});

/** A host directory's entries below `dest`; files are read only while the total stays in bounds. */
async function addHostDirectory(
  ctx: ToolContext,
  writer: TarWriter,
  hostDir: string,
  dest: string[],
  written: Written,
  addFile: (segments: string[], content: Uint8Array, mode: number, mtime: number) => void,
): Promise<void> {
  const root = await ctx.files.realPath(hostDir);
  const maxBytes = ctx.policy.maxCopyBytes ?? DEFAULT_MAX_COPY_BYTES;
  let entries = 0;
  for await (const entry of ctx.files.walk(root)) {
    if (++entries > MAX_ENTRIES) {
      throw new BadArgument(
        `${hostDir} holds more than ${MAX_ENTRIES} entries: copy a smaller tree`,
      );
    }
    const segments = [...dest, ...entry.path.split("/")];
    const mtime = Math.floor(entry.mtimeMs / 1000);
    if (entry.type === "directory") {
      writer.add({ path: segments.join("/"), type: "directory", mode: entry.mode, mtime });
      written.directories += 1;
    } else if (entry.type === "symlink") {
      const linkTarget = entry.linkTarget ?? "";
      writer.add({ path: segments.join("/"), type: "symlink", linkTarget, mtime });
      written.symlinks += 1;
    } else {
      if (written.bytes + entry.size > maxBytes) throw tooLarge(maxBytes);
      const content = await ctx.files.readFile(`${root}/${entry.path}`);
      addFile(segments, content, entry.mode, mtime);
    }
  }
}

function tooLarge(maxBytes: number): BadArgument {
  return new BadArgument(
    `the files come to more than ${maxBytes} bytes, the most one call may copy into a ` +
      "container (--max-copy-bytes): copy fewer files per call",
  );
}
