import { execFileSync } from "node:child_process";
import { readlinkSync, realpathSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import { bundleCommand, callOk, connectHttp, runtime, startHttpServer } from "./harness.js";

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
});
