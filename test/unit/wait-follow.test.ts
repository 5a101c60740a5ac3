import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BadArgument, Cancelled } from "../../src/core/errors.js";
import type { PodmanResponse } from "../../src/core/contracts.js";
import { PodmanClient } from "../../src/core/podman/client.js";
import { LineProgress } from "../../src/core/tools/containers/line-progress.js";
import { followLogs, wantsFollow } from "../../src/core/tools/containers/log-follow.js";
import {
  type InspectPorts,
  probeUrl,
  publishedPort,
} from "../../src/core/tools/containers/published-port.js";
import { stoppedForGood } from "../../src/core/tools/containers/wait-conditions.js";
import { toolContext } from "./fixtures.js";

describe("the published port a wait probes", () => {
  const ports: InspectPorts = {
    "80/tcp": [{ HostIp: "", HostPort: "8080" }],
    "53/udp": [{ HostIp: "127.0.0.1", HostPort: "5353" }],
  };

  it("is the only published TCP port when none is named, on loopback when bound to all", () => {
    expect(publishedPort(ports)).toEqual({
      host: "127.0.0.1",
      hostPort: 8080,
      containerPort: 80,
      label: "127.0.0.1:8080->80/tcp",
    });
  });

  it("is found by container port first, then by host port", () => {
    const two: InspectPorts = {
      "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8443" }],
      "8443/tcp": [{ HostIp: "127.0.0.2", HostPort: "9000" }],
    };
    expect(publishedPort(two, 8443).host).toBe("127.0.0.2");
    expect(publishedPort(two, 9000).containerPort).toBe(8443);
    expect(publishedPort(two, 80).hostPort).toBe(8443);
    expect(() => publishedPort(two)).toThrow(/several ports .*: say which with port/);
  });

  it("is on the address Podman bound it to, IPv6 included", () => {
    expect(publishedPort({ "80/tcp": [{ HostIp: "::", HostPort: "80" }] }).label).toBe(
      "[::1]:80->80/tcp",
    );
    expect(publishedPort({ "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "81" }] }).host).toBe(
      "127.0.0.1",
    );
  });

  it("refuses ports the container does not publish, UDP ones too", () => {
    expect(() => publishedPort(ports, 53)).toThrow(BadArgument);
    expect(() => publishedPort(ports, 22)).toThrow(
      "port 22 is not one the container publishes (127.0.0.1:8080->80/tcp)",
    );
    expect(() => publishedPort({})).toThrow(/publishes no TCP port/);
    expect(() => publishedPort(undefined)).toThrow(/publishes no TCP port/);
    expect(() => publishedPort({ "80/tcp": null })).toThrow(/publishes no TCP port/);
  });
});

describe("the URL an http wait fetches", () => {
  const port = publishedPort({ "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }] });

  it("is the path on the published port", () => {
    expect(probeUrl(port)).toBe("http://127.0.0.1:8080/");
    expect(probeUrl(port, "/health?full=1")).toBe("http://127.0.0.1:8080/health?full=1");
    expect(probeUrl(port, "/../etc/x")).toBe("http://127.0.0.1:8080/etc/x");
  });

  it("refuses what is not a plain path", () => {
    for (const path of ["@evil.example/", "http://evil/", "//evil/x", "/a b", "/x#y", "/\\evil"]) {
      expect(() => probeUrl(port, path), path).toThrow(BadArgument);
    }
  });

  it("never leaves the published address, whatever the path", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (tail) => {
        for (const path of [tail, `/${tail}`]) {
          let url: string;
          try {
            url = probeUrl(port, path);
          } catch (error) {
            expect(error).toBeInstanceOf(BadArgument);
            continue;
          }
          expect(new URL(url).origin).toBe("http://127.0.0.1:8080");
        }
      }),
    );
  });
});

describe("a container stopped for good", () => {
  const container = (Status: string, ExitCode = 0, Name?: string, retries = 0, restarts = 0) => ({
    State: { Status, ExitCode },
    RestartCount: restarts,
    HostConfig: { RestartPolicy: { Name, MaximumRetryCount: retries } },
  });

  it("is one that stopped with no restart policy to bring it back", () => {
    expect(stoppedForGood(container("exited", 1))).toBe(true);
    expect(stoppedForGood(container("exited", 1, "no"))).toBe(true);
    expect(stoppedForGood(container("stopped", 0, ""))).toBe(true);
    expect(stoppedForGood(container("exited", 0, "on-failure"))).toBe(true);
    expect(stoppedForGood(container("exited", 1, "on-failure", 3, 3))).toBe(true);
  });

  it("is not one running, not started yet, or about to be restarted", () => {
    for (const state of ["running", "created", "paused", "restarting"]) {
      expect(stoppedForGood(container(state)), state).toBe(false);
    }
    expect(stoppedForGood(container("exited", 1, "always"))).toBe(false);
    expect(stoppedForGood(container("exited", 0, "unless-stopped"))).toBe(false);
    expect(stoppedForGood(container("exited", 1, "on-failure"))).toBe(false);
    expect(stoppedForGood(container("exited", 1, "on-failure", 3, 2))).toBe(false);
  });
});

describe("log lines streamed as progress", () => {
  afterEach(() => vi.useRealTimers());

  it("go in batches, in order, the count only growing", async () => {
    vi.useFakeTimers();
    const sent: [string, number][] = [];
    const progress = new LineProgress(async (message, n) => void sent.push([message, n]), {
      flushMs: 100,
      maxBatchBytes: 12,
      budgetBytes: 1000,
    });
    progress.add("one");
    progress.add("two");
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([["one\ntwo", 2]]);
    progress.add("three");
    progress.add("four-four");
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.at(-1)).toEqual(["three\nfour-four", 4]);
    progress.add("five");
    await progress.close();
    expect(sent.at(-1)).toEqual(["five", 5]);
    expect(progress.streamedLines).toBe(5);
  });

  it("stop within their budget with one notice, the rest only counted", async () => {
    const sent: [string, number][] = [];
    const progress = new LineProgress(async (message, n) => void sent.push([message, n]), {
      flushMs: 1,
      maxBatchBytes: 1,
      budgetBytes: 10,
    });
    for (const line of ["aaaa", "bbbb", "cccc", "dddd"]) progress.add(line);
    await progress.close();
    expect(sent).toEqual([
      ["aaaa", 1],
      ["bbbb", 2],
      [expect.stringMatching(/^\[streamed 10 bytes of log lines: later lines are left out/), 3],
    ]);
    expect(progress.withheldLines).toBe(2);
  });

  it("keep their order when a send is slow", async () => {
    const sent: string[] = [];
    const progress = new LineProgress(
      (message) =>
        new Promise((resolve) =>
          setTimeout(() => resolve(void sent.push(message)), message === "a" ? 30 : 0),
        ),
      { flushMs: 1, maxBatchBytes: 1, budgetBytes: 100 },
    );
    progress.add("a");
    progress.add("b");
    await progress.close();
    expect(sent).toEqual(["a", "b"]);
  });
});

describe("following a log", () => {
  const encoder = new TextEncoder();
  const frame = (text: string) => {
    const data = encoder.encode(`${text}\n`);
    const bytes = new Uint8Array(8 + data.length);
    bytes[0] = 1;
    new DataView(bytes.buffer).setUint32(4, data.length);
    bytes.set(data, 8);
    return bytes;
  };

  /** A Podman whose followed log writes `lines` one every few ms, then stays open until aborted. */
  function fakePodman(lines: string[]) {
    const seen = { aborted: false, url: "" };
    const podman = new PodmanClient({
      socket: "/fake.sock",
      timeoutMs: 1000,
      fetch: async (url, init): Promise<PodmanResponse> => {
        seen.url = url;
        const signal = init.signal!;
        const body = new ReadableStream<Uint8Array>({
          async start(controller) {
            signal.addEventListener("abort", () => {
              seen.aborted = true;
              controller.error(signal.reason);
            });
            for (const line of lines) {
              await new Promise((resolve) => setTimeout(resolve, 5));
              if (signal.aborted) return;
              controller.enqueue(frame(line));
            }
          },
        });
        return { status: 200, ok: true, body, text: async () => "" };
      },
    });
    return { podman, seen };
  }

  const context = (podman: PodmanClient, signal = new AbortController().signal) => {
    const progress: string[] = [];
    const ctx = toolContext({
      podman,
      signal,
      progress: async (message) => void progress.push(message),
      probeTcp: async () => false,
    });
    return { ctx, progress };
  };
  const options = { tail: 100, maxBytes: 4096, follow: true };

  it("stops at the first line until_match matches and closes the request", async () => {
    const { podman, seen } = fakePodman(["booting", "ready on 80", "after"]);
    const { ctx, progress } = context(podman);
    const result = await followLogs(ctx, [{ id: "web" }], { ...options, until_match: "ready" });
    expect(result.follow).toMatchObject({ stopped: "until_match", matched_line: "ready on 80" });
    expect(result.text).toBe("booting\nready on 80");
    expect(progress.join("\n")).toBe("booting\nready on 80");
    expect(seen.aborted).toBe(true);
    expect(seen.url).toMatch(/\/containers\/web\/logs\?.*follow=true/);
  });

  it("stops at the server's limit, saying it lowered follow_seconds", async () => {
    const { podman, seen } = fakePodman(["one"]);
    const { ctx } = context(podman);
    const result = await followLogs(ctx, [{ id: "web" }], { ...options, follow_seconds: 60 });
    expect(result.follow).toMatchObject({
      stopped: "follow_seconds",
      seconds: 2,
      requested_seconds: 60,
    });
    expect(result.follow.followed_ms).toBeGreaterThanOrEqual(1900);
    expect(seen.aborted).toBe(true);
  });

  it("ends at once on cancel, with the request closed", async () => {
    const { podman, seen } = fakePodman(["one"]);
    const cancel = new AbortController();
    const { ctx } = context(podman, cancel.signal);
    setTimeout(() => cancel.abort(), 50);
    const started = performance.now();
    await expect(followLogs(ctx, [{ id: "web" }], options)).rejects.toThrow(Cancelled);
    expect(performance.now() - started).toBeLessThan(500);
    expect(seen.aborted).toBe(true);
  });

  it("tags a pod's lines and matches until_match on the line itself", async () => {
    const { podman } = fakePodman(["web | not this", "up"]);
    const { ctx } = context(podman);
    const result = await followLogs(ctx, [{ id: "a", tag: "web" }], {
      ...options,
      until_match: "^up$",
    });
    expect(result.follow.matched_line).toBe("web | up");
  });

  it("is asked for by follow, follow_seconds or until_match", () => {
    expect(wantsFollow({ follow: false })).toBe(false);
    expect(wantsFollow({ follow: true })).toBe(true);
    expect(wantsFollow({ follow: false, follow_seconds: 1 })).toBe(true);
    expect(wantsFollow({ follow: false, until_match: "x" })).toBe(true);
  });
});
