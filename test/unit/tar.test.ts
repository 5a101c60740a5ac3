import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BadArgument } from "../../src/core/errors.js";
import { literalExclusions } from "../../src/core/podman/build-context.js";
import {
  CHECKED_CONTAINERFILE,
  checkedBuildContext,
} from "../../src/core/policy/checked-build-context.js";
import { DENY_ALL } from "./fixtures.js";
import { TarWriter, paxRecords, tarFiles, writeHostDirectory } from "../../src/core/podman/tar.js";
import type { HostFiles } from "../../src/core/contracts.js";
import { nodeHostFiles } from "../../src/runtime/node/files.js";

const scratch = mkdtempSync(join(tmpdir(), "tar-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let extractions = 0;
/** Extracts with the system's GNU tar, the independent reader. */
function extract(archive: Uint8Array): string {
  const dir = join(scratch, `out-${extractions++}`);
  mkdirSync(dir);
  execFileSync("tar", ["-x", "-C", dir], { input: archive });
  return dir;
}

const listing = (archive: Uint8Array) =>
  execFileSync("tar", ["-t"], { input: archive }).toString().trim().split("\n");

const field = (block: Uint8Array, offset: number, length: number) =>
  new TextDecoder().decode(block.subarray(offset, offset + length)).replace(/\0.*$/s, "");

describe("tarFiles", () => {
  it("writes blocks of 512 bytes ending with two zero blocks, with valid checksums", () => {
    const archive = tarFiles([{ path: "hello.txt", content: "hi\n" }]);
    expect(archive.length).toBe(512 * 4);
    expect(archive.subarray(1024).every((byte) => byte === 0)).toBe(true);
    const header = archive.subarray(0, 512);
    expect(field(header, 0, 100)).toBe("hello.txt");
    expect(field(header, 124, 12)).toBe("00000000003");
    expect(field(header, 257, 6)).toBe("ustar");
    const stored = parseInt(field(header, 148, 8).trim(), 8);
    const copy = header.slice();
    copy.fill(0x20, 148, 156);
    expect(stored).toBe(copy.reduce((sum, byte) => sum + byte, 0));
    expect(field(archive, 512, 3)).toBe("hi\n");
  });

  it("adds parent directories once and keeps modes and binary content", () => {
    const binary = new Uint8Array([0, 1, 2, 255, 254]);
    const archive = tarFiles([
      { path: "app/run.sh", content: "#!/bin/sh\necho ok\n", mode: 0o755 },
      { path: "app/data/blob.bin", content: binary },
      { path: "./app/data/other.txt", content: "x" },
    ]);
    expect(listing(archive)).toEqual([
      "app/",
      "app/run.sh",
      "app/data/",
      "app/data/blob.bin",
      "app/data/other.txt",
    ]);
    const dir = extract(archive);
    expect(readFileSync(join(dir, "app/run.sh"), "utf8")).toBe("#!/bin/sh\necho ok\n");
    expect(statSync(join(dir, "app/run.sh")).mode & 0o777).toBe(0o755);
    expect(new Uint8Array(readFileSync(join(dir, "app/data/blob.bin")))).toEqual(binary);
  });

  it("stores long and non-ASCII paths through PAX headers", () => {
    const deep = `${"segment/".repeat(30)}file.txt`;
    const longName = `${"n".repeat(150)}.txt`;
    const archive = tarFiles([
      { path: deep, content: "deep" },
      { path: longName, content: "long" },
      { path: "données/é✓😀.txt", content: "utf8" },
    ]);
    const dir = extract(archive);
    expect(readFileSync(join(dir, deep), "utf8")).toBe("deep");
    expect(readFileSync(join(dir, longName), "utf8")).toBe("long");
    expect(readFileSync(join(dir, "données/é✓😀.txt"), "utf8")).toBe("utf8");
  });

  it("splits a path of up to 256 characters into USTAR prefix and name", () => {
    const path = `${"p".repeat(150)}/${"f".repeat(90)}`;
    const archive = tarFiles([{ path, content: "split" }]);
    const headers = Array.from({ length: archive.length / 512 }, (_, i) =>
      archive.subarray(i * 512, (i + 1) * 512),
    );
    const header = headers.find((block) => field(block, 156, 1) === "0")!;
    expect(field(header, 345, 155)).toBe("p".repeat(150));
    expect(field(header, 0, 100)).toBe("f".repeat(90));
    expect(readFileSync(join(extract(archive), path), "utf8")).toBe("split");
  });

  it("refuses paths that leave the archive", () => {
    expect(() => tarFiles([{ path: "../etc/passwd", content: "" }])).toThrow(BadArgument);
    expect(() => tarFiles([{ path: "a/../../b", content: "" }])).toThrow(BadArgument);
    expect(() => tarFiles([{ path: "/", content: "" }])).toThrow(BadArgument);
  });
});

describe("paxRecords", () => {
  it("counts each record's own length digits", () => {
    expect(paxRecords({ path: "abc" })).toBe("12 path=abc\n");
    // " path=" + 90 chars + "\n" is 97 bytes: 2 digits make 99.
    expect(paxRecords({ path: "x".repeat(90) })).toBe(`99 path=${"x".repeat(90)}\n`);
    // 98 bytes + 2 digits = 100, which has 3 digits: 101.
    expect(paxRecords({ path: "x".repeat(91) })).toBe(`101 path=${"x".repeat(91)}\n`);
    // "é" is 2 bytes in UTF-8: 2 + 6 + 2 + 1.
    expect(paxRecords({ path: "é" })).toBe("11 path=é\n");
  });
});

async function tarHostDirectory(files: HostFiles, dir: string): Promise<Uint8Array> {
  const writer = new TarWriter();
  await writeHostDirectory(files, writer, dir);
  return writer.finish();
}

describe("writeHostDirectory", () => {
  it("archives a host directory with its files, directories and symlinks", async () => {
    const root = join(scratch, "context");
    mkdirSync(join(root, "src/nested"), { recursive: true });
    writeFileSync(join(root, "Containerfile"), "FROM scratch\n");
    writeFileSync(join(root, "src/nested/app.sh"), "echo app\n", { mode: 0o750 });
    symlinkSync("nested/app.sh", join(root, "src/link"));
    const archive = await tarHostDirectory(nodeHostFiles, root);
    expect(listing(archive).sort()).toEqual(
      ["Containerfile", "src/", "src/link", "src/nested/", "src/nested/app.sh"].sort(),
    );
    const dir = extract(archive);
    expect(readFileSync(join(dir, "src/nested/app.sh"), "utf8")).toBe("echo app\n");
    expect(statSync(join(dir, "src/nested/app.sh")).mode & 0o777).toBe(0o750);
    expect(readlinkSync(join(dir, "src/link"))).toBe("nested/app.sh");
  });

  it("names a missing directory", async () => {
    await expect(tarHostDirectory(nodeHostFiles, join(scratch, "missing"))).rejects.toThrow(
      /missing.*no such file/,
    );
  });
});

describe("checkedBuildContext of a host directory", () => {
  const build = (dir: string, containerfilePath?: string) =>
    checkedBuildContext(
      { files: nodeHostFiles, policy: DENY_ALL },
      { contextDir: dir, ...(containerfilePath ? { containerfilePath } : {}) },
    ).then(({ context }) => context);
  const checked = [CHECKED_CONTAINERFILE, `${CHECKED_CONTAINERFILE}.containerignore`];

  it("skips the plain paths the ignore file excludes, never the Containerfile or the ignore file", async () => {
    const root = join(scratch, "ignoring");
    mkdirSync(join(root, "node_modules/pkg"), { recursive: true });
    mkdirSync(join(root, "build"), { recursive: true });
    writeFileSync(join(root, "node_modules/pkg/index.js"), "x");
    writeFileSync(join(root, "build/Containerfile"), "FROM scratch\n");
    writeFileSync(join(root, "build/output.o"), "o");
    writeFileSync(join(root, "secret.env"), "TOKEN=1");
    writeFileSync(join(root, "keep.txt"), "keep");
    writeFileSync(join(root, "main.log"), "log");
    writeFileSync(
      join(root, ".dockerignore"),
      "# comment\nnode_modules/\n./secret.env\nbuild\n*.log\n.dockerignore\n",
    );
    const archive = await build(root, "build/Containerfile");
    // *.log is left to Podman, which applies the whole file.
    expect(listing(archive).sort()).toEqual(
      [".dockerignore", "build/Containerfile", "keep.txt", "main.log", ...checked].sort(),
    );
  });

  it("skips nothing when an exception could re-include a path", () => {
    expect(literalExclusions("node_modules\n!node_modules/keep\n")).toEqual([]);
    expect(literalExclusions("/dist/\n../up\nsrc/*.tmp\n.git\n")).toEqual(["dist", ".git"]);
  });

  it("names a missing Containerfile before Podman is asked", async () => {
    const root = join(scratch, "no-containerfile");
    mkdirSync(root);
    writeFileSync(join(root, "app.txt"), "x");
    await expect(build(root)).rejects.toThrow(
      /no Containerfile or Dockerfile in .*no-containerfile/,
    );
    await expect(build(root, "build/Containerfile")).rejects.toThrow(
      /no file build\/Containerfile in/,
    );
    writeFileSync(join(root, "Dockerfile"), "FROM scratch\n");
    expect(listing(await build(root)).sort()).toEqual(["Dockerfile", "app.txt", ...checked].sort());
  });
});
