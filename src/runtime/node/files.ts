import type { HostEntry, HostFiles } from "../../core/contracts.js";
// fs.promises is read at call time: node:fs/promises loads on the first file tool, not at start.
import { constants, lstatSync, promises as fs, realpathSync } from "node:fs";
import { join } from "node:path";
import { BadArgument } from "../../core/errors.js";
import { type HostPathProbe, resolveHostPath } from "../../core/policy/host-path.js";

const REASONS: Record<string, string> = {
  ENOENT: "no such file or directory",
  ENOTDIR: "a part of the path is not a directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "it is a directory",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "the path is too long",
};

/** The reason comes from the error code alone: an fs message is not ours to pass on. */
function unreadable(path: string, error: unknown): BadArgument {
  if (error instanceof BadArgument) return error;
  const code = (error as { code?: string }).code ?? "";
  const reason = REASONS[code] ?? (code ? `error ${code}` : "it cannot be read");
  return new BadArgument(`cannot read ${path} on the host: ${reason}`);
}

async function* walk(root: string, relative = ""): AsyncGenerator<HostEntry> {
  const dir = join(root, relative);
  let names: string[];
  try {
    names = (await fs.readdir(dir)).sort();
  } catch (error) {
    throw unreadable(dir, error);
  }
  for (const name of names) {
    const path = relative ? `${relative}/${name}` : name;
    const stats = await fs.lstat(join(root, path));
    const base = { path, mode: stats.mode & 0o7777, size: stats.size, mtimeMs: stats.mtimeMs };
    if (stats.isSymbolicLink()) {
      yield { ...base, type: "symlink", size: 0, linkTarget: await fs.readlink(join(root, path)) };
    } else if (stats.isDirectory()) {
      yield { ...base, type: "directory", size: 0 };
      yield* walk(root, path);
    } else if (stats.isFile()) {
      yield { ...base, type: "file" };
    }
  }
}

/**
 * Opens without blocking (a FIFO would otherwise wait for a writer forever)
 * and reads only if what was opened is a regular file.
 */
async function readRegularFile(path: string): Promise<Buffer> {
  try {
    const handle = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stats = await handle.stat();
      if (stats.isDirectory())
        throw new BadArgument(`cannot read ${path} on the host: it is a directory`);
      if (!stats.isFile())
        throw new BadArgument(`cannot read ${path} on the host: it is not a regular file`);
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw unreadable(path, error);
  }
}

export const nodeHostFiles: HostFiles = {
  async readFile(path) {
    return new Uint8Array(await readRegularFile(path));
  },
  async readTextFile(path) {
    return (await readRegularFile(path)).toString("utf8");
  },
  async *walk(dir) {
    try {
      if (!(await fs.lstat(dir)).isDirectory()) throw new BadArgument(`${dir} is not a directory`);
    } catch (error) {
      throw unreadable(dir, error);
    }
    yield* walk(dir);
  },
  async realPath(path) {
    try {
      return await fs.realpath(path);
    } catch (error) {
      throw unreadable(path, error);
    }
  },
};

const nodePathProbe: HostPathProbe = {
  realPath(path) {
    try {
      return realpathSync(path);
    } catch {
      return undefined;
    }
  },
  isSymlink(path) {
    try {
      return lstatSync(path).isSymbolicLink();
    } catch {
      return false;
    }
  },
};

export const nodeResolveHostPath = (path: string) => resolveHostPath(path, nodePathProbe);
