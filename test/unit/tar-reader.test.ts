import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  type ReadMember,
  TarFormatError,
  type TarMember,
  readTar,
} from "../../src/core/podman/tar-reader.js";
import { TarWriter } from "../../src/core/podman/tar.js";

const scratch = mkdtempSync(join(tmpdir(), "tar-reader-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function readAll(
  source: ReadableStream<Uint8Array> | Uint8Array,
  keep?: (member: TarMember) => number,
): Promise<ReadMember[]> {
  const members: ReadMember[] = [];
  for await (const member of readTar(source, keep)) members.push(member);
  return members;
}

/** The same bytes as a stream cut into chunks of `size`, the way a socket delivers them. */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("readTar", () => {
  it("reads back what TarWriter wrote: files, directories, symlinks, modes, times", async () => {
    const writer = new TarWriter();
    writer.add({ path: "app", type: "directory", mode: 0o750, mtime: 1_700_000_000 });
    writer.add({ path: "app/run.sh", content: "#!/bin/sh\necho ok\n", mode: 0o755 });
    writer.add({ path: "app/blob", content: new Uint8Array([0, 255, 1, 254]) });
    writer.add({ path: "app/link", type: "symlink", linkTarget: "run.sh" });
    const members = await readAll(writer.finish());
    expect(members.map(({ path, type, mode, size }) => ({ path, type, mode, size }))).toEqual([
      { path: "app", type: "directory", mode: 0o750, size: 0 },
      { path: "app/run.sh", type: "file", mode: 0o755, size: 18 },
      { path: "app/blob", type: "file", mode: 0o644, size: 4 },
      { path: "app/link", type: "symlink", mode: 0o777, size: 0 },
    ]);
    expect(members[0]!.mtime).toBe(1_700_000_000);
    expect(text(members[1]!.content)).toBe("#!/bin/sh\necho ok\n");
    expect([...members[2]!.content]).toEqual([0, 255, 1, 254]);
    expect(members[3]!.linkTarget).toBe("run.sh");
  });

  it("reads long and non-ASCII names and link targets through PAX headers", async () => {
    const deep = `${"segment/".repeat(40)}file.txt`;
    const target = `${"t".repeat(120)}/x`;
    const writer = new TarWriter();
    writer.add({ path: deep, content: "deep" });
    writer.add({ path: "données/é✓😀.txt", content: "utf8" });
    writer.add({ path: "l", type: "symlink", linkTarget: target });
    const members = await readAll(writer.finish());
    expect(members.map((member) => member.path)).toEqual([deep, "données/é✓😀.txt", "l"]);
    expect(text(members[0]!.content)).toBe("deep");
    expect(members[2]!.linkTarget).toBe(target);
  });

  it("keeps only the bytes asked for and reads past the rest", async () => {
    const big = new Uint8Array(100_000).map((_, i) => i % 251);
    const writer = new TarWriter();
    writer.add({ path: "big.bin", content: big });
    writer.add({ path: "after.txt", content: "after" });
    const members = await readAll(chunked(writer.finish(), 777), () => 1000);
    expect(members[0]!.size).toBe(100_000);
    expect([...members[0]!.content]).toEqual([...big.subarray(0, 1000)]);
    expect(text(members[1]!.content)).toBe("after");
  });

  it("cancels the source when the caller stops early", async () => {
    const writer = new TarWriter();
    for (let i = 0; i < 10; i++) writer.add({ path: `f${i}`, content: "x".repeat(600) });
    const archive = writer.finish();
    let cancelled = false;
    let offset = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= archive.length) return controller.close();
        controller.enqueue(archive.slice(offset, offset + 512));
        offset += 512;
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const member of readTar(source)) {
      expect(member.path).toBe("f0");
      break;
    }
    expect(cancelled).toBe(true);
    expect(offset).toBeLessThan(archive.length);
  });

  it("reads GNU tar's own archives: GNU long names and PAX", async () => {
    const root = join(scratch, "gnu");
    const long = `${"d".repeat(120)}/${"f".repeat(120)}.txt`;
    mkdirSync(join(root, "d".repeat(120)), { recursive: true });
    writeFileSync(join(root, long), "long name\n");
    symlinkSync(`${"../".repeat(40)}target`, join(root, "link"));
    // USTAR and old GNU cannot store names this long.
    for (const format of ["gnu", "pax"]) {
      const archive = execFileSync("tar", ["-c", `--format=${format}`, "-C", root, "."]);
      const members = await readAll(new Uint8Array(archive));
      const file = members.find((member) => member.path === long);
      expect(file, format).toBeDefined();
      expect(text(file!.content)).toBe("long name\n");
      const link = members.find((member) => member.path === "link");
      expect(link?.linkTarget).toBe(`${"../".repeat(40)}target`);
      expect(members.some((member) => member.path === "d".repeat(120))).toBe(true);
    }
  });

  it("fails loudly on a cut archive and on a corrupt header", async () => {
    const writer = new TarWriter();
    writer.add({ path: "a.txt", content: "x".repeat(2000) });
    const archive = writer.finish();
    await expect(readAll(archive.subarray(0, 1024))).rejects.toThrow(TarFormatError);
    const corrupt = archive.slice();
    corrupt[10] = 0x41;
    await expect(readAll(corrupt)).rejects.toThrow(/checksum/);
  });

  it("answers nothing for an empty archive or an empty stream", async () => {
    expect(await readAll(new TarWriter().finish())).toEqual([]);
    expect(await readAll(new Uint8Array(0))).toEqual([]);
  });

  it("round-trips any set of files through TarWriter, in any chunking", async () => {
    const segment = fc
      .stringMatching(/^[a-zA-Z0-9._é✓-]{1,40}$/)
      .filter((s) => s !== "." && s !== "..");
    const entry = fc.record({
      path: fc.array(segment, { minLength: 1, maxLength: 8 }).map((parts) => parts.join("/")),
      content: fc.uint8Array({ maxLength: 3000 }),
      mode: fc.integer({ min: 0, max: 0o7777 }),
      mtime: fc.integer({ min: 0, max: 2 ** 33 - 1 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(entry, { selector: (e) => e.path, maxLength: 12 }),
        fc.integer({ min: 1, max: 2048 }),
        async (entries, chunkSize) => {
          const writer = new TarWriter();
          for (const e of entries) writer.add({ ...e, type: "file" });
          const members = await readAll(chunked(writer.finish(), chunkSize));
          expect(
            members.map(({ path, mode, mtime, type }) => ({ path, mode, mtime, type })),
          ).toEqual(entries.map(({ path, mode, mtime }) => ({ path, mode, mtime, type: "file" })));
          members.forEach((member, i) => expect(member.content).toEqual(entries[i]!.content));
        },
      ),
      { numRuns: 150 },
    );
  });
});
