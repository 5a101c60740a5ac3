import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PodmanDirect,
  type RunningServer,
  connectHttp,
  runtime,
  startHttpServer,
  testEnv,
  textOf,
  uniqueName,
} from "./harness.js";

const TOKEN = `leak-check-token-${Math.random().toString(36).slice(2)}`;

/** Every OTLP request body, raw, so the test can search the spans and metrics as sent. */
class RawOtlpReceiver {
  readonly bodies: string[] = [];
  #server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      this.bodies.push(Buffer.concat(chunks).toString("utf8"));
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });

  async start() {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  stop() {
    return new Promise((resolve) => this.#server.close(resolve));
  }
}

describe("tokens, registry passwords and secret values never leave the server", () => {
  const receiver = new RawOtlpReceiver();
  const podman = new PodmanDirect();
  let dir: string;
  let server: RunningServer;
  let reference: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcp-podman-leak-"));
    const endpoint = await receiver.start();
    server = await startHttpServer(
      ["--log-level", "debug", "--audit-log", join(dir, "audit.jsonl")],
      {
        MCP_PODMAN_TOKEN: TOKEN,
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_BSP_SCHEDULE_DELAY: "100",
        ...(runtime === "deno"
          ? { OTEL_DENO: "true", OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" }
          : {}),
      },
    );
    reference = `${testEnv().PODMAN_TEST_AUTH_REGISTRY}/${uniqueName("leak")}:1`;
  });
  afterAll(async () => {
    await server?.stop();
    await receiver.stop();
    await podman.request("DELETE", `/images/${encodeURIComponent(reference)}?force=true`);
    await podman.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps them out of results, logs, audit lines and spans, whether the push fails or works", async () => {
    const {
      PODMAN_TEST_IMAGE,
      PODMAN_TEST_REGISTRY_USER: username,
      PODMAN_TEST_REGISTRY_PASSWORD: password,
    } = testEnv();
    const wrongPassword = `${password}-wrong`;
    const client = await connectHttp(server.url, TOKEN);
    const texts: string[] = [];
    const callAndKeep = async (name: string, args: Record<string, unknown>) => {
      const result = await client.callTool({ name, arguments: args });
      texts.push(textOf(result as never), JSON.stringify(result));
      return result;
    };
    await callAndKeep("podman_tag", { source: PODMAN_TEST_IMAGE, target: reference });
    const refused = await callAndKeep("podman_push", {
      reference,
      tls_verify: false,
      auth: { username, password: wrongPassword },
    });
    expect(refused.isError).toBe(true);
    const pushed = await callAndKeep("podman_push", {
      reference,
      tls_verify: false,
      auth: { username, password },
    });
    expect(pushed.isError).toBeFalsy();
    await callAndKeep("podman_pull", {
      reference,
      tls_verify: false,
      auth: { username, password },
    });
    await client.close();

    await expect
      .poll(() => receiver.bodies.some((body) => body.includes("podman_push")), { timeout: 10_000 })
      .toBe(true);
    const channels = {
      results: texts.join("\n"),
      stderr: server.stderr.join("\n"),
      audit: readFileSync(join(dir, "audit.jsonl"), "utf8"),
      spans: receiver.bodies.join("\n"),
    };
    expect(channels.audit).toContain("podman_push");
    for (const [channel, text] of Object.entries(channels)) {
      for (const secret of [TOKEN, password, wrongPassword]) {
        expect(text.includes(secret), `${channel} holds a secret`).toBe(false);
      }
    }
  });

  it("keeps a Podman secret's value out of results, logs, audit lines and spans", async () => {
    const value = `secret-value-${Math.random().toString(36).slice(2)}`;
    const secret = uniqueName("leak-secret");
    const container = podman.track(uniqueName("leak-secret-user"));
    const client = await connectHttp(server.url, TOKEN);
    const texts: string[] = [];
    const callAndKeep = async (name: string, args: Record<string, unknown>) => {
      const result = await client.callTool({ name, arguments: args });
      texts.push(textOf(result as never), JSON.stringify(result));
      return result;
    };
    try {
      expect(
        (await callAndKeep("podman_secret_create", { name: secret, value })).isError,
      ).toBeFalsy();
      const taken = await callAndKeep("podman_secret_create", { name: secret, value });
      expect(taken.isError).toBe(true);
      const run = await callAndKeep("podman_run", {
        image: testEnv().PODMAN_TEST_IMAGE,
        name: container,
        command: ["sleep", "600"],
        secrets: [secret, { name: secret, env: "SERVICE_URL" }],
      });
      expect(run.isError, textOf(run as never)).toBeFalsy();
      await callAndKeep("podman_inspect", { name: container });
      await callAndKeep("podman_kube_generate", { names: [container] });
      await callAndKeep("podman_secret_ls", {});
      await callAndKeep("podman_rm", { name: container, force: true, timeout: 0 });
      expect((await callAndKeep("podman_secret_rm", { name: secret })).isError).toBeFalsy();
    } finally {
      await podman.request("DELETE", `/secrets/${secret}`);
      await client.close();
    }

    await expect
      .poll(() => receiver.bodies.some((body) => body.includes("podman_secret_rm")), {
        timeout: 10_000,
      })
      .toBe(true);
    const channels = {
      results: texts.join("\n"),
      stderr: server.stderr.join("\n"),
      audit: readFileSync(join(dir, "audit.jsonl"), "utf8"),
      spans: receiver.bodies.join("\n"),
    };
    expect(channels.audit).toContain(`"created":["secret/${secret}"]`);
    expect(channels.audit).toContain(`"removed":["secret/${secret}"]`);
    for (const [channel, text] of Object.entries(channels)) {
      expect(text.includes(value), `${channel} holds the secret's value`).toBe(false);
    }
  });
});
