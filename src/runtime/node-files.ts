import { lstat, readFile, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { BadArgument } from "../core/errors.js";
import type { HostEntry, HostFiles } from "../core/tools/tool.js";

function unreadable(path: string, error: unknown): BadArgument {
  const code = (error as { code?: string }).code;
  const reason =
    code === "ENOENT"
      ? "no such file or directory"
      : code === "EACCES"
        ? "permission denied"
        : code === "EISDIR"
          ? "it is a directory"
          : (error as Error).message;
  return new BadArgument(`cannot read ${path} on the host: ${reason}`);
}

async function* walk(root: string, relative = ""): AsyncGenerator<HostEntry> {
  const dir = join(root, relative);
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (error) {
    throw unreadable(dir, error);
  }
  for (const name of names) {
    const path = relative ? `${relative}/${name}` : name;
    const stats = await lstat(join(root, path));
    const base = { path, mode: stats.mode & 0o7777, size: stats.size, mtimeMs: stats.mtimeMs };
    if (stats.isSymbolicLink()) {
      yield { ...base, type: "symlink", size: 0, linkTarget: await readlink(join(root, path)) };
    } else if (stats.isDirectory()) {
      yield { ...base, type: "directory", size: 0 };
      yield* walk(root, path);
    } else if (stats.isFile()) {
      yield { ...base, type: "file" };
    }
  }
}

export const nodeHostFiles: HostFiles = {
  async readFile(path) {
    try {
      return new Uint8Array(await readFile(path));
    } catch (error) {
      throw unreadable(path, error);
    }
  },
  async readTextFile(path) {
    try {
      return await readFile(path, "utf8");
    } catch (error) {
      throw unreadable(path, error);
    }
  },
  async *walk(dir) {
    try {
      if (!(await lstat(dir)).isDirectory()) throw new BadArgument(`${dir} is not a directory`);
    } catch (error) {
      if (error instanceof BadArgument) throw error;
      throw unreadable(dir, error);
    }
    yield* walk(dir);
  },
};
