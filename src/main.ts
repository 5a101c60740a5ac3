import { McpPodmanError } from "./core/errors.js";
import { runHost } from "./core/host/run.js";

// One bundle for every runtime: the entry point picks the adapter, loading only that one.
const onDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

const start = onDeno
  ? import("./runtime/deno/adapter.js").then(({ denoAdapter }) => runHost(denoAdapter()))
  : import("./runtime/node/adapter.js").then(({ nodeAdapter }) =>
      runHost(nodeAdapter(process.argv.slice(2))),
    );

start.catch((error: unknown) => {
  const message = `mcp-podman: ${error instanceof Error ? error.message : String(error)}\n`;
  if (onDeno) console.error(message.trimEnd());
  else process.stderr.write(message);
  // A bad argument found after parsing (an unknown --tools name) is a usage error too.
  process.exitCode = error instanceof McpPodmanError ? 2 : 1;
});
