import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

const envDir = join(import.meta.dirname, "..", "env");

/**
 * Which Podman a project runs against (its MCP_PODMAN_TEST_PODMAN): each script
 * takes `up DIR` / `down DIR` and writes the same DIR/env.
 */
const podmanScripts: Record<string, string> = {
  "rootful-4": "podman-test-env.sh",
  podman5: "podman5-test-env.sh",
  rootless: "rootless-test-env.sh",
};
const bundle = join(import.meta.dirname, "..", "..", "dist", "mcp-podman.js");

export interface PodmanTestEnv {
  PODMAN_TEST_ROOT: string;
  PODMAN_TEST_SOCKET: string;
  PODMAN_TEST_IMAGE: string;
  PODMAN_TEST_REGISTRY: string;
  PODMAN_TEST_AUTH_REGISTRY: string;
  PODMAN_TEST_REGISTRY_USER: string;
  PODMAN_TEST_REGISTRY_PASSWORD: string;
  /** This run's own default network, so concurrent runs never share a bridge. */
  PODMAN_TEST_NETWORK: string;
  PODMAN_TEST_SUBNET: string;
  /** Which script made it (rootful-4, podman5) and the version its Podman answers. */
  PODMAN_TEST_FLAVOUR: string;
  PODMAN_TEST_VERSION: string;
  PODMAN_TEST_STORAGE_DRIVER: string;
  /** A podman CLI of the same version, as a remote client of the socket (a shell command line). */
  PODMAN_TEST_PODMAN_REMOTE: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    podman: PodmanTestEnv;
  }
}

/** Brings up one isolated Podman (own store, socket and registries) for the whole run. */
export default function setup(project: TestProject) {
  const flavour = project.config.env?.MCP_PODMAN_TEST_PODMAN || "rootful-4";
  const scriptName = podmanScripts[flavour];
  if (!scriptName) {
    throw new Error(
      `${project.name}: MCP_PODMAN_TEST_PODMAN=${flavour} is not one of ${Object.keys(podmanScripts).join(", ")}`,
    );
  }
  const script = join(envDir, scriptName);
  if (!existsSync(bundle)) {
    throw new Error(`${bundle} is missing: run "npm run build" first (npm test does it)`);
  }
  const root = mkdtempSync(join(tmpdir(), "mcp-podman-test-"));
  try {
    execFileSync("bash", [script, "up", root], { stdio: ["ignore", "ignore", "inherit"] });
  } catch {
    execFileSync("bash", [script, "down", root], { stdio: "inherit" });
    throw new Error(
      "Integration tests need a real Podman and could not start one " +
        `(test/env/${scriptName} up ${root} failed; see its output above).`,
    );
  }
  try {
    project.provide("podman", readEnvFile(join(root, "env")));
  } catch (error) {
    execFileSync("bash", [script, "down", root], { stdio: "inherit" });
    throw error;
  }
  return () => {
    execFileSync("bash", [script, "down", root], { stdio: "inherit" });
  };
}

function readEnvFile(path: string): PodmanTestEnv {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line);
    if (match) env[match[1] as string] = (match[2] as string).replace(/^'(.*)'$/, "$1");
  }
  const missing = REQUIRED_KEYS.filter((key) => !env[key]);
  if (missing.length > 0) throw new Error(`${path} lacks ${missing.join(", ")}`);
  return env as unknown as PodmanTestEnv;
}

/** What every flavour's script must write: a test may read any of them. */
const REQUIRED_KEYS: (keyof PodmanTestEnv)[] = [
  "PODMAN_TEST_ROOT",
  "PODMAN_TEST_SOCKET",
  "PODMAN_TEST_IMAGE",
  "PODMAN_TEST_REGISTRY",
  "PODMAN_TEST_AUTH_REGISTRY",
  "PODMAN_TEST_REGISTRY_USER",
  "PODMAN_TEST_REGISTRY_PASSWORD",
  "PODMAN_TEST_NETWORK",
  "PODMAN_TEST_SUBNET",
  "PODMAN_TEST_FLAVOUR",
  "PODMAN_TEST_VERSION",
  "PODMAN_TEST_STORAGE_DRIVER",
  "PODMAN_TEST_PODMAN_REMOTE",
];
