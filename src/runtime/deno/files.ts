import { BadArgument } from "../../core/errors.js";
import { type HostPathProbe, resolveHostPath } from "../../core/policy/host-path.js";
import type { HostEntry, HostFiles } from "../../core/contracts.js";
import type { DenoApi, DenoFileInfo } from "./api.js";

declare const Deno: DenoApi;

/** The reason comes from the error's class alone: a file system message is not ours to pass on. */
function unreadable(path: string, error: unknown): BadArgument {
  if (error instanceof BadArgument) return error;
  const reasons: Record<string, string> = {
    NotFound: "no such file or directory",
    PermissionDenied: "permission denied",
    NotADirectory: "a part of the path is not a directory",
    IsADirectory: "it is a directory",
    FilesystemLoop: "too many levels of symbolic links",
  };
  const name = (error as Error).name;
  return new BadArgument(`cannot read ${path} on the host: ${reasons[name] ?? `error ${name}`}`);
}

/** Checked before reading, so a FIFO or device is never opened. */
async function regularFile(path: string): Promise<void> {
  const info = await Deno.stat(path);
  if (info.isDirectory) throw new BadArgument(`cannot read ${path} on the host: it is a directory`);
  if (!info.isFile)
    throw new BadArgument(`cannot read ${path} on the host: it is not a regular file`);
}

async function* walk(root: string, relative = ""): AsyncGenerator<HostEntry> {
  const dir = relative ? `${root}/${relative}` : root;
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  } catch (error) {
    throw unreadable(dir, error);
  }
  for (const name of names.sort()) {
    const path = relative ? `${relative}/${name}` : name;
    const full = `${root}/${path}`;
    const info = await Deno.lstat(full);
    const base = {
      path,
      mode: (info.mode ?? 0o644) & 0o7777,
      size: info.size,
      mtimeMs: info.mtime?.getTime() ?? 0,
    };
    if (info.isSymlink) {
      yield { ...base, type: "symlink", size: 0, linkTarget: await Deno.readLink(full) };
    } else if (info.isDirectory) {
      yield { ...base, type: "directory", size: 0 };
      yield* walk(root, path);
    } else if (info.isFile) {
      yield { ...base, type: "file" };
    }
  }
}

const denoPathProbe: HostPathProbe = {
  realPath(path) {
    try {
      return Deno.realPathSync(path);
    } catch {
      return undefined;
    }
  },
  isSymlink(path) {
    try {
      return Deno.lstatSync(path).isSymlink;
    } catch {
      return false;
    }
  },
};

export const denoHostFiles: HostFiles = {
  async readFile(path) {
    try {
      await regularFile(path);
      return await Deno.readFile(path);
    } catch (error) {
      throw unreadable(path, error);
    }
  },
  async readTextFile(path) {
    try {
      await regularFile(path);
      return await Deno.readTextFile(path);
    } catch (error) {
      throw unreadable(path, error);
    }
  },
  async realPath(path) {
    try {
      return await Deno.realPath(path);
    } catch (error) {
      throw unreadable(path, error);
    }
  },
  async *walk(dir) {
    let info: DenoFileInfo;
    try {
      info = await Deno.lstat(dir);
    } catch (error) {
      throw unreadable(dir, error);
    }
    if (!info.isDirectory) throw new BadArgument(`${dir} is not a directory`);
    yield* walk(dir);
  },
};

/** Where a host path leads with its symlinks followed (the deepest existing part resolved). */
export const denoResolveHostPath = (path: string) => resolveHostPath(path, denoPathProbe);

export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
