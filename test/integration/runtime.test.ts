import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import {
  bundleCommand,
  callOk,
  connectHttp,
  nodeBinary,
  runtime,
  startHttpServer,
} from "./harness.js";

// A project that meant to test another runtime but silently ran this one would
// pass every other file; here the serving process itself says what it runs on.
const requested = process.env.MCP_PODMAN_TEST_RUNTIME || "node";

function expectedVersion(): RegExp {
  if (runtime === "deno") return /^deno 2\./;
  if (requested === "node") return new RegExp(`^${process.version.replaceAll(".", "\\.")}$`);
  const major = /^node(\d+)$/.exec(requested)?.[1];
  const installed = inject("nodeRuntime");
  expect(installed?.version, `no Node was installed for ${requested}`).toMatch(
    new RegExp(`^v${major}\\.`),
  );
  return new RegExp(`^${installed.version.replaceAll(".", "\\.")}$`);
}

describe(`the bundle under ${requested}`, () => {
  it("serves from the runtime this project names", async () => {
    const server = await startHttpServer(["--no-auth"]);
    try {
      const client = await connectHttp(server.url);
      await callOk(client, "podman_info");
      await client.close();
      const executable = readlinkSync(`/proc/${server.process.pid}/exe`);
      expect(executable).toBe(realpathSync(bundleCommand([]).command));
      const version = execFileSync(executable, ["--version"], { encoding: "utf8" });
      expect(version.split("\n")[0]).toMatch(expectedVersion());
    } finally {
      await server.stop();
    }
  });

  it("keeps what it compiles on first use in Node's compile cache, and serves without one", async () => {
    const cacheHome = mkdtempSync(join(tmpdir(), "mcp-podman-cache-"));
    const cache = join(cacheHome, "mcp-podman", "compile-cache");
    const nodeCaches =
      runtime === "node" &&
      execFileSync(nodeBinary(), ["-p", "typeof require('node:module').enableCompileCache"], {
        encoding: "utf8",
      }).trim() === "function";
    try {
      // An HTTP start loads the telemetry SDK and the HTTP listener, both compiled on first use.
      await serveOnce({ XDG_CACHE_HOME: cacheHome });
      if (nodeCaches) expect(readdirSync(cache).length).toBeGreaterThan(0);
      else expect(existsSync(cache)).toBe(false);
      await serveOnce({ XDG_CACHE_HOME: cacheHome });

      const notADirectory = join(cacheHome, "a-file");
      writeFileSync(notADirectory, "");
      await serveOnce({ XDG_CACHE_HOME: notADirectory });
    } finally {
      rmSync(cacheHome, { recursive: true, force: true });
    }
  });
});

async function serveOnce(env: Record<string, string>) {
  const server = await startHttpServer(["--no-auth"], env);
  try {
    const client = await connectHttp(server.url);
    await callOk(client, "podman_info");
    await client.close();
  } finally {
    await server.stop();
  }
}
