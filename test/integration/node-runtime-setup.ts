import { execFileSync } from "node:child_process";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

const root = join(import.meta.dirname, "..", "..");
const script = join(root, "test", "env", "install-node.sh");
const cacheDir = join(root, "node_modules", ".cache", "mcp-podman-node");

export interface NodeRuntime {
  binary: string;
  /** What the binary answers to --version, e.g. "v22.23.5". */
  version: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    nodeRuntime: NodeRuntime;
  }
}

/**
 * Installs the Node release that MCP_PODMAN_TEST_RUNTIME=nodeNN names (for the
 * "integration-nodeNN" projects), once per run; without it the run fails.
 */
export default function setup(project: TestProject) {
  const requested = project.config.env?.MCP_PODMAN_TEST_RUNTIME ?? "";
  const major = /^node(\d+)$/.exec(requested)?.[1];
  if (!major) {
    throw new Error(
      `${project.name}: node-runtime-setup needs MCP_PODMAN_TEST_RUNTIME=nodeNN, got "${requested}"`,
    );
  }
  let binary: string;
  try {
    binary = execFileSync("bash", [script, major, cacheDir], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim();
  } catch {
    throw new Error(
      `${project.name} runs the bundle on Node ${major} and could not install it ` +
        `(test/env/install-node.sh ${major} ${cacheDir} failed; see its output above).`,
    );
  }
  const version = execFileSync(binary, ["--version"], { encoding: "utf8" }).trim();
  project.provide("nodeRuntime", { binary, version });
}
