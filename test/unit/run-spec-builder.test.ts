import { describe, it, expect } from "vitest";
import { BadArgument } from "../../src/core/errors.js";
import { buildRunSpec, runArguments } from "../../src/core/tools/containers/run-spec-builder.js";

const IMAGE = "localhost/mcp-podman-test/busybox:latest";

/** Parses like the server does, so defaults (detach, remove, ...) apply. */
function spec(args: Record<string, unknown>) {
  return buildRunSpec(runArguments.parse({ image: IMAGE, ...args }));
}

describe("buildRunSpec", () => {
  it("sends only the image and remove=false for the defaults", () => {
    expect(spec({})).toEqual({ image: IMAGE, remove: false });
  });

  it("maps the plain arguments to their SpecGenerator fields", () => {
    expect(
      spec({
        name: "web",
        command: ["httpd", "-f", "-p", "8080"],
        entrypoint: ["/bin/sh", "-c"],
        env: { PORT: "8080", EMPTY: "" },
        labels: { app: "web" },
        workdir: "/www",
        user: "1000:1000",
        pod: "shop",
        timeout: 10,
        log_tail: 5,
        max_bytes: 4096,
      }),
    ).toEqual({
      image: IMAGE,
      remove: false,
      name: "web",
      command: ["httpd", "-f", "-p", "8080"],
      entrypoint: ["/bin/sh", "-c"],
      env: { PORT: "8080", EMPTY: "" },
      labels: { app: "web" },
      work_dir: "/www",
      user: "1000:1000",
      pod: "shop",
    });
  });

  it("removes the container on exit only when detached", () => {
    expect(spec({ remove: true }).remove).toBe(true);
    expect(spec({ remove: true, detach: true }).remove).toBe(true);
    expect(spec({ remove: true, detach: false }).remove).toBe(false);
    expect(spec({ remove: false, detach: true }).remove).toBe(false);
  });

  it("maps ports, strings and objects alike, to portmappings", () => {
    expect(
      spec({
        ports: [
          "8080:80",
          "127.0.0.1:5353:53/udp",
          "9000",
          "8000-8001:7000-7001",
          { container_port: 443, host_port: 8443, host_ip: "127.0.0.1" },
          { container_port: 6000, protocol: "sctp", range: 2 },
        ],
      }).portmappings,
    ).toEqual([
      { host_port: 8080, container_port: 80, protocol: "tcp" },
      { host_ip: "127.0.0.1", host_port: 5353, container_port: 53, protocol: "udp" },
      { container_port: 9000, protocol: "tcp" },
      { host_port: 8000, container_port: 7000, protocol: "tcp", range: 2 },
      { host_ip: "127.0.0.1", host_port: 8443, container_port: 443, protocol: "tcp" },
      { container_port: 6000, protocol: "sctp", range: 2 },
    ]);
  });

  it("leaves portmappings out for an empty list", () => {
    expect(spec({ ports: [] })).not.toHaveProperty("portmappings");
  });

  it("refuses a malformed port with BadArgument", () => {
    expect(() => spec({ ports: ["80:80:80:80"] })).toThrow(BadArgument);
  });

  it("splits named volumes and bind mounts", () => {
    const built = spec({
      volumes: ["data:/var/lib/data", "/srv/www:/www:ro,z", "cache:/cache:ro", "/scratch"],
    });
    expect(built.volumes).toEqual([
      { Name: "data", Dest: "/var/lib/data", Options: [] },
      { Name: "cache", Dest: "/cache", Options: ["ro"] },
      { Name: "", Dest: "/scratch", Options: [] },
    ]);
    expect(built.mounts).toEqual([
      { Type: "bind", Source: "/srv/www", Destination: "/www", Options: ["ro", "z"] },
    ]);
  });

  it("refuses a relative host path with BadArgument", () => {
    expect(() => spec({ volumes: ["./www:/www"] })).toThrow(
      /Invalid volume "\.\/www:\/www": host path "\.\/www" must be absolute/,
    );
  });

  it.each([
    [{ memory: "256m" }, { memory: { limit: 268435456 } }],
    [{ cpus: 0.5 }, { cpu: { quota: 50000, period: 100000 } }],
    [
      { memory: "1g", cpus: 2 },
      { memory: { limit: 1073741824 }, cpu: { quota: 200000, period: 100000 } },
    ],
  ])("maps %j to resource_limits", (args, limits) => {
    expect(spec(args).resource_limits).toEqual(limits);
  });

  it("leaves resource_limits out without memory or cpus", () => {
    expect(spec({ name: "x" })).not.toHaveProperty("resource_limits");
  });

  it.each([
    ["on-failure:3", { restart_policy: "on-failure", restart_tries: 3 }],
    ["on-failure", { restart_policy: "on-failure" }],
    ["always", { restart_policy: "always" }],
    ["unless-stopped", { restart_policy: "unless-stopped" }],
    ["no", { restart_policy: "no" }],
  ])("maps restart_policy %s", (policy, fields) => {
    expect(spec({ restart_policy: policy })).toEqual({ image: IMAGE, remove: false, ...fields });
  });

  it("rejects an unknown restart policy at validation", () => {
    const result = runArguments.safeParse({ image: IMAGE, restart_policy: "sometimes" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(
      'expected "no", "always", "unless-stopped", "on-failure" or "on-failure:N"',
    );
  });

  it.each([
    ["host", { netns: { nsmode: "host" } }],
    ["none", { netns: { nsmode: "none" } }],
    ["bridge", { netns: { nsmode: "bridge" } }],
    ["backend", { netns: { nsmode: "bridge" }, Networks: { backend: {} } }],
    ["container:db", { netns: { nsmode: "container", value: "db" } }],
  ])("maps network %s", (network, fields) => {
    expect(spec({ network })).toEqual({ image: IMAGE, remove: false, ...fields });
  });

  it("converts healthcheck durations to nanoseconds", () => {
    expect(
      spec({
        healthcheck: {
          test: ["CMD", "wget", "-q", "-O-", "http://localhost:8080/"],
          interval: "30s",
          timeout: "500ms",
          start_period: "1m30s",
          retries: 3,
        },
      }).healthconfig,
    ).toEqual({
      Test: ["CMD", "wget", "-q", "-O-", "http://localhost:8080/"],
      Interval: 30_000_000_000,
      Timeout: 500_000_000,
      StartPeriod: 90_000_000_000,
      Retries: 3,
    });
  });

  it("normalises the healthcheck test, keeps retries 0 and fills Podman's CLI defaults", () => {
    const thirtySeconds = 30 * 1e9;
    expect(
      spec({ healthcheck: { test: ["wget -q -O- http://localhost/"], retries: 0 } }).healthconfig,
    ).toEqual({
      Test: ["CMD-SHELL", "wget -q -O- http://localhost/"],
      Interval: thirtySeconds,
      Timeout: thirtySeconds,
      Retries: 0,
    });
    expect(spec({ healthcheck: { test: ["true"] } }).healthconfig).toEqual({
      Test: ["CMD", "true"],
      Interval: thirtySeconds,
      Timeout: thirtySeconds,
      Retries: 3,
    });
  });

  it("refuses a malformed healthcheck duration with BadArgument", () => {
    expect(() => spec({ healthcheck: { test: ["CMD", "true"], interval: "30" } })).toThrow(
      /Invalid duration "30": missing unit after "30"/,
    );
  });
});
