import { shortId } from "../../src/core/podman/ids.js";
import { describe, it, expect } from "vitest";
import type { ListedContainer, PortMapping } from "../../src/core/podman/containers.js";
import { formatPort, humanDuration, statusText } from "../../src/core/podman/container-summary.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function port(overrides: Partial<PortMapping>): PortMapping {
  return { host_ip: "", host_port: 8080, container_port: 80, protocol: "tcp", ...overrides };
}

describe("formatPort", () => {
  it.each([
    [port({}), "8080->80/tcp"],
    [port({ host_ip: "0.0.0.0" }), "8080->80/tcp"],
    [port({ host_ip: "127.0.0.1" }), "127.0.0.1:8080->80/tcp"],
    [port({ protocol: "udp", host_port: 5353, container_port: 53 }), "5353->53/udp"],
    [port({ protocol: "sctp" }), "8080->80/sctp"],
    [port({ host_port: 8000, container_port: 9000, range: 3 }), "8000-8002->9000-9002/tcp"],
    [port({ range: 1 }), "8080->80/tcp"],
    [
      port({
        host_ip: "127.0.0.1",
        host_port: 5000,
        container_port: 5000,
        range: 2,
        protocol: "udp",
      }),
      "127.0.0.1:5000-5001->5000-5001/udp",
    ],
  ])("formats %j as %s", (mapping, expected) => {
    expect(formatPort(mapping)).toBe(expected);
  });
});

describe("shortId", () => {
  it("keeps the first 12 characters", () => {
    expect(shortId("3f2a9c0d1e4b5a6978c1d2e3f4a5b6c7")).toBe("3f2a9c0d1e4b");
  });
});

describe("humanDuration", () => {
  it.each([
    [0, "0 seconds"],
    [499, "0 seconds"],
    [500, "1 second"],
    [1 * SECOND, "1 second"],
    [59 * SECOND, "59 seconds"],
    [60 * SECOND, "1 minute"],
    [119 * SECOND, "1 minute"],
    [5 * MINUTE + 30 * SECOND, "5 minutes"],
    [HOUR, "1 hour"],
    [2 * HOUR + 59 * MINUTE, "2 hours"],
    [DAY, "1 day"],
    [400 * DAY, "400 days"],
    [-5 * SECOND, "0 seconds"],
  ])("%i ms is %s", (ms, expected) => {
    expect(humanDuration(ms)).toBe(expected);
  });
});

describe("statusText", () => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);
  const nowSeconds = now / 1000;
  // Podman sets a never-reached time to Go's zero time: 0001-01-01 in Unix seconds.
  const GO_ZERO_TIME = -62135596800;

  function container(overrides: Partial<ListedContainer>): ListedContainer {
    return {
      Id: "3f2a9c0d1e4b5a6978c1d2e3f4a5b6c7",
      Names: ["web"],
      Image: "localhost/busybox:latest",
      State: "running",
      Created: "2025-01-01T11:00:00Z",
      StartedAt: nowSeconds - 300,
      ExitedAt: GO_ZERO_TIME,
      ExitCode: 0,
      Ports: null,
      Labels: null,
      ...overrides,
    };
  }

  it("says how long a running container has been up", () => {
    expect(statusText(container({}), now)).toBe("Up 5 minutes");
    expect(statusText(container({ StartedAt: nowSeconds - 1 }), now)).toBe("Up 1 second");
  });

  it("gives an exited container's code and how long ago it exited", () => {
    expect(
      statusText(container({ State: "exited", ExitCode: 3, ExitedAt: nowSeconds - 7200 }), now),
    ).toBe("Exited (3) 2 hours ago");
    expect(
      statusText(container({ State: "stopped", ExitCode: 137, ExitedAt: nowSeconds - 86400 }), now),
    ).toBe("Exited (137) 1 day ago");
  });

  it("leaves out the time when Podman has none", () => {
    expect(statusText(container({ State: "exited", ExitCode: 0 }), now)).toBe("Exited (0)");
    expect(statusText(container({ State: "exited", ExitedAt: 0 }), now)).toBe("Exited (0)");
  });

  it("capitalises the other states", () => {
    expect(statusText(container({ State: "created", StartedAt: GO_ZERO_TIME }), now)).toBe(
      "Created",
    );
    expect(statusText(container({ State: "paused" }), now)).toBe("Paused");
  });

  it("prefers Podman 5's own Status string", () => {
    expect(statusText(container({ Status: "Up 2 minutes (healthy)" }), now)).toBe(
      "Up 2 minutes (healthy)",
    );
    expect(
      statusText(
        container({
          State: "exited",
          ExitedAt: nowSeconds - 60,
          Status: "Exited (1) about a minute ago",
        }),
        now,
      ),
    ).toBe("Exited (1) about a minute ago");
  });

  it("computes the text when Status is empty", () => {
    expect(statusText(container({ Status: "" }), now)).toBe("Up 5 minutes");
  });
});

describe("statusText with Podman 4.3's health-only Status", () => {
  it("adds the health to the computed status", () => {
    const now = Date.parse("2026-01-01T00:10:00Z");
    const running = {
      Id: "x",
      Names: ["web"],
      Image: "i",
      State: "running",
      Status: "healthy",
      Created: "",
      StartedAt: Date.parse("2026-01-01T00:05:00Z") / 1000,
      ExitedAt: 0,
      ExitCode: 0,
      Ports: null,
      Labels: null,
    };
    expect(statusText(running, now)).toBe("Up 5 minutes (healthy)");
  });
});
