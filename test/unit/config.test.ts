import { describe, it, expect } from "vitest";
import { parseCli, parseListen, type Config } from "../../src/core/config/config.js";
import { BadArgument } from "../../src/core/errors.js";
import { DENY_ALL } from "./fixtures.js";

interface Setup {
  env?: Record<string, string | undefined>;
  files?: Record<string, string>;
  existing?: string[];
}

function environment(argv: string[], { env = {}, files = {}, existing = [] }: Setup = {}) {
  const probed: string[] = [];
  return {
    probed,
    argv,
    env,
    exists(path: string) {
      probed.push(path);
      return existing.includes(path);
    },
    readTextFile(path: string) {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return text;
    },
  };
}

function serve(argv: string[], setup?: Setup): Config {
  const action = parseCli(environment(argv, setup));
  if (action.kind !== "serve") throw new Error(`expected serve, got ${action.kind}`);
  return action.config;
}

function failure(argv: string[], setup?: Setup): BadArgument {
  try {
    parseCli(environment(argv, setup));
  } catch (error) {
    expect(error).toBeInstanceOf(BadArgument);
    return error as BadArgument;
  }
  throw new Error(`parseCli(${JSON.stringify(argv)}) did not throw`);
}

const withToken = { env: { MCP_PODMAN_TOKEN: "secret-token" } };

describe("parseCli transport", () => {
  it("lets a stdio server read its working directory by default, an HTTP server nothing", () => {
    const cwd = { cwd: "/home/dev/project" };
    expect(parseCli({ ...environment(["--stdio"]), ...cwd })).toMatchObject({
      config: { policy: { allowRead: ["/home/dev/project"] } },
    });
    const http = { ...environment(["--listen", "127.0.0.1:8080"], withToken), ...cwd };
    expect(parseCli(http)).toMatchObject({ config: { policy: { allowRead: [] } } });
    const explicit = { ...environment(["--stdio", "--allow-read", "/srv"]), ...cwd };
    expect(parseCli(explicit)).toMatchObject({ config: { policy: { allowRead: ["/srv"] } } });
  });

  it("serves stdio with the defaults", () => {
    expect(serve(["--stdio"])).toEqual({
      transport: "stdio",
      listen: undefined,
      socket: "/run/podman/podman.sock",
      tokens: [],
      noAuth: false,
      podmanTimeoutMs: 30_000,
      tls: undefined,
      metricsPublic: false,
      ws: false,
      logLevel: "info",
      tools: { readOnly: false, include: undefined, exclude: [] },
      policy: { ...DENY_ALL, maxCopyBytes: 64 * 1024 * 1024 },
      showSecrets: false,
      auditLog: undefined,
      limits: {
        maxBodyBytes: 4 * 1024 * 1024,
        maxSessions: 64,
        maxSessionsPerToken: 16,
        sessionIdleMs: 900_000,
        shutdownMs: 20_000,
        maxOutputBytes: 2 * 1024 * 1024,
        maxFollowSeconds: 300,
        maxWaitSeconds: 300,
      },
    });
  });

  it("serves HTTP on a loopback address with a token", () => {
    const config = serve(["--listen", "127.0.0.1:8080"], withToken);
    expect(config.transport).toBe("http");
    expect(config.listen).toEqual({ host: "127.0.0.1", port: 8080 });
    expect(config.tokens).toEqual([{ token: "secret-token", scope: "admin" }]);
  });

  it.each([[[]], [["--stdio", "--listen", "127.0.0.1:8080"]]])(
    "wants exactly one transport: %j",
    (argv) => {
      expect(failure(argv, withToken).message).toBe(
        "choose one transport: --stdio or --listen HOST:PORT (see --help)",
      );
    },
  );

  it("answers --help and --version before checking anything else", () => {
    expect(parseCli(environment(["--help"]))).toEqual({ kind: "help" });
    expect(parseCli(environment(["--version"]))).toEqual({ kind: "version" });
    expect(parseCli(environment(["--stdio", "--listen", "x:1", "--help"]))).toEqual({
      kind: "help",
    });
  });
});

describe("parseListen", () => {
  it.each([
    ["127.0.0.1:8080", { host: "127.0.0.1", port: 8080 }],
    ["[::1]:8080", { host: "::1", port: 8080 }],
    ["localhost:0", { host: "localhost", port: 0 }],
    ["0.0.0.0:65535", { host: "0.0.0.0", port: 65535 }],
    ["example.org:443", { host: "example.org", port: 443 }],
  ])("reads %s", (text, expected) => {
    expect(parseListen(text)).toEqual(expected);
  });

  it.each(["127.0.0.1", "8080", ":8080", "::1:8080", "[::1]", "host:65536", "host:http"])(
    "rejects %s",
    (text) => {
      expect(() => parseListen(text)).toThrow(
        new BadArgument(`--listen expects HOST:PORT such as 127.0.0.1:8080, got "${text}"`),
      );
    },
  );

  it("keeps the IPv6 brackets out of the host", () => {
    const config = serve(["--listen", "[::1]:9000"], withToken);
    expect(config.listen).toEqual({ host: "::1", port: 9000 });
  });
});

describe("parseCli tokens", () => {
  const tokenFile = "/etc/mcp-podman/tokens";

  it("reads MCP_PODMAN_TOKEN, trimmed", () => {
    const config = serve(["--listen", "127.0.0.1:1"], { env: { MCP_PODMAN_TOKEN: "  abc \n" } });
    expect(config.tokens).toEqual([{ token: "abc", scope: "admin" }]);
  });

  it("reads a token file: comments, blank lines, several tokens, each with an optional scope", () => {
    const text = [
      "# tokens for mcp-podman",
      "",
      "alpha",
      "   ",
      "  beta  read ",
      "gamma\toperate",
      "\t# indented comment",
      "delta admin\r",
    ].join("\n");
    const config = serve(["--listen", "127.0.0.1:1", "--token-file", tokenFile], {
      files: { [tokenFile]: text },
    });
    expect(config.tokens).toEqual([
      { token: "alpha", scope: "admin" },
      { token: "beta", scope: "read" },
      { token: "gamma", scope: "operate" },
      { token: "delta", scope: "admin" },
    ]);
  });

  it("refuses an unknown scope, naming the line but never the token", () => {
    const error = failure(["--listen", "127.0.0.1:1", "--token-file", tokenFile], {
      files: { [tokenFile]: "ok-token read\nsecret-value superuser\n" },
    });
    expect(error.message).toMatch(/line 2: expected "TOKEN \[SCOPE\]"/);
    expect(error.message).not.toContain("secret-value");
  });

  it("reads --read-only, --tools and --deny-tools", () => {
    const config = serve([
      "--stdio",
      "--read-only",
      "--tools",
      "containers, podman_info",
      "--deny-tools=podman_exec",
    ]);
    expect(config.tools).toEqual({
      readOnly: true,
      include: ["containers", "podman_info"],
      exclude: ["podman_exec"],
    });
  });

  it("puts the environment token first, then the file's", () => {
    const config = serve(["--listen", "127.0.0.1:1", `--token-file=${tokenFile}`], {
      env: { MCP_PODMAN_TOKEN: "from-env" },
      files: { [tokenFile]: "from-file\n" },
    });
    expect(config.tokens).toEqual([
      { token: "from-env", scope: "admin" },
      { token: "from-file", scope: "admin" },
    ]);
  });

  it.each([[""], ["\n\n"], ["# only a comment\n   \n"]])(
    "refuses a file holding no token: %j",
    (text) => {
      expect(
        failure(["--stdio", "--token-file", tokenFile], { files: { [tokenFile]: text } }).message,
      ).toBe(`--token-file ${tokenFile} holds no token`);
    },
  );

  it("names an unreadable token file", () => {
    expect(failure(["--stdio", "--token-file", "/missing/tokens"]).message).toBe(
      "cannot read --token-file /missing/tokens: " +
        "ENOENT: no such file or directory, open '/missing/tokens'",
    );
  });

  it("refuses HTTP without a token", () => {
    const message =
      "HTTP needs a bearer token: set MCP_PODMAN_TOKEN or --token-file FILE (or --no-auth on loopback)";
    expect(failure(["--listen", "127.0.0.1:8080"]).message).toBe(message);
    expect(
      failure(["--listen", "127.0.0.1:8080"], { env: { MCP_PODMAN_TOKEN: "   " } }).message,
    ).toBe(message);
  });

  it("needs no token over stdio", () => {
    expect(serve(["--stdio"]).tokens).toEqual([]);
  });

  it.each(["127.0.0.1:8080", "127.1.2.3:8080", "localhost:8080", "[::1]:8080"])(
    "allows --no-auth on loopback %s, dropping any token",
    (listen) => {
      const config = serve(["--listen", listen, "--no-auth"], withToken);
      expect(config.noAuth).toBe(true);
      expect(config.tokens).toEqual([]);
    },
  );

  it("refuses --no-auth off loopback, even over HTTPS", () => {
    const argv = ["--listen", "0.0.0.0:8080", "--no-auth", "--tls-cert", "c.pem"];
    expect(failure([...argv, "--tls-key", "k.pem"]).message).toBe(
      "--no-auth is only allowed on a loopback address, not 0.0.0.0: give a token instead",
    );
    expect(failure(["--listen", "192.168.1.5:8080", "--no-auth", "--insecure-http"]).message).toBe(
      "--no-auth is only allowed on a loopback address, not 192.168.1.5: give a token instead",
    );
  });
});

describe("parseCli HTTPS and plain HTTP", () => {
  it("refuses plain HTTP off loopback unless asked for", () => {
    expect(failure(["--listen", "0.0.0.0:8080"], withToken).message).toBe(
      "plain HTTP on 0.0.0.0 would send tokens in clear text: give --tls-cert and --tls-key, " +
        "listen on a loopback address, or pass --insecure-http",
    );
    const config = serve(["--listen", "0.0.0.0:8080", "--insecure-http"], withToken);
    expect(config.listen).toEqual({ host: "0.0.0.0", port: 8080 });
    expect(config.tls).toBeUndefined();
  });

  it("serves HTTPS anywhere with both PEM files", () => {
    const config = serve(
      ["--listen", "0.0.0.0:8443", "--tls-cert", "/tls/cert.pem", "--tls-key=/tls/key.pem"],
      withToken,
    );
    expect(config.tls).toEqual({ certFile: "/tls/cert.pem", keyFile: "/tls/key.pem" });
  });

  it.each([[["--tls-cert", "c.pem"]], [["--tls-key", "k.pem"]]])(
    "needs both PEM files: %j",
    (tls) => {
      expect(failure(["--stdio", ...tls]).message).toBe(
        "HTTPS needs both --tls-cert and --tls-key",
      );
    },
  );
});

describe("parseCli socket", () => {
  const xdgSocket = "/run/user/1000/podman/podman.sock";

  it("takes --socket first", () => {
    const config = serve(["--stdio", "--socket", "unix:///tmp/podman.sock"], {
      env: { CONTAINER_HOST: "unix:///other.sock", XDG_RUNTIME_DIR: "/run/user/1000" },
      existing: [xdgSocket],
    });
    expect(config.socket).toBe("/tmp/podman.sock");
  });

  it("accepts a bare absolute path", () => {
    expect(serve(["--stdio", "--socket=/var/run/podman.sock"]).socket).toBe("/var/run/podman.sock");
  });

  it("then CONTAINER_HOST", () => {
    const config = serve(["--stdio"], {
      env: {
        CONTAINER_HOST: "unix:///run/user/1000/other.sock",
        XDG_RUNTIME_DIR: "/run/user/1000",
      },
      existing: [xdgSocket],
    });
    expect(config.socket).toBe("/run/user/1000/other.sock");
  });

  it("then the rootless socket when it exists", () => {
    const setup = { env: { XDG_RUNTIME_DIR: "/run/user/1000" }, existing: [xdgSocket] };
    const env = environment(["--stdio"], setup);
    const action = parseCli(env);
    expect(action.kind === "serve" && action.config.socket).toBe(xdgSocket);
    expect(env.probed).toEqual([xdgSocket]);
  });

  it("else the rootful socket", () => {
    const env = environment(["--stdio"], { env: { XDG_RUNTIME_DIR: "/run/user/1000" } });
    const action = parseCli(env);
    expect(action.kind === "serve" && action.config.socket).toBe("/run/podman/podman.sock");
    expect(env.probed).toEqual([xdgSocket]);
  });

  it("does not probe without XDG_RUNTIME_DIR", () => {
    const env = environment(["--stdio"]);
    parseCli(env);
    expect(env.probed).toEqual([]);
  });

  it.each([
    ["--socket", "tcp://127.0.0.1:8888"],
    ["--socket", "ssh://core@host/run/podman/podman.sock"],
    ["--socket", "unix://relative.sock"],
    ["--socket", "podman.sock"],
  ])("rejects %s %s", (flag, url) => {
    expect(failure(["--stdio", flag, url]).message).toBe(
      `--socket must be a unix socket such as unix:///run/podman/podman.sock, got "${url}"`,
    );
  });

  it("rejects a non-unix CONTAINER_HOST, naming the variable", () => {
    expect(failure(["--stdio"], { env: { CONTAINER_HOST: "tcp://10.0.0.2:2375" } }).message).toBe(
      'CONTAINER_HOST must be a unix socket such as unix:///run/podman/podman.sock, got "tcp://10.0.0.2:2375"',
    );
  });
});

describe("parseCli other options", () => {
  it.each([
    ["5", 5_000],
    ["0.25", 250],
    ["120", 120_000],
  ])("reads --podman-timeout %s as %i ms", (seconds, ms) => {
    expect(serve(["--stdio", "--podman-timeout", seconds]).podmanTimeoutMs).toBe(ms);
    expect(serve(["--stdio", `--podman-timeout=${seconds}`]).podmanTimeoutMs).toBe(ms);
  });

  it.each(["0", "-1", "abc", "Infinity"])("rejects --podman-timeout %s", (seconds) => {
    expect(failure(["--stdio", `--podman-timeout=${seconds}`]).message).toBe(
      `--podman-timeout expects a positive number of seconds, got "${seconds}"`,
    );
  });

  it("reads --ws, which needs --listen", () => {
    expect(serve(["--listen", "127.0.0.1:8080", "--ws"], withToken).ws).toBe(true);
    expect(serve(["--listen", "127.0.0.1:8080"], withToken).ws).toBe(false);
    expect(failure(["--stdio", "--ws"]).message).toBe(
      "--ws needs --listen HOST:PORT: WebSocket is served over HTTP",
    );
    expect(failure(["--listen", "127.0.0.1:8080", "--ws=yes"], withToken).message).toBe(
      "unknown argument --ws=yes (see --help)",
    );
  });

  it("reads --log-level and --metrics-public", () => {
    const config = serve(["--stdio", "--log-level", "debug", "--metrics-public"]);
    expect(config.logLevel).toBe("debug");
    expect(config.metricsPublic).toBe(true);
    expect(failure(["--stdio", "--log-level=trace"]).message).toBe(
      '--log-level expects one of debug, info, warning, error, got "trace"',
    );
  });

  it.each([
    [["--stdio", "--verbose"], "unknown argument --verbose (see --help)"],
    [["--stdio", "serve"], "unknown argument serve (see --help)"],
    [["--stdio=yes"], "unknown argument --stdio=yes (see --help)"],
    [["--stdio", "-h"], "unknown argument -h (see --help)"],
  ])("rejects %j", (argv, message) => {
    expect(failure(argv).message).toBe(message);
  });

  it.each([
    [["--stdio", "--socket"], "--socket needs a value"],
    [["--stdio", "--socket="], "--socket needs a value"],
    [["--listen"], "--listen needs a value"],
  ])("wants a value: %j", (argv, message) => {
    expect(failure(argv).message).toBe(message);
  });

  it("keeps '=' signs inside a value", () => {
    expect(serve(["--stdio", "--socket=/tmp/a=b.sock"]).socket).toBe("/tmp/a=b.sock");
  });
});

describe("token and listen edge cases", () => {
  const base = { exists: () => false, readTextFile: () => "" };

  it("refuses an empty token file even when MCP_PODMAN_TOKEN is set", () => {
    expect(() =>
      parseCli({
        ...base,
        argv: ["--listen", "127.0.0.1:1", "--token-file", "/t"],
        env: { MCP_PODMAN_TOKEN: "x" },
      }),
    ).toThrow("--token-file /t holds no token");
  });

  it("refuses a token with whitespace inside", () => {
    expect(() =>
      parseCli({ ...base, argv: ["--listen", "127.0.0.1:1"], env: { MCP_PODMAN_TOKEN: "a b" } }),
    ).toThrow(/whitespace/);
  });

  it("refuses unbalanced brackets in --listen", () => {
    for (const text of ["[]:80", "[foo:80", "foo]:80"])
      expect(() => parseListen(text)).toThrow(/HOST:PORT/);
  });
});

describe("policy, audit and limit flags", () => {
  it("reads every policy flag, with --allow-bind repeated and comma-separated", () => {
    const config = serve([
      "--stdio",
      "--allow-privileged",
      "--allow-cap-add",
      "--allow-host-namespaces",
      "--allow-devices",
      "--allow-unconfined",
      "--allow-bind",
      "/srv/data/",
      "--allow-bind=/tmp,/var/lib/builds",
      "--allow-read",
      "/srv/src/",
      "--allow-read=/tmp",
      "--allow-build-network",
      "--allow-network",
      "shared",
      "--allow-network=podman,ci",
      "--allowed-registries",
      "registry.example.com, localhost:5000",
      "--max-memory",
      "2g",
      "--max-cpus",
      "1.5",
      "--max-pids",
      "512",
      "--managed-only",
      "--show-secrets",
      "--audit-log",
      "/var/log/mcp-podman/audit.jsonl",
      "--max-body-bytes",
      "1024",
      "--max-sessions",
      "8",
      "--max-sessions-per-token",
      "2",
      "--session-idle-timeout",
      "60",
      "--shutdown-timeout",
      "5",
      "--max-output-bytes",
      "65536",
      "--max-follow-seconds",
      "30",
      "--max-wait-seconds",
      "45",
      "--max-copy-bytes",
      "1048576",
    ]);
    expect(config.policy).toEqual({
      allowPrivileged: true,
      allowCapAdd: true,
      allowHostNamespaces: true,
      allowDevices: true,
      allowUnconfined: true,
      allowBind: ["/srv/data", "/tmp", "/var/lib/builds"],
      allowRead: ["/srv/src", "/tmp"],
      allowBuildNetwork: true,
      allowNetworks: ["shared", "podman", "ci"],
      allowedRegistries: ["registry.example.com", "localhost:5000"],
      maxMemoryBytes: 2 * 1024 ** 3,
      maxCpus: 1.5,
      maxPids: 512,
      managedOnly: true,
      maxCopyBytes: 1024 * 1024,
    });
    expect(config.showSecrets).toBe(true);
    expect(config.auditLog).toBe("/var/log/mcp-podman/audit.jsonl");
    expect(config.limits).toEqual({
      maxBodyBytes: 1024,
      maxSessions: 8,
      maxSessionsPerToken: 2,
      sessionIdleMs: 60_000,
      shutdownMs: 5000,
      maxOutputBytes: 65536,
      maxFollowSeconds: 30,
      maxWaitSeconds: 45,
    });
  });

  it("refuses relative bind directories and non-numeric limits", () => {
    expect(failure(["--stdio", "--allow-bind", "data"]).message).toMatch(/absolute/);
    expect(failure(["--stdio", "--max-sessions", "many"]).message).toMatch(/--max-sessions/);
    expect(failure(["--stdio", "--max-pids", "1.5"]).message).toMatch(/whole number/);
    expect(failure(["--stdio", "--max-copy-bytes", "0"]).message).toMatch(/--max-copy-bytes/);
  });
});
