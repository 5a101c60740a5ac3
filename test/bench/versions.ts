import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";

const run = promisify(execFile);

/** The bundle's size as shipped and as it travels compressed, and which build it was. */
export async function describeBundle(path: string) {
  const content = await readFile(path);
  return {
    bytes: content.length,
    gzipBytes: gzipSync(content).length,
    sha256: createHash("sha256").update(content).digest("hex"),
  };
}

/** Which source the figures belong to; "unknown" outside a git checkout. */
export async function sourceFacts(repo: string) {
  try {
    const commit = (await run("git", ["-C", repo, "rev-parse", "--short", "HEAD"])).stdout.trim();
    const changes = (await run("git", ["-C", repo, "status", "--porcelain", "--", "src"])).stdout;
    return { commit, sourceModified: changes.trim() !== "" };
  } catch {
    return { commit: "unknown", sourceModified: false };
  }
}
