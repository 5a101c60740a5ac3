import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Connected,
  PodmanDirect,
  type Transport,
  callOk,
  connect,
  testEnv,
  uniqueName,
} from "./harness.js";

interface Captured {
  text: string;
  encoding: "utf8" | "base64";
  truncated_bytes: number;
}
interface ExecResult {
  exit_code: number | null;
  stdout: Captured;
  stderr: Captured;
  timed_out: boolean;
}
interface ReadResult {
  path: string;
  type: string;
  mode: string;
  size: number;
  encoding?: "utf8" | "base64";
  content?: string;
  shown_bytes?: number;
  omitted_bytes?: number;
  entries?: { path: string; type: string; size: number; mode: string; link_target?: string }[];
  more_entries?: boolean;
}

const MAIN_SH = `#!/bin/sh
set -e
cd "$(dirname "$0")"
. ./lib/greet.sh
mkdir -p /work/out
greet "$(cat data/name.txt)" > /work/out/report.txt
echo "lines: $(grep -c . data/name.txt)" >> /work/out/report.txt
`;
const GREET_SH = 'greet() { printf "hello, %s\\n" "$1"; }\n';
const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

describe.each<Transport>(["stdio", "http"])("files in and out over %s", (transport) => {
  let connection: Connected;
  let client: Client;
  const podman = new PodmanDirect();
  let container: string;
  const hostDir = mkdtempSync(join(tmpdir(), "mcp-podman-files-"));

  beforeAll(async () => {
    connection = await connect(transport);
    client = connection.client;
    container = podman.track(uniqueName("files"));
    await callOk(client, "podman_run", {
      image: testEnv().PODMAN_TEST_IMAGE,
      name: container,
      command: ["sleep", "3600"],
    });
  });
  afterAll(async () => {
    await podman.cleanup();
    await connection?.close();
    rmSync(hostDir, { recursive: true, force: true });
  });

  const exec = (args: Record<string, unknown>) =>
    callOk<ExecResult>(client, "podman_exec", { name: container, ...args });
  const read = (path: string, args: Record<string, unknown> = {}) =>
    callOk<ReadResult>(client, "podman_read_file", { name: container, path, ...args });

  it("lists the file tools: writing is not read-only, reading is", async () => {
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    expect(byName.get("podman_write_files")?.annotations?.readOnlyHint).not.toBe(true);
    expect(byName.get("podman_read_file")?.annotations).toMatchObject({ readOnlyHint: true });
    const exec = byName.get("podman_exec")?.inputSchema.properties ?? {};
    expect(Object.keys(exec)).toEqual(expect.arrayContaining(["stdin", "stdin_encoding"]));
  });

  it("copies a small source tree in, runs it inside, and reads the result out", async () => {
    const written = await callOk(client, "podman_write_files", {
      name: container,
      files: [
        { path: "/work/app/main.sh", content: MAIN_SH, mode: "0755" },
        { path: "/work/app/lib/greet.sh", content: GREET_SH },
        { path: "/work/app/data/name.txt", content: "world\n" },
        { path: "/work/app/data/bytes.bin", content: base64(everyByte), encoding: "base64" },
      ],
    });
    expect(written).toMatchObject({ files: 4, bytes: MAIN_SH.length + GREET_SH.length + 6 + 256 });

    const run = await exec({ command: ["/work/app/main.sh"] });
    expect(run.exit_code, run.rendered).toBe(0);

    const report = await read("/work/out/report.txt");
    expect(report).toMatchObject({
      type: "file",
      encoding: "utf8",
      content: "hello, world\nlines: 1\n",
      omitted_bytes: 0,
    });

    const listing = await read("/work/app");
    expect(listing.type).toBe("directory");
    expect(listing.entries).toEqual(
      expect.arrayContaining([
        { path: "main.sh", type: "file", size: MAIN_SH.length, mode: "0755" },
        { path: "lib", type: "directory", size: 0, mode: "0755" },
        { path: "lib/greet.sh", type: "file", size: GREET_SH.length, mode: "0644" },
        { path: "data/bytes.bin", type: "file", size: 256, mode: "0644" },
      ]),
    );
    expect(listing.more_entries).toBe(false);
    expect(listing.rendered).toMatch(/0755 file +\d+ main\.sh/);
  });

  it("answers a binary file as base64", async () => {
    const binary = await read("/work/app/data/bytes.bin");
    expect(binary).toMatchObject({ encoding: "base64", content: base64(everyByte), size: 256 });
    expect(binary.rendered).toContain("binary, base64");
  });

  it("bounds a big file and says how much it left out", async () => {
    const big = "0123456789abcdef".repeat(20_000);
    await callOk(client, "podman_write_files", {
      name: container,
      files: [{ path: "/work/big.txt", content: big }],
    });
    const answer = await read("/work/big.txt", { max_bytes: 1024 });
    expect(answer).toMatchObject({
      encoding: "utf8",
      content: big.slice(0, 1024),
      size: big.length,
      shown_bytes: 1024,
      omitted_bytes: big.length - 1024,
    });
    expect(answer.rendered).toContain(`first 1024 of ${big.length} bytes shown`);
  });

  it("bounds a directory listing to max_entries", async () => {
    const listing = await read("/work", { max_entries: 3 });
    expect(listing.entries).toHaveLength(3);
    expect(listing.more_entries).toBe(true);
    expect(listing.rendered).toContain("raise max_entries");
  });

  it("pipes a script through stdin, and the shell reads the end of its input", async () => {
    const script = 'echo "from stdin"\necho $((6 * 7))\nread line || echo "end of input"\n';
    const run = await exec({ command: ["sh", "-s"], stdin: script });
    expect(run).toMatchObject({ exit_code: 0, timed_out: false });
    expect(run.stdout).toEqual({
      text: "from stdin\n42\nend of input\n",
      encoding: "utf8",
      truncated_bytes: 0,
    });
  });

  it("passes binary stdin through unchanged and reports binary output as base64", async () => {
    const counted = await exec({
      command: ["busybox", "wc", "-c"],
      stdin: base64(everyByte),
      stdin_encoding: "base64",
    });
    expect(counted.stdout.text.trim()).toBe("256");

    const echoed = await exec({
      command: ["cat"],
      stdin: base64(everyByte),
      stdin_encoding: "base64",
    });
    expect(echoed.stdout).toEqual({
      text: base64(everyByte),
      encoding: "base64",
      truncated_bytes: 0,
    });
    expect(echoed.rendered).toContain("--- stdout: 256 bytes of binary output, base64");
    expect(echoed.rendered).not.toContain("\u0000");
  });

  it("writes a large stdin into a file, and survives a command that reads none of it", async () => {
    const large = "y".repeat(3_000_000);
    const stored = await exec({
      command: ["sh", "-c", "cat > /work/large; ls -l /work/large"],
      stdin: large,
    });
    expect(stored.stdout.text).toContain(" 3000000 ");
    const ignored = await exec({ command: ["true"], stdin: large });
    expect(ignored.exit_code).toBe(0);
  });

  it("reports a command with stdin still running at its timeout, and a cancel ends the call", async () => {
    const slow = await exec({
      command: ["sh", "-c", "read line; echo got $line; sleep 30"],
      stdin: "x\n",
      timeout: 1,
    });
    expect(slow).toMatchObject({ exit_code: null, timed_out: true });
    expect(slow.stdout.text).toBe("got x\n");

    const controller = new AbortController();
    const started = Date.now();
    const cancelled = client.callTool(
      {
        name: "podman_exec",
        arguments: { name: container, command: ["sh", "-c", "cat; sleep 30"], stdin: "y" },
      },
      undefined,
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 500);
    await expect(cancelled).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await exec({ command: ["echo", "still serving"] })).stdout.text).toBe(
      "still serving\n",
    );
  });

  it("copies a host directory with its modes, keeping symlinks as links", async () => {
    mkdirSync(join(hostDir, "src", "nested"), { recursive: true });
    writeFileSync(join(hostDir, "src", "run.sh"), "#!/bin/sh\necho ran from host copy\n", {
      mode: 0o755,
    });
    writeFileSync(join(hostDir, "src", "nested", "note.txt"), "note\n");
    symlinkSync("/etc/hostname", join(hostDir, "src", "outside-link"));
    const written = await callOk(client, "podman_write_files", {
      name: container,
      host_dir: join(hostDir, "src"),
      dest: "/hosted",
    });
    expect(written).toMatchObject({ files: 2, directories: 1, symlinks: 1 });

    const run = await exec({ command: ["/hosted/run.sh"] });
    expect(run.stdout.text).toBe("ran from host copy\n");
    const listing = await read("/hosted");
    expect(listing.entries).toEqual(
      expect.arrayContaining([
        { path: "run.sh", type: "file", size: 34, mode: "0755" },
        { path: "nested/note.txt", type: "file", size: 5, mode: "0644" },
        {
          path: "outside-link",
          type: "symlink",
          size: 0,
          mode: "0777",
          link_target: "/etc/hostname",
        },
      ]),
    );
  });
});
