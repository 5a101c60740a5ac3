import { afterAll, describe, expect, it } from "vitest";
import {
  PodmanDirect,
  callOk,
  connectHttp,
  startHttpServer,
  testEnv,
  uniqueName,
} from "./harness.js";

describe("graceful shutdown", () => {
  const podman = new PodmanDirect();
  afterAll(() => podman.cleanup());

  it("lets a running call finish on SIGTERM, refuses new work, and exits 0", async () => {
    const server = await startHttpServer(["--no-auth"]);
    const client = await connectHttp(server.url);
    const name = podman.track(uniqueName("shutdown"));
    await callOk(client, "podman_run", {
      image: testEnv().PODMAN_TEST_IMAGE,
      name,
      command: ["sleep", "600"],
    });

    const running = client.callTool({
      name: "podman_exec",
      arguments: { name, command: ["sh", "-c", "sleep 2; echo finished"] },
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const exited = new Promise<number | null>((resolve) => server.process.once("exit", resolve));
    server.process.kill("SIGTERM");
    await expect
      .poll(() => server.stderr.some((line) => line.includes("shutting down")))
      .toBe(true);

    const refused = await fetch(server.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list" }),
    }).catch(() => undefined);
    // Either the listener is already closed, or it answers 503.
    if (refused) expect(refused.status).toBe(503);

    const result = await running;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      exit_code: 0,
      stdout: { text: "finished\n" },
    });
    expect(await exited).toBe(0);
  });
});
