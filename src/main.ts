import { runOnNode } from "./runtime/node.js";

runOnNode(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`mcp-podman: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
