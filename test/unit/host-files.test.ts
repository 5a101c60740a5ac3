import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { allowedHostFiles } from "../../src/core/policy/host-files.js";
import { PolicyRefusal } from "../../src/core/policy/refusal.js";
import { TarWriter, writeHostDirectory } from "../../src/core/podman/tar.js";
import type { HostFiles } from "../../src/core/contracts.js";
import { nodeHostFiles } from "../../src/runtime/node/files.js";

const scratch = mkdtempSync(join(tmpdir(), "host-files-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const allowed = join(scratch, "allowed");
const outside = join(scratch, "outside");
mkdirSync(join(allowed, "ctx", "sub"), { recursive: true });
mkdirSync(outside);
writeFileSync(join(allowed, "ctx", "Containerfile"), "FROM scratch\n");
writeFileSync(join(allowed, "ctx", "sub", "a.txt"), "a\n");
writeFileSync(join(outside, "secret.txt"), "top-secret\n");
symlinkSync(join(outside, "secret.txt"), join(allowed, "file-link"));
symlinkSync(outside, join(allowed, "dir-link"));
symlinkSync(join(allowed, "ctx"), join(scratch, "link-to-allowed"));
symlinkSync(outside, join(allowed, "ctx", "escape"));
execFileSync("mkfifo", [join(allowed, "ctx", "pipe")]);

const files = allowedHostFiles(nodeHostFiles, [allowed]);

async function refusal(read: () => Promise<unknown>): Promise<string> {
  const error = await read().then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(PolicyRefusal);
  const message = (error as Error).message;
  expect(message).toContain("--allow-read DIR");
  expect(message).not.toContain("top-secret");
  return message;
}

describe("allowedHostFiles", () => {
  it("reads files at or below an allowed directory", async () => {
    expect(await files.readTextFile(join(allowed, "ctx", "Containerfile"))).toBe("FROM scratch\n");
    expect(await files.readFile(join(allowed, "ctx", "sub", "a.txt"))).toEqual(
      new TextEncoder().encode("a\n"),
    );
    expect(await files.realPath(`${allowed}/./ctx//sub`)).toBe(join(allowed, "ctx", "sub"));
  });

  it("refuses paths outside, naming the path and the flag", async () => {
    expect(await refusal(() => files.readTextFile("/etc/passwd"))).toContain('"/etc/passwd"');
    await refusal(() => files.readTextFile(join(outside, "secret.txt")));
    await refusal(() => files.readTextFile(`${allowed}-sibling/x`));
  });

  it("refuses relative paths and any '..', even one that would stay inside", async () => {
    await refusal(() => files.readTextFile("ctx/Containerfile"));
    await refusal(() => files.readTextFile(`${allowed}/../outside/secret.txt`));
    await refusal(() => files.readTextFile(`${allowed}/ctx/../ctx/Containerfile`));
  });

  it("resolves symlinks before deciding, for files and directories", async () => {
    await refusal(() => files.readTextFile(join(allowed, "file-link")));
    await refusal(() => files.readTextFile(join(allowed, "dir-link", "secret.txt")));
    await refusal(async () => {
      for await (const entry of files.walk(join(allowed, "dir-link"))) void entry;
    });
  });

  it("takes an allowed directory by its given or its resolved path, no other path to it", async () => {
    const viaLink = allowedHostFiles(nodeHostFiles, [join(scratch, "link-to-allowed")]);
    expect(await viaLink.readTextFile(join(scratch, "link-to-allowed", "Containerfile"))).toBe(
      "FROM scratch\n",
    );
    expect(await viaLink.readTextFile(join(allowed, "ctx", "Containerfile"))).toBe(
      "FROM scratch\n",
    );
    await refusal(() => files.readTextFile(join(scratch, "link-to-allowed", "Containerfile")));
  });

  it("refuses without touching the file system when the path is plainly outside", async () => {
    const touched: string[] = [];
    const spy: HostFiles = {
      ...nodeHostFiles,
      realPath: (path) => {
        touched.push(path);
        return nodeHostFiles.realPath(path);
      },
    };
    await refusal(() => allowedHostFiles(spy, [allowed]).readTextFile("/root/.ssh/id_rsa"));
    expect(touched).not.toContain("/root/.ssh/id_rsa");
  });

  it("reads nothing when no directory is allowed", async () => {
    const none = allowedHostFiles(nodeHostFiles, []);
    expect(await refusal(() => none.readTextFile(join(allowed, "ctx", "Containerfile")))).toContain(
      "reads no host files",
    );
  });

  it("tars a context with its symlinks as links and without special files", async () => {
    const writer = new TarWriter();
    await writeHostDirectory(files, writer, join(allowed, "ctx"));
    const archive = writer.finish();
    const listing = execFileSync("tar", ["-tv"], { input: archive }).toString();
    expect(listing).toContain("escape -> " + outside);
    expect(listing).not.toContain("pipe");
    expect(listing).not.toContain("top-secret");
  });

  it("never opens a FIFO, even when asked for it by name", async () => {
    await expect(files.readFile(join(allowed, "ctx", "pipe"))).rejects.toThrow(
      /not a regular file/,
    );
  });
});
