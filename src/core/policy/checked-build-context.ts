import { BadArgument } from "../errors.js";
import { literalExclusions } from "../podman/build-context.js";
import { TarWriter, normaliseMemberPath, writeHostDirectory } from "../podman/tar.js";
import { checkContainerfile } from "./containerfile.js";
import type { CallContext } from "../call-context.js";
import { withoutTrailingSlashes } from "./host-path.js";

/**
 * Where the checked Containerfile travels in the context, the only
 * `dockerfile=` Podman is ever sent. Buildah reads `<containerfile>.containerignore`
 * before any other ignore file, so the one written beside it carries the
 * caller's ignore rules and keeps both files out of COPY.
 */
export const CHECKED_CONTAINERFILE = ".mcp-podman.Containerfile";
const CHECKED_IGNORE = `${CHECKED_CONTAINERFILE}.containerignore`;
const OWN_EXCLUSIONS = `\n/${CHECKED_CONTAINERFILE}\n/${CHECKED_IGNORE}\n`;
/**
 * Podman 5 reads the context's own ignore file, when there is one, before
 * `<containerfile>.containerignore`: those carry the exclusions too.
 */
const CONTEXT_IGNORES = new Set([".containerignore", ".dockerignore"]);
const RESERVED = new Set([
  CHECKED_CONTAINERFILE,
  CHECKED_IGNORE,
  `${CHECKED_CONTAINERFILE}.dockerignore`,
]);
/** What libpod looks for when no Containerfile path is given, in order. */
const DEFAULT_CONTAINERFILES = ["Containerfile", "Dockerfile"];

export type BuildSource =
  | { contextDir: string; containerfilePath?: string }
  | {
      containerfile: string;
      files: { path: string; content: string }[];
      containerfilePath?: string;
    };

export interface CheckedBuild {
  context: Uint8Array;
  /** The `dockerfile` to send: always CHECKED_CONTAINERFILE. */
  containerfile: string;
  images: string[];
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * The build context as Podman will get it: the caller's files, plus the
 * Containerfile the server read, checked and re-serialised. The caller's
 * Containerfile path only chooses which member is read; Podman never sees it.
 */
export async function checkedBuildContext(
  ctx: Pick<CallContext, "files" | "policy">,
  source: BuildSource,
): Promise<CheckedBuild> {
  const chosen = source.containerfilePath && normaliseMemberPath(source.containerfilePath);
  const candidates = chosen ? [chosen] : DEFAULT_CONTAINERFILES;
  const writer = new TarWriter();
  const members =
    "contextDir" in source
      ? await addHostDirectory(ctx, writer, source.contextDir, candidates)
      : addInlineFiles(writer, source, chosen ?? DEFAULT_CONTAINERFILES[0]!);
  const where = "contextDir" in source ? `in ${source.contextDir}` : "among the inline files";
  const path = candidates.find((candidate) => members.get(candidate) !== undefined);
  if (path === undefined) {
    throw new BadArgument(
      chosen
        ? `there is no file ${chosen} ${where}`
        : `there is no Containerfile or Dockerfile ${where}: name it with containerfile_path`,
    );
  }
  const checked = checkContainerfile(ctx.policy, members.get(path)!);
  const ignore = ignoreFileFor(path, members) ?? "";
  writer.add({ path: CHECKED_CONTAINERFILE, type: "file", content: checked.text });
  writer.add({
    path: CHECKED_IGNORE,
    type: "file",
    content: ignore + OWN_EXCLUSIONS,
  });
  return { context: writer.finish(), containerfile: CHECKED_CONTAINERFILE, images: checked.images };
}

/** Buildah's choice: `<containerfile>.dockerignore`, `.containerignore`, then the context's. */
function ignoreFileFor(path: string, members: Map<string, string | undefined>): string | undefined {
  for (const name of [
    `${path}.dockerignore`,
    `${path}.containerignore`,
    ".containerignore",
    ".dockerignore",
  ]) {
    const text = members.get(name);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** Text of the members the build reads itself, by path; undefined for other members. */
type Members = Map<string, string | undefined>;

function addInlineFiles(
  writer: TarWriter,
  source: Extract<BuildSource, { containerfile: string }>,
  containerfilePath: string,
): Members {
  const members: Members = new Map();
  const files = source.files.map((file) => ({ ...file, path: normaliseMemberPath(file.path) }));
  if (files.some((file) => file.path === containerfilePath)) {
    throw new BadArgument(`files["${containerfilePath}"] would replace the inline containerfile`);
  }
  const directories = new Set<string>();
  for (const file of [{ path: containerfilePath, content: source.containerfile }, ...files]) {
    refuseReserved(file.path);
    const segments = file.path.split("/");
    for (let depth = 1; depth < segments.length; depth++) {
      const parent = segments.slice(0, depth).join("/");
      if (!directories.has(parent)) writer.add({ path: parent, type: "directory" });
      directories.add(parent);
    }
    const content = CONTEXT_IGNORES.has(file.path) ? file.content + OWN_EXCLUSIONS : file.content;
    writer.add({ path: file.path, type: "file", content });
    members.set(file.path, file.content);
  }
  return members;
}

/**
 * Walks the context directory into the tar. The Containerfile and ignore
 * files are taken from the very bytes that are sent, and only as regular
 * files: a symlink there could make the server read outside the context.
 */
async function addHostDirectory(
  ctx: Pick<CallContext, "files">,
  writer: TarWriter,
  dir: string,
  candidates: readonly string[],
): Promise<Members> {
  const base = withoutTrailingSlashes(dir) || "/";
  const wanted = new Set(
    candidates.flatMap((path) => [path, `${path}.containerignore`, `${path}.dockerignore`]),
  );
  wanted.add(".containerignore").add(".dockerignore");
  const skipped = literalExclusions((await readIgnoreFile(ctx, base, candidates)) ?? "");
  const members: Members = new Map();
  await writeHostDirectory(ctx.files, writer, dir, {
    exclude(path) {
      refuseReserved(path);
      if (wanted.has(path)) return false;
      return skipped.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
    },
    onEntry(entry, content) {
      if (!wanted.has(entry.path) || entry.type === "directory") return;
      members.set(entry.path, content && decoder.decode(content));
    },
    rewrite(path, content) {
      if (!CONTEXT_IGNORES.has(path)) return content;
      return new Uint8Array([...content, ...encoder.encode(OWN_EXCLUSIONS)]);
    },
  });
  for (const candidate of candidates) {
    if (members.has(candidate) && members.get(candidate) === undefined) {
      throw new BadArgument(
        `${candidate} in ${dir} is a symlink: the Containerfile must be a regular file`,
      );
    }
  }
  return members;
}

/**
 * The ignore file Buildah would use, read ahead of the walk only to skip
 * big ignored trees (see literalExclusions); the one sent is taken from the walk.
 */
async function readIgnoreFile(
  ctx: Pick<CallContext, "files">,
  base: string,
  candidates: readonly string[],
): Promise<string | undefined> {
  for (const candidate of candidates) {
    for (const suffix of [".dockerignore", ".containerignore"]) {
      const text = await readOptional(ctx, `${base}/${candidate}${suffix}`);
      if (text !== undefined) return text;
    }
  }
  return (
    (await readOptional(ctx, `${base}/.containerignore`)) ??
    (await readOptional(ctx, `${base}/.dockerignore`))
  );
}

async function readOptional(ctx: Pick<CallContext, "files">, path: string) {
  try {
    return await ctx.files.readTextFile(path);
  } catch (error) {
    // Missing or unreadable alike: this read only saves work, and the walk reports real trouble.
    if (error instanceof BadArgument) return undefined;
    throw error;
  }
}

function refuseReserved(path: string): void {
  if (RESERVED.has(path)) {
    throw new BadArgument(`the build context has a file named ${path}, a name the server reserves`);
  }
}
