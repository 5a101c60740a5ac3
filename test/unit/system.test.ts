import type { SocketFetch } from "../../src/core/contracts.js";
import { describe, expect, it } from "vitest";
import { PodmanRejected } from "../../src/core/errors.js";
import { PodmanClient } from "../../src/core/podman/client.js";
import {
  MAX_EVENT_ATTRIBUTE_CHARS,
  chronological,
  readEventHistory,
  summarizeEvent,
  type RawEvent,
} from "../../src/core/podman/events.js";
import {
  cpuPercentBetween,
  networkBytes,
  runtimeVersion,
  summarizeDiskUsage,
  type DfReport,
} from "../../src/core/podman/system.js";
import { formatBytes } from "../../src/core/tools/system/bytes.js";
import { eventFilters } from "../../src/core/tools/system/events.js";

const ID = "ce277014bdc1f43b9776e613ff57df0d35b78ef81e95c65c41399e678de5117b";
const IMAGE_ID = "00a61dc105244042f4d523feda46adc0b6275282dd1ad93e7fcc142736e99e3f";

/** A container event as Podman 4.3 writes it: containerExitCode on every event. */
function containerEvent(action: string, exitCode = "0", extra: Record<string, string> = {}) {
  return {
    status: action,
    id: ID,
    from: "localhost/test/busybox:latest",
    Type: "container",
    Action: action,
    Actor: {
      ID,
      Attributes: {
        containerExitCode: exitCode,
        image: "localhost/test/busybox:latest",
        "io.buildah.version": "1.28.2",
        name: "job1",
        podId: "",
        ...extra,
      },
    },
    scope: "local",
    time: 1795615680,
    timeNano: 1795615680265 * 1e6, // real ones carry nanoseconds beyond double precision
  } satisfies RawEvent & { scope: string };
}

describe("cpuPercentBetween", () => {
  it("is container CPU time over wall-clock time, in percent of one CPU", () => {
    const first = { CPUNano: 1_000_000_000, SystemNano: 10_000_000_000 };
    const second = { CPUNano: 2_500_000_000, SystemNano: 12_000_000_000 };
    expect(cpuPercentBetween(first, second)).toBe(75);
  });

  it("can exceed 100 when several CPUs are busy", () => {
    expect(
      cpuPercentBetween({ CPUNano: 0, SystemNano: 0 }, { CPUNano: 2e9, SystemNano: 1e9 }),
    ).toBe(200);
  });

  it("is 0 for readings without elapsed time or with a counter reset", () => {
    expect(cpuPercentBetween({ CPUNano: 5, SystemNano: 10 }, { CPUNano: 9, SystemNano: 10 })).toBe(
      0,
    );
    expect(cpuPercentBetween({ CPUNano: 9, SystemNano: 10 }, { CPUNano: 5, SystemNano: 20 })).toBe(
      0,
    );
  });
});

describe("summarizeEvent", () => {
  it("shortens ids, keeps name and image, and drops 4.3's exit code on non-exit events", () => {
    expect(summarizeEvent(containerEvent("start"))).toEqual({
      time: "2026-11-25T14:08:00.265Z",
      type: "container",
      action: "start",
      id: "ce277014bdc1",
      name: "job1",
      image: "localhost/test/busybox:latest",
    });
  });

  it("reports the exit code of died and exec_died events", () => {
    expect(summarizeEvent(containerEvent("died", "3")).exit_code).toBe(3);
    expect(summarizeEvent(containerEvent("exec_died", "1")).exit_code).toBe(1);
    expect(summarizeEvent(containerEvent("died", "0")).exit_code).toBe(0);
  });

  it("reads Podman 5's top-level exit code", () => {
    const event = { ...containerEvent("died", ""), ContainerExitCode: 137 };
    expect(summarizeEvent(event).exit_code).toBe(137);
  });

  it("carries the health of health_status events and the pod", () => {
    const event = {
      ...containerEvent("health_status", "0", { podId: ID }),
      HealthStatus: "healthy",
    };
    expect(summarizeEvent(event)).toMatchObject({ health: "healthy", pod: "ce277014bdc1" });
  });

  it("keeps other attributes (labels) only when they are small", () => {
    const small = summarizeEvent(containerEvent("create", "0", { "app.tier": "web" }));
    expect(small.attributes).toEqual({ "app.tier": "web" });
    const big = summarizeEvent(
      containerEvent("create", "0", { description: "x".repeat(MAX_EVENT_ATTRIBUTE_CHARS) }),
    );
    expect(big.attributes).toBeUndefined();
  });

  it("names an image event by its short id when Podman gives the full one", () => {
    const build: RawEvent = {
      status: "build",
      Type: "image",
      Action: "build",
      Actor: {
        ID: "",
        Attributes: { containerExitCode: "0", image: "", name: IMAGE_ID, podId: "" },
      },
      time: 1795615653,
      timeNano: 1795615653719 * 1e6,
    };
    expect(summarizeEvent(build)).toEqual({
      time: "2026-11-25T14:07:33.719Z",
      type: "image",
      action: "build",
      name: "00a61dc10524",
    });
  });

  it("falls back to the status and the time in seconds", () => {
    const event: RawEvent = { status: "refresh", Type: "system", time: 1795615653 };
    expect(summarizeEvent(event)).toEqual({
      time: "2026-11-25T14:07:33.000Z",
      type: "system",
      action: "refresh",
    });
  });
});

describe("chronological", () => {
  it("orders by time and keeps the log order of simultaneous events", () => {
    const at = (time: string, action: string) => ({ time, type: "container", action });
    const ordered = chronological([
      at("2026-01-01T00:00:02.000Z", "create"),
      at("2026-01-01T00:00:01.000Z", "pull"),
      at("2026-01-01T00:00:02.000Z", "init"),
    ]);
    expect(ordered.map((e) => e.action)).toEqual(["pull", "create", "init"]);
  });
});

describe("summarizeDiskUsage", () => {
  const images = [
    {
      Repository: "localhost/app",
      Tag: "latest",
      ImageID: IMAGE_ID,
      Size: 1000,
      UniqueSize: 300,
      Containers: 2,
    },
    // The same image under a second tag is listed twice.
    {
      Repository: "localhost/app",
      Tag: "v1",
      ImageID: IMAGE_ID,
      Size: 1000,
      UniqueSize: 300,
      Containers: 2,
    },
    { Repository: "<none>", Tag: "<none>", ImageID: ID, Size: 700, UniqueSize: 0, Containers: 0 },
  ];
  const containers = [
    { ContainerID: ID, Names: "web", Status: "running", RWSize: 40 },
    { ContainerID: IMAGE_ID, Names: "job", Status: "exited", RWSize: 12 },
  ];
  const volumes = [
    { VolumeName: "data", Links: 1, Size: 500, ReclaimableSize: 0 },
    { VolumeName: "old", Links: 0, Size: 80, ReclaimableSize: 80 },
  ];

  it("counts like Podman 4's CLI when there is no ImagesSize", () => {
    const report: DfReport = { Images: images, Containers: containers, Volumes: volumes };
    expect(summarizeDiskUsage(report)).toEqual({
      images: { count: 2, active: 1, size: 1700, reclaimable: 700 },
      containers: { count: 2, active: 1, size: 52, reclaimable: 12 },
      volumes: { count: 2, active: 1, size: 580, reclaimable: 80 },
    });
  });

  it("uses Podman 5's ImagesSize: what the active images' unique layers do not hold is reclaimable", () => {
    const report: DfReport = {
      Images: images,
      Containers: containers,
      Volumes: volumes,
      ImagesSize: 1400,
    };
    expect(summarizeDiskUsage(report).images).toEqual({
      count: 2,
      active: 1,
      size: 1400,
      reclaimable: 1100,
    });
  });

  it("accepts null lists", () => {
    const empty = { count: 0, active: 0, size: 0, reclaimable: 0 };
    expect(summarizeDiskUsage({ Images: null, Containers: null, Volumes: null })).toEqual({
      images: empty,
      containers: empty,
      volumes: empty,
    });
  });
});

describe("runtimeVersion", () => {
  it.each([
    ["runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev", "1.1.5+ds1"],
    ["crun version 1.9\ncommit: a538ac4\nrundir: /run/crun", "1.9"],
    ["something else", "something else"],
    [undefined, ""],
  ])("%j", (text, version) => {
    expect(runtimeVersion(text)).toBe(version);
  });
});

describe("eventFilters", () => {
  it("encodes every filter as a list and spells the exit event as libpod does", () => {
    expect(
      eventFilters({ type: "container", event: ["start", "die"], container: "web", label: [] }),
    ).toEqual({ type: ["container"], event: ["start", "died"], container: ["web"] });
    expect(eventFilters(undefined)).toEqual({});
  });
});

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1536, "1.5 KiB"],
    [25276510208, "23.5 GiB"],
  ])("%i", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe("readEventHistory", () => {
  const encoder = new TextEncoder();
  const line = (i: number) =>
    JSON.stringify({ ...containerEvent("start"), timeNano: 1795615680000000000 + i * 1e6 }) + "\n";

  function clientAnswering(body: (signal: AbortSignal) => ReadableStream<Uint8Array>) {
    const requested: string[] = [];
    const fetch: SocketFetch = async (url, init) => {
      requested.push(url);
      return new Response(body(init.signal as AbortSignal), { status: 200 });
    };
    const podman = new PodmanClient({ fetch, socket: "/test.sock", timeoutMs: 200 });
    return { podman, requested };
  }

  it("keeps the last `limit` events of the history and counts the rest", async () => {
    const { podman, requested } = clientAnswering(
      () =>
        new ReadableStream({
          start(controller) {
            for (let i = 0; i < 10; i++) controller.enqueue(encoder.encode(line(i)));
            controller.close();
          },
        }),
    );
    const history = await readEventHistory(
      podman,
      { since: "10m", filters: { container: ["job1"] } },
      { limit: 3 },
      new AbortController().signal,
    );
    expect(history.scanned).toBe(10);
    expect(history.stoppedEarly).toBeUndefined();
    expect(history.events.map((e) => e.timeNano)).toEqual([
      1795615680000000000 + 7e6,
      1795615680000000000 + 8e6,
      1795615680000000000 + 9e6,
    ]);
    const query = new URL(requested[0]!).searchParams;
    expect(query.get("stream")).toBe("false");
    expect(query.get("since")).toBe("10m");
    expect(JSON.parse(query.get("filters")!)).toEqual({ container: ["job1"] });
  });

  it("ends at the request timeout when the history never ends, with what it read", async () => {
    const { podman } = clientAnswering(
      (signal) =>
        new ReadableStream({
          start(controller) {
            controller.enqueue(encoder.encode(line(1) + line(2)));
            signal.addEventListener("abort", () => controller.error(signal.reason));
          },
        }),
    );
    const history = await readEventHistory(
      podman,
      {},
      { limit: 100 },
      new AbortController().signal,
    );
    expect(history.stoppedEarly).toBe("time_budget");
    expect(history.scanned).toBe(2);
  });

  it("stops and cancels the body after maxScanned events", async () => {
    let cancelled = false;
    let next = 0;
    const { podman } = clientAnswering(
      () =>
        new ReadableStream({
          pull(controller) {
            controller.enqueue(encoder.encode(line(next++)));
          },
          cancel() {
            cancelled = true;
          },
        }),
    );
    const history = await readEventHistory(
      podman,
      {},
      { limit: 2, maxScanned: 50 },
      new AbortController().signal,
    );
    expect(history).toMatchObject({ scanned: 50, stoppedEarly: "scan_budget" });
    expect(history.events.map((e) => e.timeNano)).toEqual([
      1795615680000000000 + 48e6,
      1795615680000000000 + 49e6,
    ]);
    expect(cancelled).toBe(true);
  });

  it("turns an error streamed after the 200 into a typed error", async () => {
    const { podman } = clientAnswering(
      () =>
        new ReadableStream({
          start(controller) {
            const error = {
              cause: "unable to interpret time value",
              message: "failed to parse event filters: unable to convert since time of bogus",
              response: 500,
            };
            controller.enqueue(encoder.encode(JSON.stringify(error) + "\n"));
            controller.close();
          },
        }),
    );
    await expect(
      readEventHistory(podman, { since: "bogus" }, { limit: 10 }, new AbortController().signal),
    ).rejects.toThrow(PodmanRejected);
  });
});

describe("networkBytes", () => {
  const base = {
    ContainerID: "c",
    Name: "n",
    CPU: 0,
    CPUNano: 0,
    SystemNano: 0,
    MemUsage: 0,
    MemLimit: 0,
    MemPerc: 0,
    BlockInput: 0,
    BlockOutput: 0,
    PIDs: 1,
  };

  it("takes Podman 4's totals and sums Podman 5's interfaces", () => {
    expect(networkBytes({ ...base, NetInput: 10, NetOutput: 20 })).toEqual({
      received: 10,
      sent: 20,
    });
    const network = { eth0: { RxBytes: 340, TxBytes: 132 }, eth1: { RxBytes: 1, TxBytes: 2 } };
    expect(networkBytes({ ...base, Network: network })).toEqual({ received: 341, sent: 134 });
    expect(networkBytes({ ...base, Network: null })).toEqual({ received: 0, sent: 0 });
  });
});
