import { BadArgument } from "../errors.js";
import type { HostFiles } from "../tools/tool.js";
import { tarHostDirectory } from "./tar.js";

const IGNORE_FILES = [".containerignore", ".dockerignore"];
/** What libpod looks for when no Containerfile path is given, in order. */
const DEFAULT_CONTAINERFILES = ["Containerfile", "Dockerfile"];

/**
 * The tar of a build context directory, leaving out what its .containerignore
 * (or .dockerignore) excludes with plain paths such as "node_modules" or ".git",
 * so big ignored trees are never read or sent. Podman applies the full ignore
 * file itself (the file travels in the tar); this only skips a subset of it.
 */
export async function tarBuildContext(
  files: HostFiles,
  dir: string,
  containerfile?: string,
): Promise<Uint8Array> {
  const ignore = await readIgnoreFile(files, dir);
  const excluded = ignore === undefined ? [] : literalExclusions(ignore.text);
  const candidates = containerfile ? [containerfile] : DEFAULT_CONTAINERFILES;
  const kept = new Set([...IGNORE_FILES, ...candidates]);
  const present = new Set<string>();
  const archive = await tarHostDirectory(files, dir, {
    exclude(path) {
      present.add(path);
      if (kept.has(path)) return false;
      return excluded.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
    },
  });
  // Podman 4.3 reports a missing Containerfile as an unreadable mix of a 400 and a stream.
  if (!candidates.some((candidate) => present.has(candidate))) {
    throw new BadArgument(
      containerfile
        ? `there is no ${containerfile} in ${dir}`
        : `there is no Containerfile or Dockerfile in ${dir}: name it with containerfile_path`,
    );
  }
  return archive;
}

async function readIgnoreFile(files: HostFiles, dir: string) {
  for (const name of IGNORE_FILES) {
    try {
      return { name, text: await files.readTextFile(`${dir.replace(/\/$/, "")}/${name}`) };
    } catch (error) {
      // Only a missing file means "no ignore file"; anything else is the caller's to see.
      if (!(error instanceof BadArgument) || !/no such file/i.test(error.message)) throw error;
    }
  }
  return undefined;
}

/**
 * The ignore patterns that are plain relative paths. Any "!" exception could
 * re-include something under them, so with one present nothing is skipped here.
 */
export function literalExclusions(ignoreText: string): string[] {
  const patterns = ignoreText
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  if (patterns.some((pattern) => pattern.startsWith("!"))) return [];
  const literal: string[] = [];
  for (const pattern of patterns) {
    if (/[*?[\]\\]/.test(pattern)) continue;
    const segments = pattern.split("/").filter((segment) => segment !== "" && segment !== ".");
    if (segments.length === 0 || segments.includes("..")) continue;
    literal.push(segments.join("/"));
  }
  return literal;
}
