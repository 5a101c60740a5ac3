import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { unixSocketConnect } from "./socket-connect.js";
import { nodeProbeTcp } from "./probe-tcp.js";
import { existsSync, openSync, readFileSync, writeSync } from "node:fs";
import type { Sha256, SocketFetch } from "../../core/contracts.js";
import type { HostAdapter } from "../../core/host/adapter.js";
import { nodeHostFiles, nodeResolveHostPath } from "./files.js";
import { favourSmallHeap } from "./memory.js";
import { loadedOnFirstCall } from "./loaded-on-first-call.js";

export function nodeAdapter(argv: string[]): HostAdapter {
  return {
    configEnvironment: () => ({
      argv,
      env: process.env,
      exists: existsSync,
      readTextFile: (path) => readFileSync(path, "utf8"),
      cwd: process.cwd(),
    }),
    writeStdout: (text) => void process.stdout.write(text),
    writeStderr: (text) => void process.stderr.write(text),
    exit: (code) => process.exit(code),
    tune(config) {
      if (config.transport === "stdio") favourSmallHeap();
    },
    services: (config) => ({
      socketFetch: loadedOnFirstCall<SocketFetch>(() =>
        import("./socket-fetch.js").then(({ unixSocketFetch }) => unixSocketFetch(config.socket)),
      ),
      socketConnect: unixSocketConnect(config.socket),
      files: nodeHostFiles,
      resolveHostPath: nodeResolveHostPath,
      probeTcp: nodeProbeTcp,
      sha256: loadedOnFirstCall<Sha256>(() =>
        import("node:crypto").then(
          ({ createHash }) =>
            (data: Uint8Array) =>
              createHash("sha256").update(data).digest(),
        ),
      ),
    }),
    openAppendLog(path) {
      const fd = openSync(path, "a", 0o600);
      // Synchronous appends: an audit line is never lost to a crash right after the call.
      return (line) => writeSync(fd, `${line}\n`);
    },
    readStartupFile: (path) => readFileSync(path, "utf8"),
    /**
     * The OpenTelemetry SDK is loaded only when something will read it (OTLP
     * export configured, or /metrics over HTTP): it doubles start-up time and memory.
     */
    async startTelemetry(config, version) {
      const otlp = Object.keys(process.env).some((name) => name.startsWith("OTEL_EXPORTER_OTLP_"));
      if (!otlp && config.transport === "stdio") return undefined;
      const { startNodeTelemetry } = await import("./telemetry-sdk.js");
      return startNodeTelemetry(version);
    },
    onShutdownSignal(handler) {
      process.on("SIGTERM", handler);
      process.on("SIGINT", handler);
    },
    stdioTransport: () => new StdioServerTransport(),
    onStdinEnd: (handler) => void process.stdin.on("end", handler),
    async listen(options) {
      const { listenHttp } = await import("./http-listener.js");
      return listenHttp(options);
    },
  };
}
