import { denoSocketConnect } from "./socket-connect.js";
import type { SocketFetch } from "../../core/contracts.js";
import type { HostAdapter } from "../../core/host/adapter.js";
import { StdioBytesTransport } from "../../core/host/transports/stdio-bytes.js";
import type { DenoApi } from "./api.js";
import { denoHostFiles, denoResolveHostPath, exists } from "./files.js";
import { denoProbeTcp } from "./probe-tcp.js";
import { denoStdio } from "./stdio.js";
import { denoUpgradeWebSocket } from "./websocket.js";

declare const Deno: DenoApi;

const encoder = new TextEncoder();

/** The client is made on the first request: a start that never reaches Podman makes none. */
function unixSocketFetch(path: string): SocketFetch {
  let client: unknown;
  return (url, init) => {
    client ??= Deno.createHttpClient({ proxy: { transport: "unix", path } });
    return fetch(url, { ...init, client } as RequestInit);
  };
}

/**
 * Runs the server on Deno. Deno's built-in OpenTelemetry (OTEL_DENO=true)
 * picks up the core's @opentelemetry/api calls, so no SDK is loaded here.
 * Stdio is read and written with Deno's own calls, not the SDK's transport
 * over process.stdin: a start over stdio loads none of Deno's Node
 * compatibility layer.
 */
export function denoAdapter(): HostAdapter {
  const stdio = denoStdio();
  return {
    runtimeName: "deno",
    configEnvironment: () => ({
      argv: Deno.args,
      env: Deno.env.toObject(),
      exists,
      readTextFile: (path) => Deno.readTextFileSync(path),
      cwd: Deno.cwd(),
    }),
    writeStdout: (text) => void Deno.stdout.writeSync(encoder.encode(text)),
    writeStderr: (text) => void Deno.stderr.writeSync(encoder.encode(text)),
    exit: (code) => Deno.exit(code),
    services: (config) => ({
      socketFetch: unixSocketFetch(config.socket),
      socketConnect: denoSocketConnect(config.socket),
      files: denoHostFiles,
      resolveHostPath: denoResolveHostPath,
      probeTcp: denoProbeTcp,
    }),
    openAppendLog(path) {
      const file = Deno.openSync(path, { append: true, create: true, mode: 0o600 });
      return (line) => void file.writeSync(encoder.encode(`${line}\n`));
    },
    readStartupFile: (path) => Deno.readTextFileSync(path),
    /**
     * /metrics over HTTP. With OTEL_DENO=true Deno's own OpenTelemetry owns the
     * global providers (and exports OTLP itself); otherwise a pull reader is set up.
     */
    async startTelemetry(config) {
      if (config.transport !== "http" || Deno.env.toObject().OTEL_DENO === "true") return undefined;
      const { startPullMetrics } = await import("./pull-metrics.js");
      return { metricsText: startPullMetrics() };
    },
    stdioTransport: () => new StdioBytesTransport(stdio),
    onStdinEnd: (handler) => stdio.onEnd(handler),
    onShutdownSignal(handler) {
      Deno.addSignalListener("SIGTERM", () => handler("SIGTERM"));
      Deno.addSignalListener("SIGINT", () => handler("SIGINT"));
    },
    async listen(options) {
      options.serveWebSocket?.(denoUpgradeWebSocket);
      const server = Deno.serve(
        {
          hostname: options.host,
          port: options.port,
          ...options.tls,
          onListen: ({ port }) => options.onListening(port),
        },
        options.fetch,
      );
      return { drain: () => undefined, close: () => server.shutdown() };
    },
  };
}
