import { describe, expect, it } from "vitest";
import { Conflict, NotFound } from "../../src/core/errors.js";
import type { PodmanResponse } from "../../src/core/contracts.js";
import { PodmanClient } from "../../src/core/podman/client.js";
import { createSecret, removeSecret } from "../../src/core/podman/secrets.js";

interface Sent {
  url: string;
  init: RequestInit;
}

function podmanAnswering(status: number, body: string, sent: Sent[]) {
  return new PodmanClient({
    socket: "/test.sock",
    timeoutMs: 1000,
    fetch: (url, init) => {
      sent.push({ url, init });
      const response = new Response(body, { status });
      return Promise.resolve(response as unknown as PodmanResponse);
    },
  });
}

const signal = new AbortController().signal;

describe("createSecret", () => {
  it("sends the value as the raw octet-stream body, name and labels in the query", async () => {
    const sent: Sent[] = [];
    const podman = podmanAnswering(200, '{"ID":"837d224de8ad7e2a559b8dfa0"}', sent);
    const value = 'p"w\nwith "quotes" and ünïcode';
    const created = await createSecret(
      podman,
      { name: "db", value, labels: { "io.mcp-podman.managed": "true" } },
      signal,
    );
    expect(created.ID).toBe("837d224de8ad7e2a559b8dfa0");
    const [{ url, init }] = sent as [Sent];
    const query = new URL(url).searchParams;
    expect(new URL(url).pathname).toBe("/v4.0.0/libpod/secrets/create");
    expect(query.get("name")).toBe("db");
    expect(JSON.parse(query.get("labels")!)).toEqual({ "io.mcp-podman.managed": "true" });
    expect((init.headers as Record<string, string>)["content-type"]).toBe(
      "application/octet-stream",
    );
    expect(new TextDecoder().decode(init.body as Uint8Array)).toBe(value);
    expect(url).not.toContain("quotes");
  });

  it("reports a taken name as a conflict (Podman 4.3 answers 500)", async () => {
    const podman = podmanAnswering(
      500,
      '{"cause":"secret name in use","message":"db: secret name in use","response":500}',
      [],
    );
    await expect(
      createSecret(podman, { name: "db", value: "x", labels: {} }, signal),
    ).rejects.toThrow(Conflict);
  });
});

describe("removeSecret", () => {
  it("reports a missing secret as not found", async () => {
    const podman = podmanAnswering(
      404,
      '{"cause":"no such secret","message":"no secret with name or id \\"db\\": no such secret","response":404}',
      [],
    );
    await expect(removeSecret(podman, "db", signal)).rejects.toThrow(NotFound);
  });
});
