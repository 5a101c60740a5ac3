import { describe, expect, it } from "vitest";
import type { SocketFetch } from "../../src/core/contracts.js";
import { PodmanClient } from "../../src/core/podman/client.js";

const LIMIT_MS = 30;
const pastTheLimit = () => new Promise((resolve) => setTimeout(resolve, LIMIT_MS * 3));

/** A client whose fetch answers `body` and keeps the signal each request was given. */
function clientAnswering(body: string) {
  const signals: AbortSignal[] = [];
  const fetch: SocketFetch = async (_url, init) => {
    if (init.signal) signals.push(init.signal);
    return new Response(body, { status: 200 });
  };
  const podman = new PodmanClient({ fetch, socket: "/run/podman.sock", timeoutMs: LIMIT_MS });
  return { podman, signals };
}

describe("a Podman request's time limit", () => {
  it("ends once the answer is read whole, as text or JSON", async () => {
    const { podman, signals } = clientAnswering('{"ok":true}');
    expect(await podman.json("GET", "/info")).toEqual({ ok: true });
    await pastTheLimit();
    expect(signals[0]?.aborted).toBe(false);
  });

  it("ends once a body is read to its end, or cancelled", async () => {
    const { podman, signals } = clientAnswering("line\n".repeat(1000));
    const streamed = await podman.request("GET", "/containers/web/logs");
    const reader = streamed.body?.getReader();
    let bytes = 0;
    for (let read = await reader?.read(); read && !read.done; read = await reader?.read())
      bytes += read.value.length;
    expect(bytes).toBe(5000);
    expect(await podman.send("POST", "/containers/web/stop")).toBe(200);
    await pastTheLimit();
    expect(signals.map((signal) => signal.aborted)).toEqual([false, false]);
  });

  it("still holds while a body is left unread", async () => {
    const { podman, signals } = clientAnswering("never read");
    await podman.request("GET", "/events");
    await pastTheLimit();
    expect(signals[0]?.aborted).toBe(true);
    expect((signals[0]?.reason as Error).name).toBe("TimeoutError");
  });
});
