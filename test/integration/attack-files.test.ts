import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PodmanDirect,
  type RunningServer,
  callError,
  callOk,
  connectHttp,
  startHttpServer,
  testEnv,
  uniqueName,
} from "./harness.js";

/**
 * An operate token over HTTP tries to move files where it must not: into and
 * out of a container the server did not create, out of the container's
 * paths through "..", from host directories outside --allow-read, past the
 * copy bound. Each call is refused, and Podman shows nothing happened. A read
 * token cannot write at all.
 */

const OPERATOR = "operate-files-token-0001";
const READER = "read-files-token-0001";
const SECRET = "Qz8secretFileValue4Kp";
const MAX_COPY_BYTES = 4096;

describe("an operate token moves files only where the server allows", () => {
  const podman = new PodmanDirect();
  const base = mkdtempSync(join(tmpdir(), "mcp-podman-attack-files-"));
  const allowed = join(base, "allowed");
  const secrets = join(base, "secrets");
  const foreign = uniqueName("foreign-files");
  const own = uniqueName("own-files");
  let server: RunningServer;
  let operator: Client;
  let reader: Client;

  /** Whether `path` exists in the container, asked of Podman directly. */
  const existsIn = async (container: string, path: string) =>
    (
      await podman.request(
        "HEAD",
        `/containers/${container}/archive?path=${encodeURIComponent(path)}`,
      )
    ).status === 200;

  beforeAll(async () => {
    mkdirSync(join(allowed, "tree"), { recursive: true });
    mkdirSync(secrets);
    writeFileSync(join(secrets, "secret.txt"), `${SECRET}\n`);
    writeFileSync(join(allowed, "tree", "ok.txt"), "ok\n");
    symlinkSync(secrets, join(allowed, "secrets-link"));
    const tokenFile = join(base, "tokens");
    writeFileSync(tokenFile, `${OPERATOR} operate\n${READER} read\n`, { mode: 0o600 });
    server = await startHttpServer(
      ["--token-file", tokenFile, "--allow-read", allowed, "--max-copy-bytes", `${MAX_COPY_BYTES}`],
      {},
      { testAllowRead: false },
    );
    operator = await connectHttp(server.url, OPERATOR);
    reader = await connectHttp(server.url, READER);

    podman.track(foreign);
    const created = await podman.request("POST", "/containers/create", {
      image: testEnv().PODMAN_TEST_IMAGE,
      name: foreign,
      command: ["sleep", "3600"],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await podman.request("POST", `/containers/${foreign}/start`);

    podman.track(own);
    await callOk(operator, "podman_run", {
      image: testEnv().PODMAN_TEST_IMAGE,
      name: own,
      command: ["sleep", "3600"],
    });
  });

  afterAll(async () => {
    await operator?.close();
    await reader?.close();
    await server?.stop();
    await podman.cleanup();
    rmSync(base, { recursive: true, force: true });
  });

  const foreignRefusal = (name: string) =>
    `The container "${name}" was not created by mcp-podman: an operate token may only change ` +
    "objects mcp-podman created; an admin token may change anything (unless --managed-only).";

  it("cannot write into a container the server did not create", async () => {
    const text = await callError(operator, "podman_write_files", {
      name: foreign,
      files: [{ path: "/planted.txt", content: "planted" }],
    });
    expect(text).toBe(foreignRefusal(foreign));
    expect(await existsIn(foreign, "/planted.txt")).toBe(false);
  });

  it("cannot read a file or a listing out of a container the server did not create", async () => {
    for (const path of ["/etc/hostname", "/"]) {
      const text = await callError(operator, "podman_read_file", { name: foreign, path });
      expect(text).toBe(foreignRefusal(foreign));
    }
  });

  it("cannot pipe stdin into a container the server did not create", async () => {
    const text = await callError(operator, "podman_exec", {
      name: foreign,
      command: ["sh", "-s"],
      stdin: "echo planted > /planted-by-stdin\n",
    });
    expect(text).toBe(foreignRefusal(foreign));
    expect(await existsIn(foreign, "/planted-by-stdin")).toBe(false);
  });

  it.each(["/work/../escaped.txt", "../escaped.txt", "relative.txt", "/work/./../../escaped.txt"])(
    "refuses the path %s and writes nothing",
    async (path) => {
      const text = await callError(operator, "podman_write_files", {
        name: own,
        files: [
          { path: "/work/first.txt", content: "first" },
          { path, content: "escaped" },
        ],
      });
      expect(text).toMatch(/must (not contain "\.\." segments|be an absolute path)/);
      expect(await existsIn(own, "/escaped.txt")).toBe(false);
      expect(await existsIn(own, "/work/first.txt")).toBe(false);
    },
  );

  it("refuses a read through ..", async () => {
    const text = await callError(operator, "podman_read_file", { name: own, path: "/tmp/../etc" });
    expect(text).toMatch(/must not contain "\.\." segments/);
  });

  it.each([
    ["outside --allow-read", () => secrets],
    ["through a symlink out of the allowed directory", () => join(allowed, "secrets-link")],
    ["through ..", () => join(allowed, "..", "secrets")],
  ])("refuses a host directory %s and copies nothing", async (_, hostDir) => {
    const text = await callError(operator, "podman_write_files", {
      name: own,
      host_dir: hostDir(),
      dest: "/stolen",
    });
    expect(text).toMatch(/refused by policy/);
    expect(text).not.toContain(SECRET);
    expect(await existsIn(own, "/stolen")).toBe(false);
  });

  it("copies a host directory inside --allow-read", async () => {
    await callOk(operator, "podman_write_files", {
      name: own,
      host_dir: join(allowed, "tree"),
      dest: "/tree",
    });
    expect(await existsIn(own, "/tree/ok.txt")).toBe(true);
  });

  it("refuses files and stdin over --max-copy-bytes, and writes nothing", async () => {
    const text = await callError(operator, "podman_write_files", {
      name: own,
      files: [
        { path: "/big/a.txt", content: "a".repeat(MAX_COPY_BYTES / 2) },
        { path: "/big/b.txt", content: "b".repeat(MAX_COPY_BYTES / 2 + 1) },
      ],
    });
    expect(text).toContain("--max-copy-bytes");
    expect(await existsIn(own, "/big")).toBe(false);
    const stdin = await callError(operator, "podman_exec", {
      name: own,
      command: ["sh", "-c", "cat > /big-stdin"],
      stdin: "x".repeat(MAX_COPY_BYTES + 1),
    });
    expect(stdin).toContain("--max-copy-bytes");
    expect(await existsIn(own, "/big-stdin")).toBe(false);
  });

  it("lets a read token read the server's own containers but never write", async () => {
    const text = await callError(reader, "podman_write_files", {
      name: own,
      files: [{ path: "/by-reader.txt", content: "x" }],
    });
    expect(text).toBe(
      "podman_write_files needs a token with the operate scope; this one has read.",
    );
    expect(await existsIn(own, "/by-reader.txt")).toBe(false);
    const read = await callOk<{ content: string }>(reader, "podman_read_file", {
      name: own,
      path: "/tree/ok.txt",
    });
    expect(read.content).toBe("ok\n");
    const { tools } = await reader.listTools();
    expect(tools.map((tool) => tool.name)).toContain("podman_read_file");
    expect(tools.map((tool) => tool.name)).not.toContain("podman_write_files");
  });
});
