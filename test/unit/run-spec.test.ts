import { describe, it, expect } from "vitest";
import { BadArgument } from "../../src/core/errors.js";
import { isIPv6 } from "../../src/core/podman/run-spec/addresses.js";
import { envToList } from "../../src/core/podman/run-spec/env.js";
import {
  normalizeHealthcheckTest,
  parseDuration,
} from "../../src/core/podman/run-spec/healthcheck.js";
import { parseVolume, volumesToSpec } from "../../src/core/podman/run-spec/mounts.js";
import { parsePortMapping } from "../../src/core/podman/run-spec/ports.js";
import { cpusToQuota, parseMemory } from "../../src/core/podman/run-spec/resources.js";

describe("parsePortMapping", () => {
  it.each([
    ["80", { container_port: 80, protocol: "tcp" }],
    ["8080:80", { host_port: 8080, container_port: 80, protocol: "tcp" }],
    [
      "127.0.0.1:8080:80",
      { host_ip: "127.0.0.1", host_port: 8080, container_port: 80, protocol: "tcp" },
    ],
    ["127.0.0.1::80", { host_ip: "127.0.0.1", container_port: 80, protocol: "tcp" }],
    ["8080:80/udp", { host_port: 8080, container_port: 80, protocol: "udp" }],
    ["53/UDP", { container_port: 53, protocol: "udp" }],
    ["9999:9999/sctp", { host_port: 9999, container_port: 9999, protocol: "sctp" }],
    ["[::1]:8080:80/tcp", { host_ip: "::1", host_port: 8080, container_port: 80, protocol: "tcp" }],
    ["[fe80::1]::80", { host_ip: "fe80::1", container_port: 80, protocol: "tcp" }],
    ["8000-8002:9000-9002", { host_port: 8000, container_port: 9000, protocol: "tcp", range: 3 }],
    ["9000-9001", { container_port: 9000, protocol: "tcp", range: 2 }],
    ["5000-5000:6000", { host_port: 5000, container_port: 6000, protocol: "tcp" }],
    ["1:65535", { host_port: 1, container_port: 65535, protocol: "tcp" }],
    [" 8080:80 ", { host_port: 8080, container_port: 80, protocol: "tcp" }],
  ])("parses %j", (input, expected) => {
    expect(parsePortMapping(input)).toEqual(expected);
  });

  it("omits host_port when Podman should pick it", () => {
    expect(parsePortMapping("80")).not.toHaveProperty("host_port");
    expect(parsePortMapping("0.0.0.0::80")).not.toHaveProperty("host_port");
  });

  it("accepts a bare number as the container port", () => {
    expect(parsePortMapping(443)).toEqual({ container_port: 443, protocol: "tcp" });
  });

  it.each([
    ["", /container port "" is not a number or range/],
    ["abc", /container port "abc" is not a number or range/],
    ["8080:", /container port "" is not a number/],
    [":80", /host port is empty/],
    ["0:80", /host port 0 is outside 1-65535/],
    ["8080:70000", /container port 70000 is outside 1-65535/],
    ["80/icmp", /unknown protocol "icmp"/],
    ["300.1.1.1:80:80", /"300.1.1.1" is not an IPv4 address/],
    ["localhost:80:80", /"localhost" is not an IPv4 address/],
    ["::1:8080:80", /IPv6 host addresses must be in brackets/],
    ["[::1]:80", /^Invalid port mapping "\[::1\]:80": expected/],
    ["[nope]:1:80", /"nope" is not an IPv6 address/],
    ["8000-8002:9000-9001", /host range has 3 ports but container range has 2/],
    ["9002-9000", /range "9002-9000" ends before it starts/],
    ["80:80:80:80", /IPv6 host addresses must be in brackets/],
  ])("rejects %j", (input, message) => {
    expect(() => parsePortMapping(input)).toThrow(message);
  });

  it("quotes the input and shows the expected forms", () => {
    let error: unknown;
    try {
      parsePortMapping("http");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BadArgument);
    expect((error as Error).message).toBe(
      'Invalid port mapping "http": container port "http" is not a number or range; ' +
        'expected "[[hostIp:][hostPort]:]containerPort[/tcp|udp|sctp]", for example "80", "8080:80", ' +
        '"127.0.0.1:8080:80", "127.0.0.1::80", "8080:80/udp", "[::1]:8080:80" or "8000-8002:9000-9002"',
    );
  });

  it("validates the object form", () => {
    expect(parsePortMapping({ container_port: 80 })).toEqual({
      container_port: 80,
      protocol: "tcp",
    });
    expect(
      parsePortMapping({
        host_ip: "[::1]",
        host_port: 8000,
        container_port: 9000,
        protocol: "UDP",
        range: 3,
      }),
    ).toEqual({ host_ip: "::1", host_port: 8000, container_port: 9000, protocol: "udp", range: 3 });
    expect(parsePortMapping({ host_port: 0, container_port: 80 })).toEqual({
      container_port: 80,
      protocol: "tcp",
    });
    expect(() => parsePortMapping({ container_port: 0 })).toThrow(/container_port must be/);
    expect(() => parsePortMapping({ container_port: 65535, range: 2 })).toThrow(
      /container_port must be an integer in 1-65535/,
    );
    expect(() => parsePortMapping({ container_port: 80, protocol: "icmp" })).toThrow(
      /protocol must be tcp, udp or sctp/,
    );
    expect(() => parsePortMapping({ container_port: 80, host_ip: "example" })).toThrow(
      /host_ip "example" is not an IP address/,
    );
    expect(() => parsePortMapping({ container_port: 80, range: 1.5 })).toThrow(/range/);
  });
});

describe("isIPv6", () => {
  it.each(["::1", "::", "fe80::1", "2001:db8:0:0:0:0:0:1", "::ffff:192.168.0.1", "1::"])(
    "accepts %s",
    (ip) => expect(isIPv6(ip)).toBe(true),
  );
  it.each(["1:2:3:4:5:6:7", "1::2::3", "12345::", "g::1", "1.2.3.4", "1:2:3:4:5:6:7:8:9"])(
    "rejects %s",
    (ip) => expect(isIPv6(ip)).toBe(false),
  );
});

describe("parseVolume", () => {
  it.each([
    ["data:/var/lib/data", { kind: "named", name: "data", dest: "/var/lib/data", options: [] }],
    ["data:/srv:ro", { kind: "named", name: "data", dest: "/srv", options: ["ro"] }],
    [
      "my_vol.1-x:/srv:nocopy",
      { kind: "named", name: "my_vol.1-x", dest: "/srv", options: ["nocopy"] },
    ],
    ["/cache", { kind: "named", name: "", dest: "/cache", options: [] }],
    ["/cache:U", { kind: "named", name: "", dest: "/cache", options: ["U"] }],
    [
      "/home/me/src:/src",
      { kind: "bind", source: "/home/me/src", destination: "/src", options: [] },
    ],
    [
      "/host:/path:ro,z",
      { kind: "bind", source: "/host", destination: "/path", options: ["ro", "z"] },
    ],
    [
      "/host:/path:rw,Z,U,rshared,nosuid",
      {
        kind: "bind",
        source: "/host",
        destination: "/path",
        options: ["rw", "Z", "U", "rshared", "nosuid"],
      },
    ],
  ])("parses %j", (input, expected) => {
    expect(parseVolume(input)).toEqual(expected);
  });

  it.each([
    ["./rel:/path", /host path "\.\/rel" must be absolute/],
    ["~/code:/path", /host path "~\/code" must be absolute/],
    ["rel/dir:/path", /host path "rel\/dir" must be absolute/],
    ["./rel", /container path "\.\/rel" must be absolute/],
    ["data:relative", /container path "relative" must be absolute/],
    ["data:/p:rx", /unknown option "rx" \(known: ro, rw, z, Z, U,/],
    ["data:/p:ro,", /empty option/],
    ["/h:/p:ro,rw", /options "ro" and "rw" conflict/],
    ["/h:/p:z,Z", /options "z" and "Z" conflict/],
    ["/h:/p:ro,ro", /option "ro" given twice/],
    ["/h:/p:nocopy", /option "nocopy" applies only to named volumes/],
    ["-bad:/p", /"-bad" is not a valid volume name/],
    ["a:/b:ro:extra", /too many ':'-separated parts/],
  ])("rejects %j", (input, message) => {
    expect(() => parseVolume(input)).toThrow(message);
  });

  it("quotes the input and shows the expected forms", () => {
    expect(() => parseVolume("./rel:/path")).toThrow(
      'Invalid volume "./rel:/path": host path "./rel" must be absolute; expected ' +
        '"volumeName:/container/path[:options]", "/host/path:/container/path[:options]" ' +
        'or "/container/path" (anonymous volume), options being a comma list such as "ro,z"',
    );
  });

  it("maps to SpecGenerator volumes and mounts", () => {
    expect(volumesToSpec([parseVolume("data:/srv:ro"), parseVolume("/h:/p:z")])).toEqual({
      volumes: [{ Name: "data", Dest: "/srv", Options: ["ro"] }],
      mounts: [{ Type: "bind", Source: "/h", Destination: "/p", Options: ["z"] }],
    });
  });
});

describe("parseMemory", () => {
  it.each([
    ["1024", 1024],
    ["100b", 100],
    ["512k", 512 * 1024],
    ["256m", 256 * 1024 ** 2],
    ["256M", 256 * 1024 ** 2],
    ["256mb", 256 * 1024 ** 2],
    ["256MiB", 256 * 1024 ** 2],
    ["1g", 1024 ** 3],
    ["1.5g", 1_610_612_736],
    ["2 GB", 2 * 1024 ** 3],
    ["0.5k", 512],
    ["1t", 1024 ** 4],
  ])("parses %j", (input, bytes) => {
    expect(parseMemory(input)).toBe(bytes);
  });

  it("takes a number as bytes", () => {
    expect(parseMemory(4096)).toBe(4096);
    expect(() => parseMemory(1.5)).toThrow(/positive whole number/);
  });

  it.each([
    ["", /not a size/],
    ["abc", /not a size/],
    ["-5m", /not a size/],
    ["10x", /not a size/],
    ["1.m", /not a size/],
    ["10bb", /not a size/],
    ["0", /must be at least 1 byte/],
    ["0g", /must be at least 1 byte/],
    ["99999999999p", /too large/],
  ])("rejects %j", (input, message) => {
    expect(() => parseMemory(input)).toThrow(message);
  });

  it("quotes the input in the error", () => {
    expect(() => parseMemory("lots")).toThrow(/^Invalid memory size "lots": not a size; expected/);
  });
});

describe("cpusToQuota", () => {
  it("converts CPUs to a CFS quota over a 100ms period", () => {
    expect(cpusToQuota(1)).toEqual({ quota: 100_000, period: 100_000 });
    expect(cpusToQuota(0.5)).toEqual({ quota: 50_000, period: 100_000 });
    expect(cpusToQuota(2.25)).toEqual({ quota: 225_000, period: 100_000 });
    expect(cpusToQuota(0.333333)).toEqual({ quota: 33_333, period: 100_000 });
    expect(cpusToQuota(0.01)).toEqual({ quota: 1_000, period: 100_000 });
  });

  it("rejects zero, negative, non-finite and too small values", () => {
    expect(() => cpusToQuota(0)).toThrow("Invalid cpus 0: must be a number greater than 0");
    expect(() => cpusToQuota(-1)).toThrow(/greater than 0/);
    expect(() => cpusToQuota(Number.NaN)).toThrow(/greater than 0/);
    expect(() => cpusToQuota(Infinity)).toThrow(/greater than 0/);
    expect(() => cpusToQuota(0.001)).toThrow(/smallest CPU limit is 0.01/);
  });
});

describe("parseDuration", () => {
  it.each([
    ["0", 0],
    ["0s", 0],
    ["30s", 30e9],
    ["1m30s", 90e9],
    ["500ms", 500e6],
    ["2h", 7200e9],
    ["1h2m3s4ms5us6ns", 3_723_004_005_006],
    ["1.5s", 1.5e9],
    ["1.5h", 5400e9],
    ["250µs", 250_000],
    ["10ns", 10],
  ])("parses %j", (input, nanoseconds) => {
    expect(parseDuration(input)).toBe(nanoseconds);
  });

  it.each([
    ["", /empty/],
    ["30", /missing unit after "30"/],
    ["1m30", /missing unit after "30"/],
    ["-5s", /must not be negative/],
    ["5 s", /cannot read "5 s"/],
    ["5d", /cannot read "5d"/],
    ["abc", /cannot read "abc"/],
    ["s", /cannot read "s"/],
  ])("rejects %j", (input, message) => {
    expect(() => parseDuration(input)).toThrow(message);
  });

  it("quotes the input in the error", () => {
    expect(() => parseDuration("soon")).toThrow(
      'Invalid duration "soon": cannot read "soon"; expected a duration such as ' +
        '"30s", "1m30s", "500ms" or "2h" (units h, m, s, ms, us, ns)',
    );
  });
});

describe("normalizeHealthcheckTest", () => {
  it("keeps explicit kinds", () => {
    expect(normalizeHealthcheckTest(["CMD", "curl", "-f", "http://localhost"])).toEqual([
      "CMD",
      "curl",
      "-f",
      "http://localhost",
    ]);
    expect(normalizeHealthcheckTest(["CMD-SHELL", "curl -f localhost || exit 1"])).toEqual([
      "CMD-SHELL",
      "curl -f localhost || exit 1",
    ]);
    expect(normalizeHealthcheckTest(["NONE"])).toEqual(["NONE"]);
  });

  it("prefixes a bare command with CMD", () => {
    expect(normalizeHealthcheckTest(["pg_isready", "-U", "postgres"])).toEqual([
      "CMD",
      "pg_isready",
      "-U",
      "postgres",
    ]);
    expect(normalizeHealthcheckTest(["/healthcheck"])).toEqual(["CMD", "/healthcheck"]);
  });

  it("runs a single string with spaces through the shell", () => {
    expect(normalizeHealthcheckTest(["curl -f localhost"])).toEqual([
      "CMD-SHELL",
      "curl -f localhost",
    ]);
    expect(normalizeHealthcheckTest("redis-cli ping")).toEqual(["CMD-SHELL", "redis-cli ping"]);
  });

  it("rejects empty tests and kinds without a command", () => {
    expect(() => normalizeHealthcheckTest([])).toThrow(/the command is empty/);
    expect(() => normalizeHealthcheckTest([" "])).toThrow(/the command is empty/);
    expect(() => normalizeHealthcheckTest(["CMD"])).toThrow(/"CMD" must be followed by a command/);
    expect(() => normalizeHealthcheckTest(["CMD-SHELL"])).toThrow(/"CMD-SHELL" must be followed/);
  });
});

describe("envToList", () => {
  it("turns a map into KEY=value entries", () => {
    expect(envToList({ FOO: "bar", EMPTY: "", EQ: "a=b" })).toEqual([
      "FOO=bar",
      "EMPTY=",
      "EQ=a=b",
    ]);
    expect(envToList({})).toEqual([]);
  });

  it("rejects invalid names and NUL bytes", () => {
    expect(() => envToList({ "": "x" })).toThrow('Invalid environment variable name ""');
    expect(() => envToList({ "A=B": "x" })).toThrow(
      /name "A=B": it must be non-empty and contain no "="/,
    );
    expect(() => envToList({ A: "x\0y" })).toThrow(/"A": contains a NUL byte/);
  });
});
