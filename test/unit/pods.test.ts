import { describe, expect, it } from "vitest";
import { BadArgument } from "../../src/core/errors.js";
import { splitTimestamp } from "../../src/core/podman/pod-logs.js";
import { buildPodSpec, parseSharedNamespaces } from "../../src/core/podman/pods.js";

describe("parseSharedNamespaces", () => {
  it("accepts a comma list or an array, trimmed, lowercased and deduplicated", () => {
    expect(parseSharedNamespaces("net, IPC,uts,net")).toEqual(["net", "ipc", "uts"]);
    expect(parseSharedNamespaces(["pid", "cgroup"])).toEqual(["pid", "cgroup"]);
  });

  it('reads "" and "none" as sharing nothing', () => {
    expect(parseSharedNamespaces("")).toEqual(["none"]);
    expect(parseSharedNamespaces("none")).toEqual(["none"]);
  });

  it("rejects unknown namespaces and none mixed with others", () => {
    expect(() => parseSharedNamespaces("net,mnt")).toThrow(BadArgument);
    expect(() => parseSharedNamespaces("net,mnt")).toThrow(/"mnt"/);
    expect(() => parseSharedNamespaces(["none", "net"])).toThrow(/none/);
  });
});

describe("buildPodSpec", () => {
  it("puts ports, labels, namespaces and the network on the PodSpecGenerator", () => {
    expect(
      buildPodSpec({
        name: "web",
        ports: ["127.0.0.1:8080:80", { container_port: 53, protocol: "udp" }],
        labels: { app: "web" },
        share: "net,ipc",
        network: "backend",
        hostname: "web-host",
      }),
    ).toEqual({
      name: "web",
      labels: { app: "web" },
      hostname: "web-host",
      portmappings: [
        { host_ip: "127.0.0.1", host_port: 8080, container_port: 80, protocol: "tcp" },
        { container_port: 53, protocol: "udp" },
      ],
      shared_namespaces: ["net", "ipc"],
      netns: { nsmode: "bridge" },
      Networks: { backend: {} },
    });
  });

  it("maps network modes and comma-separated network names", () => {
    expect(buildPodSpec({ name: "p", network: "host" })).toEqual({
      name: "p",
      netns: { nsmode: "host" },
    });
    expect(buildPodSpec({ name: "p", network: "a, b" }).Networks).toEqual({ a: {}, b: {} });
  });

  it("refuses published ports when the net namespace is not shared", () => {
    expect(() => buildPodSpec({ name: "p", ports: ["80"], share: "ipc" })).toThrow(/net namespace/);
    expect(() => buildPodSpec({ name: "p", ports: ["80:http"] })).toThrow(/Invalid port mapping/);
  });
});

describe("splitTimestamp", () => {
  it("splits Podman 4.3's whole-second and 5.x's nanosecond stamps", () => {
    expect(splitTimestamp("2024-05-01T10:00:00Z hello world")).toEqual({
      stamp: "2024-05-01T10:00:00Z",
      time: Date.UTC(2024, 4, 1, 10),
      text: "hello world",
    });
    const precise = splitTimestamp("2024-05-01T12:00:00.123456789+02:00 x");
    expect(precise?.time).toBeCloseTo(Date.UTC(2024, 4, 1, 10) + 123.456789, 3);
    expect(precise?.text).toBe("x");
  });

  it("orders stamps within one millisecond and keeps an empty line empty", () => {
    const a = splitTimestamp("2024-05-01T10:00:00.000000100Z a")!;
    const b = splitTimestamp("2024-05-01T10:00:00.000000900Z b")!;
    expect(a.time).toBeLessThan(b.time);
    expect(splitTimestamp("2024-05-01T10:00:00Z ")?.text).toBe("");
  });

  it("answers undefined for a line without a stamp", () => {
    expect(splitTimestamp("no stamp here")).toBeUndefined();
    expect(splitTimestamp("2024-05-01 10:00:00 text")).toBeUndefined();
  });
});
