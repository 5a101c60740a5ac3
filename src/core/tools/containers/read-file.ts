import * as z from "zod";
import { readArchive } from "../../podman/archive.js";
import type { ReadMember } from "../../podman/tar-reader.js";
import { READ_ONLY } from "../annotations.js";
import { defineTool } from "../tool.js";
import { byteEncoding, bytesAsText } from "./byte-text.js";
import { containerPath, formatMode } from "./container-paths.js";
import { containerName } from "./lifecycle.js";
import { logArguments } from "./log-tail.js";

const memberType = z.enum(["file", "directory", "symlink", "hardlink", "other"]);

const listedEntry = z.object({
  path: z.string().describe("Relative to the directory read"),
  type: memberType,
  size: z.number().int(),
  mode: z.string().describe('Octal permission bits, e.g. "0755"'),
  link_target: z.string().optional(),
});

export const podmanReadFile = defineTool({
  name: "podman_read_file",
  title: "Read container files",
  description:
    "Read a file in a container, running or stopped, or list a directory recursively. PREFER to exec cat or ls.",
  input: z.object({
    name: containerName,
    path: z.string().min(1).describe("Absolute"),
    max_bytes: logArguments.maxBytes(),
    max_entries: z.number().int().min(1).max(5000).default(200),
  }),
  output: z.object({
    path: z.string(),
    type: memberType,
    mode: z.string().describe('Octal permission bits, e.g. "0644"'),
    size: z.number().int().describe("The file's size in bytes (0 for a directory)"),
    encoding: byteEncoding.optional().describe("How `content` is written"),
    content: z.string().optional().describe("The file's first bytes: text, or base64"),
    shown_bytes: z.number().int().optional().describe("Bytes of the file in `content`"),
    omitted_bytes: z.number().int().optional().describe("Bytes of the file left out"),
    entries: z.array(listedEntry).optional().describe("For a directory: what is below it"),
    more_entries: z.boolean().optional().describe("true when the listing stopped at max_entries"),
  }),
  family: "containers",
  annotations: READ_ONLY,
  // A file can hold what its container's owner keeps from others, as exec can show it.
  owns: { kind: "container", arg: "name", checkedWhenReading: true },
  async handle(ctx, args) {
    const path = containerPath(args.path, "path");
    let root: ReadMember | undefined;
    const entries: z.input<typeof listedEntry>[] = [];
    let moreEntries = false;
    const keep = () => (root === undefined ? args.max_bytes : 0);
    for await (const member of readArchive(ctx.podman, args.name, path, keep, ctx.signal)) {
      if (!root) {
        root = member;
        if (member.type !== "directory") break;
        continue;
      }
      if (entries.length >= args.max_entries) {
        moreEntries = true;
        break;
      }
      entries.push({
        path: relativeTo(root.path, member.path),
        type: member.type,
        size: member.size,
        mode: formatMode(member.mode),
        ...(member.linkTarget === undefined ? {} : { link_target: member.linkTarget }),
      });
    }
    if (!root) return { path, type: "other" as const, mode: formatMode(0), size: 0 };
    const described = { path, type: root.type, mode: formatMode(root.mode), size: root.size };
    if (root.type === "directory") return { ...described, entries, more_entries: moreEntries };
    if (root.type !== "file") return described;
    const omitted = root.size - root.content.length;
    const { encoding, text } = bytesAsText(root.content, { end: omitted > 0 });
    return {
      ...described,
      encoding,
      content: text,
      shown_bytes: root.content.length,
      omitted_bytes: omitted,
    };
  },
  render(result) {
    const head = `${result.path}: ${result.type}, mode ${result.mode}`;
    if (result.entries) {
      const lines = result.entries.map(
        (entry) =>
          `${entry.mode} ${entry.type.padEnd(9)} ${String(entry.size).padStart(9)} ${entry.path}` +
          (entry.link_target === undefined ? "" : ` -> ${entry.link_target}`),
      );
      const more = result.more_entries ? "\n(more entries left out: raise max_entries)" : "";
      return `${head}, ${lines.length} entries\n${lines.join("\n")}${more}`;
    }
    if (result.content === undefined) return head;
    const shown = result.omitted_bytes
      ? `first ${result.shown_bytes} of ${result.size} bytes shown, ${result.omitted_bytes} left out`
      : `${result.size} bytes`;
    const kind = result.encoding === "base64" ? "binary, base64" : "text";
    return `${head}, ${kind} (${shown})\n${result.content}`;
  },
});

function relativeTo(rootPath: string, path: string): string {
  if (rootPath === "" || rootPath === ".") return path;
  return path.startsWith(`${rootPath}/`) ? path.slice(rootPath.length + 1) : path;
}
